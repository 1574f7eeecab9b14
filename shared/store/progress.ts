import { randomUUID } from 'node:crypto';
import { TableClient, type TableEntity, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import type { AuditPlan, ShardResult } from '../audit.js';
import type { Cloud } from '../model/scope.js';
import type { Trigger } from '../model/run.js';
import { redact } from '../util/redact.js';
import { splitChunks } from './limits.js';
import { encodeKey, isStatus, packJson, unpackJson } from './table.js';
import { StoreConflictError } from './types.js';

/**
 * The progress of a fanned-out run, on Azure Table Storage (the Function App's own storage
 * account): one run entity with the shard counters, updated under its ETag, the plan, and one
 * result per shard. Large JSON (a plan, a shard's inventory) is split over several entities so
 * no entity exceeds the service's 1 MiB, nor a property its 64 KiB.
 *
 * - run:    PartitionKey `run`, RowKey run id: phase, counters, recorded shard ids.
 * - plan:   PartitionKey `plan_<run id>`, RowKey `h` (header: part count) and `p00000`...
 * - shard:  PartitionKey `shard_<run id>_<shard id>`, RowKey `h` (header: created once, so the
 *           first recording wins) and `<attempt>_00000`... (the parts of that attempt).
 */

export type RunPhase = 'queued' | 'planning' | 'running' | 'finalizing' | 'done' | 'failed';

export interface FailedShard {
  id: string;
  scopes: string[];
  reason: string;
}

export interface RunProgress {
  runId: string;
  phase: RunPhase;
  trigger: Trigger;
  /** What was asked for (HTTP body); the plan holds what was planned. */
  request: { clouds?: Cloud[]; scopes?: string[]; digest?: boolean };
  createdAt: string;
  updatedAt: string;
  shards: { total: number; done: number; failed: number };
  /** Ids of the shards whose result (or failure) is recorded, each counted once. */
  recorded: string[];
  failedShards: FailedShard[];
  /** Set by the update that recorded the last shard: finalisation has been asked for. */
  finalizeQueued: boolean;
  /** Why the run failed (phase `failed`). */
  error?: string;
  finishedAt?: string;
  /** Findings in the committed run (phase `done`). */
  findings?: number;
  complete?: boolean;
}

export type NewRunProgress = Pick<RunProgress, 'runId' | 'trigger' | 'request'> & { phase: 'queued' | 'planning' };

export interface ShardRecord {
  shardId: string;
  status: 'ok' | 'failed';
  reason?: string;
  result?: ShardResult;
}

export interface RecordOutcome {
  /** False when this shard had been recorded before (a redelivery): nothing was counted. */
  counted: boolean;
  /** Every shard is recorded and the run is not finished: finalisation should be (re)queued. */
  finalize: boolean;
  progress: RunProgress;
}

export interface ProgressStoreOptions {
  tableName: string;
  connectionString?: string;
  endpoint?: string;
  credential?: TokenCredential;
}

type Entity = TableEntity;
type Row = TableEntityResult<Record<string, unknown>>;

/** Characters per entity: 8 properties of 30,000 UTF-16 characters stay under the 1 MiB entity limit. */
const ENTITY_CHARS = 240_000;
const UPDATE_ATTEMPTS = 20;

export class ProgressStore {
  private constructor(private readonly table: TableClient) {}

  static async open(options: ProgressStoreOptions): Promise<ProgressStore> {
    let client: TableClient;
    if (options.connectionString !== undefined) {
      const insecure = /DefaultEndpointsProtocol=http;|UseDevelopmentStorage=true|=http:\/\//i.test(options.connectionString);
      client = TableClient.fromConnectionString(options.connectionString, options.tableName, { allowInsecureConnection: insecure });
    } else if (options.endpoint !== undefined && options.credential !== undefined) {
      client = new TableClient(options.endpoint, options.tableName, options.credential);
    } else {
      throw new Error('progress store: give connectionString, or endpoint with a credential');
    }
    await client.createTable();
    return new ProgressStore(client);
  }

  private static progressOf(e: Row): RunProgress {
    return unpackJson(e, 'progress', `progress ${e.rowKey ?? ''}`) as RunProgress;
  }

  private static entityOf(p: RunProgress): Entity {
    const e: Entity = { partitionKey: 'run', rowKey: encodeKey(p.runId), phase: p.phase, total: p.shards.total, done: p.shards.done, failed: p.shards.failed };
    packJson(e, 'progress', p);
    return e;
  }

  /** Creates the run's entity; false when it exists already (a redelivered start). */
  async create(start: NewRunProgress, now = new Date()): Promise<boolean> {
    const at = now.toISOString();
    const progress: RunProgress = { ...start, createdAt: at, updatedAt: at, shards: { total: 0, done: 0, failed: 0 }, recorded: [], failedShards: [], finalizeQueued: false };
    try {
      await this.table.createEntity(ProgressStore.entityOf(progress));
      return true;
    } catch (err) {
      if (isStatus(err, 409)) return false;
      throw err;
    }
  }

  async get(runId: string): Promise<RunProgress | undefined> {
    const e = await this.getRow('run', encodeKey(runId));
    return e ? ProgressStore.progressOf(e) : undefined;
  }

  private async getRow(pk: string, rk: string): Promise<Row | undefined> {
    try {
      return await this.table.getEntity(pk, rk);
    } catch (err) {
      if (isStatus(err, 404)) return undefined;
      throw err;
    }
  }

  /**
   * Read-modify-write of the run entity under its ETag, retried on conflict. `change` returns the
   * new progress, or undefined to leave the entity as it is.
   */
  async update(runId: string, change: (p: RunProgress) => RunProgress | undefined, now: () => Date = () => new Date()): Promise<{ before: RunProgress; after: RunProgress; changed: boolean }> {
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt += 1) {
      const e = await this.getRow('run', encodeKey(runId));
      if (!e) throw new Error(`run ${runId} has no progress record`);
      const before = ProgressStore.progressOf(e);
      const next = change(structuredClone(before));
      if (next === undefined) return { before, after: before, changed: false };
      const after = { ...next, updatedAt: now().toISOString() };
      try {
        await this.table.updateEntity(ProgressStore.entityOf(after), 'Replace', { etag: e.etag });
        return { before, after, changed: true };
      } catch (err) {
        if (!isStatus(err, 412)) throw err;
        // Another worker changed the record first: read it again, with a little jitter.
        await new Promise((r) => setTimeout(r, Math.round(Math.random() * 20 * (attempt + 1))));
      }
    }
    throw new StoreConflictError(`run progress ${runId} (${String(UPDATE_ATTEMPTS)} attempts)`);
  }

  /**
   * Writes JSON over numbered entities of one partition, then a header naming the parts. The text
   * is scrubbed of registered secrets before it is cut, so no cut splits a secret.
   */
  private async writeParts(pk: string, prefix: string, value: unknown): Promise<number> {
    const text = redact(JSON.stringify(value));
    const pieces = splitChunks(text, ENTITY_CHARS);
    for (const [i, piece] of pieces.entries()) {
      const e: Entity = { partitionKey: pk, rowKey: `${prefix}${String(i).padStart(5, '0')}` };
      packJson(e, 'data', piece);
      await this.table.upsertEntity(e, 'Replace');
    }
    return pieces.length;
  }

  private async readParts(pk: string, prefix: string, count: number): Promise<unknown> {
    let text = '';
    for (let i = 0; i < count; i += 1) {
      const rk = `${prefix}${String(i).padStart(5, '0')}`;
      const e = await this.getRow(pk, rk);
      if (!e) throw new Error(`progress ${pk}/${rk} is missing`);
      text += unpackJson(e, 'data', `progress ${pk}/${rk}`) as string;
    }
    return JSON.parse(text) as unknown;
  }

  private static planKey(runId: string): string {
    return `plan_${encodeKey(runId)}`;
  }

  private static shardKey(runId: string, shardId: string): string {
    return `shard_${encodeKey(runId)}_${encodeKey(shardId)}`;
  }

  async savePlan(plan: AuditPlan): Promise<void> {
    const pk = ProgressStore.planKey(plan.runId);
    const parts = await this.writeParts(pk, 'p', plan);
    await this.table.upsertEntity({ partitionKey: pk, rowKey: 'h', parts }, 'Replace');
  }

  async getPlan(runId: string): Promise<AuditPlan | undefined> {
    const pk = ProgressStore.planKey(runId);
    const header = await this.getRow(pk, 'h');
    if (!header || typeof header['parts'] !== 'number') return undefined;
    return (await this.readParts(pk, 'p', header['parts'])) as AuditPlan;
  }

  /**
   * Records a shard's result (or its failure) once: the first header written wins, a later one
   * (a redelivered message, the poison handler after a late success) keeps the first. Then counts
   * it on the run entity once. `finalize` is true when every shard is recorded and the run has not
   * finished, for the caller to queue finalisation (idempotent downstream).
   */
  async recordShard(runId: string, record: { shardId: string; scopes: string[] } & ({ status: 'ok'; result: ShardResult } | { status: 'failed'; reason: string })): Promise<RecordOutcome> {
    const pk = ProgressStore.shardKey(runId, record.shardId);
    const attempt = randomUUID().slice(0, 8);
    const parts = record.status === 'ok' ? await this.writeParts(pk, `${attempt}_`, record.result) : 0;
    let status: 'ok' | 'failed' = record.status;
    let reason = record.status === 'failed' ? record.reason : undefined;
    try {
      await this.table.createEntity({ partitionKey: pk, rowKey: 'h', status, attempt, parts, ...(reason === undefined ? {} : { reason }) });
    } catch (err) {
      if (!isStatus(err, 409)) throw err;
      // Recorded before: that recording stands; drop this attempt's parts.
      const existing = await this.getRow(pk, 'h');
      status = existing?.['status'] === 'failed' ? 'failed' : 'ok';
      reason = typeof existing?.['reason'] === 'string' ? existing['reason'] : undefined;
      for (let i = 0; i < parts; i += 1) await this.table.deleteEntity(pk, `${attempt}_${String(i).padStart(5, '0')}`).catch(() => undefined);
    }
    const { after, changed: counted } = await this.update(runId, (p) => {
      if (p.recorded.includes(record.shardId)) return undefined;
      p.recorded.push(record.shardId);
      if (status === 'ok') p.shards.done += 1;
      else {
        p.shards.failed += 1;
        p.failedShards.push({ id: record.shardId, scopes: record.scopes, reason: reason ?? 'failed' });
      }
      if (p.shards.done + p.shards.failed >= p.shards.total) p.finalizeQueued = true;
      return p;
    });
    const allIn = after.shards.done + after.shards.failed >= after.shards.total;
    // The recording that completed the set asks for finalisation; so does any later redelivery
    // while the run is still unfinished (the first request may have been lost with its worker).
    const finalize = allIn && after.phase === 'running';
    return { counted, finalize, progress: after };
  }

  /** Every recorded shard of a plan, with the results of those that succeeded. */
  async shardRecords(runId: string, shardIds: readonly string[]): Promise<ShardRecord[]> {
    const out: ShardRecord[] = [];
    for (const shardId of shardIds) {
      const pk = ProgressStore.shardKey(runId, shardId);
      const h = await this.getRow(pk, 'h');
      if (!h) continue;
      if (h['status'] === 'failed') {
        out.push({ shardId, status: 'failed', reason: typeof h['reason'] === 'string' ? h['reason'] : 'failed' });
        continue;
      }
      const parts = typeof h['parts'] === 'number' ? h['parts'] : 0;
      const attempt = typeof h['attempt'] === 'string' ? h['attempt'] : '';
      out.push({ shardId, status: 'ok', result: (await this.readParts(pk, `${attempt}_`, parts)) as ShardResult });
    }
    return out;
  }
}
