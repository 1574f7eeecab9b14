import { odata, RestError, TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import type { FindingState, FindingStatus, VersionedFindingState } from '../drift/index.js';
import type { ScopeKey } from '../model/scope.js';
import { randomUUID } from 'node:crypto';
import { leaseSettings, runUnderLease, type LeaseAttempt } from './lease.js';
import { fitVersionedState, splitChunks } from './limits.js';
import { StoreConflictError, type CommitLeaseOptions, type DriftEvent, type FindingStore, type NewOutboxEntry, type OutboxEntry, type OutboxStatus, type RunCommit, type RunRecord } from './types.js';

type Entity = TableEntity;

/** Table keys may not hold `/ \ # ?` or control characters: escape them (and the escape char) as `~XX`. */
export function encodeKey(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[~/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => `~${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const reportPartition = (runId: string): string => `report:${encodeKey(runId)}`;

/** Large JSON goes over numbered properties `<name>0..n` with `<name>Parts` holding the count. */
export function packJson(entity: Entity, name: string, value: unknown): void {
  const parts = splitChunks(JSON.stringify(value));
  entity[`${name}Parts`] = parts.length;
  parts.forEach((part, i) => {
    entity[`${name}${String(i)}`] = part;
  });
}

export function unpackJson(entity: Record<string, unknown>, name: string, where: string): unknown {
  const count = entity[`${name}Parts`];
  if (typeof count !== 'number') throw new Error(`${where}: property ${name}Parts is missing`);
  let text = '';
  for (let i = 0; i < count; i += 1) {
    const part = entity[`${name}${String(i)}`];
    if (typeof part !== 'string') throw new Error(`${where}: property ${name}${String(i)} is missing`);
    text += part;
  }
  return JSON.parse(text) as unknown;
}

export function isStatus(err: unknown, status: number): boolean {
  return err instanceof RestError && err.statusCode === status;
}

/** Newest first when listed in key order: 13-digit complement of the start time. */
function runKey(run: Pick<RunRecord, 'id' | 'startedAt'>): string {
  const ms = Date.parse(run.startedAt);
  if (Number.isNaN(ms)) throw new Error(`run ${run.id}: startedAt "${run.startedAt}" is not a date`);
  return `${String(9_999_999_999_999 - ms).padStart(13, '0')}_${encodeKey(run.id)}`;
}

// One transaction: at most 100 entities and 4 MiB; stay well under the size.
const BATCH_ENTITIES = 100;
const BATCH_CHARS = 3_000_000;

export interface TableStoreOptions {
  tablePrefix: string;
  /** For Azurite / local runs. */
  connectionString?: string;
  /** Table endpoint, with `credential` (the managed identity in Azure). */
  endpoint?: string;
  credential?: TokenCredential;
}

/**
 * The findings store on Azure Table Storage.
 * - runs: PartitionKey `run`, RowKey `<inverted start time>_<run id>` (newest first); a pointer
 *   row PartitionKey `id`, RowKey `<run id>` marks the run committed and finds it by id.
 * - findings: PartitionKey scope, RowKey fingerprint: the API lists a scope's findings in one partition.
 * - events: PartitionKey run id, RowKey fingerprint: one transition per finding per run, listed per run.
 * - outbox: PartitionKey run id, RowKey channel name; the status column finds pending entries.
 * - the commit lease: runs table, PartitionKey `lease`, RowKey `commit` (owner, token, expiresAt).
 */
export class TableFindingStore implements FindingStore {
  private constructor(
    private readonly runs: TableClient,
    private readonly findings: TableClient,
    private readonly events: TableClient,
    private readonly outbox: TableClient,
  ) {}

  static async open(options: TableStoreOptions): Promise<TableFindingStore> {
    const client = (suffix: string): TableClient => {
      const name = `${options.tablePrefix}${suffix}`;
      if (options.connectionString !== undefined) {
        const insecure = /DefaultEndpointsProtocol=http;|UseDevelopmentStorage=true|=http:\/\//i.test(options.connectionString);
        return TableClient.fromConnectionString(options.connectionString, name, { allowInsecureConnection: insecure });
      }
      if (options.endpoint === undefined || options.credential === undefined) {
        throw new Error('table store: give connectionString, or endpoint with a credential');
      }
      return new TableClient(options.endpoint, name, options.credential);
    };
    const store = new TableFindingStore(client('Runs'), client('Findings'), client('Events'), client('Outbox'));
    // createTable does nothing when the table exists.
    for (const t of [store.runs, store.findings, store.events, store.outbox]) await t.createTable();
    return store;
  }

  private static async collect(iter: AsyncIterable<TableEntityResult<Record<string, unknown>>>): Promise<TableEntityResult<Record<string, unknown>>[]> {
    const out: TableEntityResult<Record<string, unknown>>[] = [];
    for await (const e of iter) out.push(e);
    return out;
  }

  private async getOrUndefined(client: TableClient, pk: string, rk: string): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    try {
      return await client.getEntity(pk, rk);
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  private async submitBatches(client: TableClient, entities: readonly Entity[]): Promise<void> {
    const byPartition = new Map<string, Entity[]>();
    for (const e of entities) byPartition.set(e.partitionKey, [...(byPartition.get(e.partitionKey) ?? []), e]);
    for (const group of byPartition.values()) {
      let batch: TransactionAction[] = [];
      let chars = 0;
      for (const entity of group) {
        const size = JSON.stringify(entity).length;
        if (batch.length > 0 && (batch.length >= BATCH_ENTITIES || chars + size > BATCH_CHARS)) {
          await client.submitTransaction(batch);
          batch = [];
          chars = 0;
        }
        batch.push(['upsert', entity, 'Replace']);
        chars += size;
      }
      if (batch.length > 0) await client.submitTransaction(batch);
    }
  }

  private static stateOf(e: Record<string, unknown>, where: string): VersionedFindingState {
    return { state: unpackJson(e, 'state', where) as FindingState, prior: unpackJson(e, 'prior', where) as FindingState | null };
  }

  async loadFindingStates(): Promise<VersionedFindingState[]> {
    const rows = await TableFindingStore.collect(this.findings.listEntities());
    return rows.map((e) => TableFindingStore.stateOf(e, `findings ${e.partitionKey ?? ''}/${e.rowKey ?? ''}`));
  }

  async listFindingStates(filter: { scope?: ScopeKey; status?: FindingStatus } = {}): Promise<FindingState[]> {
    const clauses: string[] = [];
    if (filter.scope !== undefined) clauses.push(odata`PartitionKey eq ${encodeKey(filter.scope)}`);
    if (filter.status !== undefined) clauses.push(odata`status eq ${filter.status}`);
    const iter = this.findings.listEntities(clauses.length > 0 ? { queryOptions: { filter: clauses.join(' and ') } } : {});
    const rows = await TableFindingStore.collect(iter);
    return rows.map((e) => TableFindingStore.stateOf(e, `findings ${e.partitionKey ?? ''}/${e.rowKey ?? ''}`).state);
  }

  private async runEntity(runId: string): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    const pointer = await this.getOrUndefined(this.runs, 'id', encodeKey(runId));
    const key = pointer?.['runKey'];
    if (typeof key !== 'string') return undefined;
    return this.getOrUndefined(this.runs, 'run', key);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const e = await this.runEntity(runId);
    return e ? (unpackJson(e, 'record', `runs ${runId}`) as RunRecord) : undefined;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    const iter = this.runs.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${'run'}` } });
    for await (const e of iter) {
      out.push(unpackJson(e, 'record', `runs ${e.rowKey ?? ''}`) as RunRecord);
      if (out.length >= limit) break;
    }
    return out;
  }

  async listEvents(runId: string): Promise<DriftEvent[]> {
    const iter = this.events.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(runId)}` } });
    return (await TableFindingStore.collect(iter)).map((e) => unpackJson(e, 'event', `events ${runId}/${e.rowKey ?? ''}`) as DriftEvent);
  }

  private static outboxEntity(entry: NewOutboxEntry): Entity {
    const { body, ...rest } = entry;
    const e: Entity = { partitionKey: encodeKey(entry.runId), rowKey: encodeKey(entry.channel), status: entry.status, nextAttemptAt: entry.nextAttemptAt };
    packJson(e, 'entry', rest);
    packJson(e, 'body', body);
    return e;
  }

  private static outboxOf(e: TableEntityResult<Record<string, unknown>>): OutboxEntry {
    const where = `outbox ${e.partitionKey ?? ''}/${e.rowKey ?? ''}`;
    const rest = unpackJson(e, 'entry', where) as Omit<OutboxEntry, 'body' | 'etag'>;
    return { ...rest, body: unpackJson(e, 'body', where) as string, etag: e.etag };
  }

  async getReport(runId: string): Promise<string | undefined> {
    const rows = await TableFindingStore.collect(this.runs.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${reportPartition(runId)}` } }));
    if (rows.length === 0) return undefined;
    return rows.sort((a, b) => (a.rowKey ?? '').localeCompare(b.rowKey ?? '')).map((r) => String(r['part'])).join('');
  }

  async commitRun(commit: RunCommit): Promise<{ committed: boolean }> {
    const runId = commit.run.id;
    if (await this.getOrUndefined(this.runs, 'id', encodeKey(runId))) return { committed: false };
    const events = commit.events.map((ev): Entity => {
      const e: Entity = { partitionKey: encodeKey(runId), rowKey: ev.fingerprint, state: ev.state, severity: ev.severity };
      packJson(e, 'event', ev);
      return e;
    });
    await this.submitBatches(this.events, events);
    if (commit.report !== undefined) {
      // In the runs table under its own partition per run (listRuns reads only `run`), one row per chunk.
      const chunks = splitChunks(commit.report).map((part, i): Entity => ({ partitionKey: reportPartition(runId), rowKey: String(i).padStart(6, '0'), part }));
      await this.submitBatches(this.runs, chunks);
    }
    for (const entry of commit.outbox) {
      try {
        await this.outbox.createEntity(TableFindingStore.outboxEntity(entry));
      } catch (err) {
        // Created by an earlier attempt of this run: keep it, with whatever delivery state it has.
        if (!isStatus(err, 409)) throw err;
      }
    }
    const states = commit.states.map((v): Entity => {
      const fitted = fitVersionedState(v);
      const e: Entity = {
        partitionKey: encodeKey(v.state.finding.scope),
        rowKey: v.state.fingerprint,
        status: v.state.status,
        ruleId: v.state.finding.ruleId,
        severity: v.state.finding.severity,
        lastRunId: v.state.lastRunId,
        lastSeen: v.state.lastSeen,
      };
      packJson(e, 'state', fitted.state);
      packJson(e, 'prior', fitted.prior);
      return e;
    });
    await this.submitBatches(this.findings, states);
    const key = runKey(commit.run);
    const record: Entity = { partitionKey: 'run', rowKey: key, runId };
    packJson(record, 'record', commit.run);
    await this.runs.upsertEntity(record, 'Replace');
    await this.runs.upsertEntity({ partitionKey: 'id', rowKey: encodeKey(runId), runKey: key }, 'Replace');
    return { committed: true };
  }

  withCommitLease<T>(owner: string, fn: () => Promise<T>, options?: CommitLeaseOptions): Promise<T> {
    const settings = leaseSettings(options);
    return runUnderLease(owner, `table ${this.runs.tableName}`, settings, () => this.tryLease(owner, settings.now(), settings.leaseMs), fn);
  }

  /** One attempt: create the lease entity, or take over an expired one under its ETag. */
  private async tryLease(owner: string, now: Date, leaseMs: number): Promise<LeaseAttempt> {
    const lease: Entity = { partitionKey: 'lease', rowKey: 'commit', owner, token: randomUUID(), expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
    const held = (etag: string | undefined): LeaseAttempt => {
      if (etag === undefined) throw new Error(`table ${this.runs.tableName}: the service returned no ETag for the commit lease`);
      return {
        acquired: true,
        release: async () => {
          try {
            await this.runs.deleteEntity('lease', 'commit', { etag });
          } catch (err) {
            // Taken over after it expired (412) or already gone (404): nothing of ours to release.
            if (!isStatus(err, 412) && !isStatus(err, 404)) throw err;
          }
        },
      };
    };
    try {
      return held((await this.runs.createEntity(lease)).etag);
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
    }
    const current = await this.getOrUndefined(this.runs, 'lease', 'commit');
    if (!current) return this.tryLease(owner, now, leaseMs); // released in between: create it again
    const holder = typeof current['owner'] === 'string' ? current['owner'] : '?';
    const expiresAt = typeof current['expiresAt'] === 'string' ? current['expiresAt'] : '';
    const expiry = Date.parse(expiresAt);
    if (!Number.isNaN(expiry) && expiry > now.getTime()) return { acquired: false, holder, expiresAt };
    try {
      return held((await this.runs.updateEntity(lease, 'Replace', { etag: current.etag })).etag);
    } catch (err) {
      // Someone else took it over or released it first.
      if (isStatus(err, 412) || isStatus(err, 404)) return { acquired: false, holder, expiresAt };
      throw err;
    }
  }

  async listOutbox(filter: { runId?: string; status?: OutboxStatus } = {}): Promise<OutboxEntry[]> {
    const clauses: string[] = [];
    if (filter.runId !== undefined) clauses.push(odata`PartitionKey eq ${encodeKey(filter.runId)}`);
    if (filter.status !== undefined) clauses.push(odata`status eq ${filter.status}`);
    const iter = this.outbox.listEntities(clauses.length > 0 ? { queryOptions: { filter: clauses.join(' and ') } } : {});
    const entries = (await TableFindingStore.collect(iter)).map((e) => TableFindingStore.outboxOf(e));
    return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId) || a.channel.localeCompare(b.channel));
  }

  async updateOutbox(entry: OutboxEntry): Promise<OutboxEntry> {
    const { etag, ...rest } = entry;
    try {
      const res = await this.outbox.updateEntity(TableFindingStore.outboxEntity(rest), 'Replace', { etag });
      if (res.etag === undefined) throw new Error(`outbox ${entry.runId}/${entry.channel}: the service returned no ETag`);
      return { ...entry, etag: res.etag };
    } catch (err) {
      if (isStatus(err, 412)) throw new StoreConflictError(`outbox entry ${entry.runId}/${entry.channel}`);
      throw err;
    }
  }

  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const e = await this.runEntity(runId);
      if (!e) throw new Error(`run ${runId} is not in table ${this.runs.tableName}`);
      const next = change(unpackJson(e, 'record', `runs ${runId}`) as RunRecord);
      const record: Entity = { partitionKey: 'run', rowKey: e.rowKey ?? '', runId };
      packJson(record, 'record', next);
      try {
        await this.runs.updateEntity(record, 'Replace', { etag: e.etag });
        return next;
      } catch (err) {
        if (!isStatus(err, 412)) throw err;
      }
    }
    throw new StoreConflictError(`run ${runId} (8 attempts)`);
  }
}
