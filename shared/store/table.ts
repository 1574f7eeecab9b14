import { odata, RestError, TableClient, type TableEntity, type TableEntityResult, type TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '@azure/core-auth';
import type { FindingState, FindingStatus, VersionedFindingState } from '../drift/index.js';
import type { ScopeKey } from '../model/scope.js';
import { createHash, randomUUID } from 'node:crypto';
import { leaseSettings, runUnderLease, type LeaseAttempt } from './lease.js';
import { fitVersionedState, splitChunks } from './limits.js';
import { redact } from '../util/redact.js';
import { JOURNALLED, OUTBOX_LEFT, StoreConflictError, StoreError, type CommitLeaseOptions, type DriftEvent, type FindingStore, type NewOutboxEntry, type OutboxEntry, type OutboxStatus, type RunCommit, type RunRecord } from './types.js';

type Entity = TableEntity;

/** Table keys may not hold `/ \ # ?` or control characters: escape them (and the escape char) as `~XX`. */
export function encodeKey(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[~/\\#?\u0000-\u001f\u007f-\u009f]/g, (c) => `~${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

const reportPartition = (runId: string): string => `report:${encodeKey(runId)}`;

/**
 * Large JSON goes over numbered properties `<name>0..n` with `<name>Parts` holding the count.
 * The text is scrubbed of registered secrets before it is cut, so no cut splits a secret.
 */
export function packJson(entity: Entity, name: string, value: unknown): void {
  const parts = splitChunks(redact(JSON.stringify(value)));
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

/** Node's and the SDK's codes of a request that never got an answer. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'REQUEST_SEND_ERROR', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Why the tables could not be opened, as a StoreError: which store and endpoint (scrubbed, without
 * its query), what failed, what to check; the check names the setting that holds the mistake.
 */
function tableStoreError(endpoint: string, tables: readonly string[], byConnectionString: boolean, err: unknown, step: { during?: string; outcome?: string } = {}): StoreError {
  const where = redact(endpoint.replace(/[?#].*$/, ''));
  const raw = (err as { code?: unknown } | undefined)?.code;
  const code = typeof raw === 'string' ? raw : undefined;
  const status = err instanceof RestError ? err.statusCode : undefined;
  // A service's message may be a whole XML document: its first line says enough.
  const said = redact(((err as Error | undefined)?.message ?? String(err)).split('\n')[0] ?? '').slice(0, 200);
  const tableList = `(tables ${tables.join(', ')})`;
  const setting = byConnectionString ? 'the store connection string (store.connectionString)' : 'store.endpoint';
  let failed: string;
  let check: string;
  if (status === 401 || status === 403) {
    failed = `the service refused the credentials (HTTP ${String(status)}${code ? ` ${code}` : ''})`;
    check = byConnectionString
      ? `the AccountKey or SharedAccessSignature of ${setting}: the key of this account, not rotated, the SAS not expired and allowing table access`
      : 'that the identity (managed identity or az login) has the Storage Table Data Contributor role on the storage account';
  } else if (status === undefined && (code === undefined || NETWORK_CODES.has(code))) {
    failed = `could not connect (${code ?? 'no answer'}: ${said})`;
    check = `${byConnectionString ? 'the TableEndpoint (or AccountName and EndpointSuffix) of the store connection string (store.connectionString)' : setting} and that it is reachable from here (storage firewall, private endpoint, DNS; Azurite running for a local store)`;
  } else if (status !== undefined && step.during !== undefined) {
    // The tables were opened before: the service or its tables changed since.
    failed = `the service answered HTTP ${String(status)}${code ? ` ${code}` : ''}${said ? ` (${said})` : ''}`;
    check = `the storage account's health and that its tables ${tableList} still exist`;
  } else if (status !== undefined) {
    failed = `the service answered HTTP ${String(status)}${code ? ` ${code}` : ''}`;
    check = `that ${setting} names a Table service endpoint and that store.tablePrefix makes valid table names ${tableList}`;
  } else {
    failed = `${code ? `${code}: ` : ''}${said}`;
    check = `${setting}${byConnectionString ? '' : ' and the credential (managed identity or az login)'}`;
  }
  return new StoreError('table store', `${where} ${tableList}`, failed, check, { cause: err, ...step });
}

/** A failure of the service or of the way to it (not a conflict the store handles, not a bug of ours). */
function isServiceFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return err instanceof RestError || (typeof code === 'string' && NETWORK_CODES.has(code));
}

/** What a commit that failed before its journal head was stored leaves behind. */
const notCommitted = (runId: string): string =>
  `run ${runId} is not committed (the next run discards a journal left in part, or completes one the service stored whole before the failure) and is audited again by the next run`;

/** Newest first when listed in key order: 13-digit complement of the start time. */
function runKey(run: Pick<RunRecord, 'id' | 'startedAt'>): string {
  const ms = Date.parse(run.startedAt);
  if (Number.isNaN(ms)) throw new Error(`run ${run.id}: startedAt "${run.startedAt}" is not a date`);
  return `${String(9_999_999_999_999 - ms).padStart(13, '0')}_${encodeKey(run.id)}`;
}

/**
 * Every stored entity is scrubbed of registered secrets, as the file store scrubs every file: its
 * string properties here (packed JSON, the journal and the report are scrubbed before they are
 * cut). Keys are kept as they are: rows are found by them.
 */
function scrubbed<T extends Entity>(entity: T): T {
  const out: Entity = { partitionKey: entity.partitionKey, rowKey: entity.rowKey };
  for (const [k, v] of Object.entries(entity)) if (k !== 'partitionKey' && k !== 'rowKey') out[k] = typeof v === 'string' ? redact(v) : v;
  return out as T;
}

// One transaction: at most 100 entities and 4 MiB of request; stay well under the size (counted in UTF-8 bytes).
const BATCH_ENTITIES = 100;
const BATCH_BYTES = 3_500_000;

/** Splits one partition's entities into transactions within the service's limits. */
function transactions(entities: readonly Entity[]): Entity[][] {
  const out: Entity[][] = [];
  let batch: Entity[] = [];
  let bytes = 0;
  for (const entity of entities) {
    const size = Buffer.byteLength(JSON.stringify(entity), 'utf8');
    if (batch.length > 0 && (batch.length >= BATCH_ENTITIES || bytes + size > BATCH_BYTES)) {
      out.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(entity);
    bytes += size;
  }
  if (batch.length > 0) out.push(batch);
  return out;
}

/**
 * The journal: partition `journal` of the runs table. A commit's JSON is cut into parts (RowKey
 * `<run>~p<000000>`, 12 properties of 30,000 characters each: at most 720 KB of UTF-16, under the
 * 1 MiB entity limit) and a head (RowKey `<run>`: part count, length, SHA-256). Encoded keys never
 * hold `~p`, so a part's key never equals another run's head.
 */
const JOURNAL = 'journal';
const PART_PROPERTIES = 12;
const partKey = (encodedRunId: string, i: number): string => `${encodedRunId}~p${String(i).padStart(6, '0')}`;
/** Parts with no head whose run is not committed: an interrupted journal write; removed after this long. */
const ORPHAN_JOURNAL_MS = 60 * 60 * 1000;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The steps of a commit, in order (docs/reliability.md); a test hook may stop the store at any. */
export type TableCommitStep =
  | 'lease-acquired'
  | 'journal-part-written'
  | 'journal-written'
  | 'events-written'
  | 'report-written'
  | 'outbox-written'
  | 'findings-batch-written'
  | 'findings-written'
  | 'run-written'
  | 'run-pointer-written'
  | 'journal-removed';

export interface TableStoreOptions {
  tablePrefix: string;
  /** For Azurite / local runs. */
  connectionString?: string;
  /** Table endpoint, with `credential` (the managed identity in Azure). */
  endpoint?: string;
  credential?: TokenCredential;
  /** Called at each commit step (fault tests stop the store there); never set in production. */
  onStep?: (step: TableCommitStep) => void | Promise<void>;
  /** Journal parts without a head (a journal write cut short) are removed after this long; default 1 h. */
  orphanJournalMs?: number;
}

/**
 * The findings store on Azure Table Storage.
 * - runs: PartitionKey `run`, RowKey `<inverted start time>_<run id>` (newest first); a pointer
 *   row PartitionKey `id`, RowKey `<run id>` marks the run committed and finds it by id.
 * - findings: PartitionKey scope, RowKey fingerprint: the API lists a scope's findings in one partition.
 * - events: PartitionKey run id, RowKey fingerprint: one transition per finding per run, listed per run.
 * - outbox: PartitionKey run id, RowKey channel name; the status column finds pending entries.
 * - the commit lease: runs table, PartitionKey `lease`, RowKey `commit` (owner, token, expiresAt).
 * - the journal: runs table, PartitionKey `journal` (see JOURNAL).
 *
 * A commit is made durable in one step, as in the file store: the whole commit is written to the
 * journal first (its head is the commit point; one entity-group transaction when it fits), then
 * applied table by table (every step idempotent), then the journal is removed. Whoever takes the
 * commit lease next applies any journal left behind, oldest run first, so a crash at any point
 * leaves either no trace of the run or the whole run, with its outbox entries under their
 * original idempotency keys. The lease of a crashed holder is taken over once it expires: a table
 * store is shared across hosts, where a pid cannot be checked.
 */
export class TableFindingStore implements FindingStore {
  private constructor(
    private readonly runs: TableClient,
    private readonly findings: TableClient,
    private readonly events: TableClient,
    private readonly outbox: TableClient,
    private readonly options: Pick<TableStoreOptions, 'onStep' | 'orphanJournalMs'> = {},
    private readonly byConnectionString = false,
  ) {}

  /**
   * Runs one step of the store; a failure of the service becomes a StoreError naming the step and
   * what the failure left behind (errors of our own, conflicts and StoreErrors pass unchanged).
   */
  private async guard<T>(during: string, fn: () => Promise<T>, outcome?: string | (() => string | undefined)): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isServiceFailure(err)) throw err;
      const left = typeof outcome === 'function' ? outcome() : outcome;
      const tables = [this.runs, this.findings, this.events, this.outbox].map((c) => c.tableName);
      throw tableStoreError(this.runs.url, tables, this.byConnectionString, err, { during, ...(left === undefined ? {} : { outcome: left }) });
    }
  }

  private async step(name: TableCommitStep): Promise<void> {
    await this.options.onStep?.(name);
  }

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
    const orphanJournalMs = options.orphanJournalMs ?? ORPHAN_JOURNAL_MS;
    if (!(orphanJournalMs >= 0)) throw new Error(`table store: orphanJournalMs must not be negative (got ${String(orphanJournalMs)})`);
    const hooks = { orphanJournalMs, ...(options.onStep ? { onStep: options.onStep } : {}) };
    const suffixes = ['Runs', 'Findings', 'Events', 'Outbox'];
    const byConnectionString = options.connectionString !== undefined;
    let clients: TableClient[];
    try {
      clients = suffixes.map(client);
    } catch (err) {
      // A connection string the SDK cannot read: its text is not shown (it holds the key).
      if (!byConnectionString) throw err;
      // The SDK's own words only when they are about the string (not a TypeError from inside it).
      const reason = err instanceof TypeError ? '' : ` (${redact((err as Error).message.split('\n')[0] ?? '').slice(0, 200)})`;
      throw new StoreError('table store', 'the endpoint of its connection string', `the connection string could not be read${reason}`, 'the store connection string (store.connectionString): AccountName, AccountKey or SharedAccessSignature, and TableEndpoint or EndpointSuffix, separated by ";"', { cause: err });
    }
    const [runs, findings, events, outbox] = clients as [TableClient, TableClient, TableClient, TableClient];
    const store = new TableFindingStore(runs, findings, events, outbox, hooks, byConnectionString);
    try {
      // createTable does nothing when the table exists.
      for (const t of clients) await t.createTable();
    } catch (err) {
      throw tableStoreError(runs.url, clients.map((c) => c.tableName), byConnectionString, err);
    }
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

  /** Upserts entities, one transaction per partition chunk; `after` runs after each transaction. */
  private async submitBatches(client: TableClient, entities: readonly Entity[], after?: () => Promise<void>): Promise<void> {
    const byPartition = new Map<string, Entity[]>();
    for (const e of entities.map(scrubbed)) byPartition.set(e.partitionKey, [...(byPartition.get(e.partitionKey) ?? []), e]);
    for (const group of byPartition.values()) {
      for (const batch of transactions(group)) {
        await client.submitTransaction(batch.map((e): TransactionAction => ['upsert', e, 'Replace']));
        await after?.();
      }
    }
  }

  private static stateOf(e: Record<string, unknown>, where: string): VersionedFindingState {
    return { state: unpackJson(e, 'state', where) as FindingState, prior: unpackJson(e, 'prior', where) as FindingState | null };
  }

  async loadFindingStates(): Promise<VersionedFindingState[]> {
    const rows = await this.guard('reading finding states', () => TableFindingStore.collect(this.findings.listEntities()), 'nothing was written');
    return rows.map((e) => TableFindingStore.stateOf(e, `findings ${e.partitionKey ?? ''}/${e.rowKey ?? ''}`));
  }

  async listFindingStates(filter: { scope?: ScopeKey; status?: FindingStatus } = {}): Promise<FindingState[]> {
    const clauses: string[] = [];
    if (filter.scope !== undefined) clauses.push(odata`PartitionKey eq ${encodeKey(filter.scope)}`);
    if (filter.status !== undefined) clauses.push(odata`status eq ${filter.status}`);
    const iter = this.findings.listEntities(clauses.length > 0 ? { queryOptions: { filter: clauses.join(' and ') } } : {});
    const rows = await this.guard('reading finding states', () => TableFindingStore.collect(iter));
    return rows.map((e) => TableFindingStore.stateOf(e, `findings ${e.partitionKey ?? ''}/${e.rowKey ?? ''}`).state);
  }

  private async runEntity(runId: string): Promise<TableEntityResult<Record<string, unknown>> | undefined> {
    const pointer = await this.getOrUndefined(this.runs, 'id', encodeKey(runId));
    const key = pointer?.['runKey'];
    if (typeof key !== 'string') return undefined;
    return this.getOrUndefined(this.runs, 'run', key);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const e = await this.guard(`reading run ${runId}`, () => this.runEntity(runId));
    return e ? (unpackJson(e, 'record', `runs ${runId}`) as RunRecord) : undefined;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    return this.guard('listing runs', async () => {
      const out: RunRecord[] = [];
      const iter = this.runs.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${'run'}` } });
      for await (const e of iter) {
        out.push(unpackJson(e, 'record', `runs ${e.rowKey ?? ''}`) as RunRecord);
        if (out.length >= limit) break;
      }
      return out;
    });
  }

  async listEvents(runId: string): Promise<DriftEvent[]> {
    const iter = this.events.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${encodeKey(runId)}` } });
    return (await this.guard(`reading the events of run ${runId}`, () => TableFindingStore.collect(iter))).map((e) => unpackJson(e, 'event', `events ${runId}/${e.rowKey ?? ''}`) as DriftEvent);
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
    const rows = await this.guard(`reading the report of run ${runId}`, () => TableFindingStore.collect(this.runs.listEntities({ queryOptions: { filter: odata`PartitionKey eq ${reportPartition(runId)}` } })));
    if (rows.length === 0) return undefined;
    return rows.sort((a, b) => (a.rowKey ?? '').localeCompare(b.rowKey ?? '')).map((r) => String(r['part'])).join('');
  }

  async commitRun(commit: RunCommit): Promise<{ committed: boolean }> {
    const runId = commit.run.id;
    const before = `run ${runId} is not committed; the next run audits again`;
    if (await this.guard(`reading run ${runId}`, () => this.getOrUndefined(this.runs, 'id', encodeKey(runId)), before)) return { committed: false };
    // A journal of this run is an earlier attempt that reached its commit point: finish that one.
    const head = await this.guard(`reading the journal of run ${runId}`, () => this.getOrUndefined(this.runs, JOURNAL, encodeKey(runId)), before);
    if (head) {
      await this.guard(`completing the journalled commit of run ${runId}`, async () => this.applyJournal(await this.readJournal(head), Number(head['parts'])), JOURNALLED);
      return { committed: false };
    }
    // States are fitted to an entity before they are journalled, so the journal holds what is applied.
    const fitted: RunCommit = { ...commit, states: commit.states.map(fitVersionedState) };
    const parts = await this.guard(`writing the journal of run ${runId}`, () => this.writeJournal(fitted), notCommitted(runId));
    await this.guard(`applying the journalled commit of run ${runId}`, () => this.applyJournal(fitted, parts), JOURNALLED);
    return { committed: true };
  }

  /**
   * Writes the journal: parts, then the head (the commit point). When parts and head fit one
   * entity-group transaction they are written at once; otherwise the parts go first, in as many
   * transactions as needed, and the head goes with the last of them.
   */
  private async writeJournal(commit: RunCommit): Promise<number> {
    const runId = commit.run.id;
    const encoded = encodeKey(runId);
    // Scrubbed whole, before it is cut and hashed: recovery applies what the journal holds.
    const text = redact(JSON.stringify(commit));
    const chunks = splitChunks(text);
    const parts: Entity[] = [];
    for (let i = 0; i * PART_PROPERTIES < chunks.length; i += 1) {
      const part: Entity = { partitionKey: JOURNAL, rowKey: partKey(encoded, i), kind: 'part', runId };
      chunks.slice(i * PART_PROPERTIES, (i + 1) * PART_PROPERTIES).forEach((chunk, j) => {
        part[`t${String(j)}`] = chunk;
      });
      parts.push(part);
    }
    const head: Entity = { partitionKey: JOURNAL, rowKey: encoded, kind: 'head', runId, finishedAt: commit.run.finishedAt, parts: parts.length, chars: text.length, sha256: sha256(text) };
    const batches = transactions([...parts, head].map(scrubbed));
    for (const [i, batch] of batches.entries()) {
      await this.runs.submitTransaction(batch.map((e): TransactionAction => ['upsert', e, 'Replace']));
      if (i < batches.length - 1) await this.step('journal-part-written');
    }
    await this.step('journal-written');
    return parts.length;
  }

  /** The commit a journal head stands for; an error naming what is missing when its parts do not add up. */
  private async readJournal(head: Record<string, unknown>): Promise<RunCommit> {
    const encoded = String(head['rowKey']);
    const runId = String(head['runId']);
    const where = `table ${this.runs.tableName}: the journal of run ${runId}`;
    const expected = { parts: Number(head['parts']), chars: Number(head['chars']), sha256: String(head['sha256']) };
    const filter = odata`PartitionKey eq ${JOURNAL} and RowKey ge ${`${encoded}~p`} and RowKey lt ${`${encoded}~q`}`;
    // Part keys differ only in their zero-padded number: code-unit order is their order.
    const rows = (await TableFindingStore.collect(this.runs.listEntities({ queryOptions: { filter } }))).sort((a, b) => ((a.rowKey ?? '') < (b.rowKey ?? '') ? -1 : 1));
    let text = '';
    for (const row of rows) {
      for (let j = 0; typeof row[`t${String(j)}`] === 'string'; j += 1) text += String(row[`t${String(j)}`]);
    }
    if (rows.length !== expected.parts || text.length !== expected.chars || sha256(text) !== expected.sha256) {
      throw new Error(
        `${where} is damaged: expected ${String(expected.parts)} part(s), ${String(expected.chars)} characters (sha256 ${expected.sha256.slice(0, 12)}…), got ${String(rows.length)} part(s), ${String(text.length)} characters; delete the rows of partition "${JOURNAL}" whose RowKey starts with "${encoded}" to discard it`,
      );
    }
    try {
      return JSON.parse(text) as RunCommit;
    } catch (err) {
      throw new Error(`${where} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  /** Applies a journalled commit (each step idempotent): events, report, outbox, states, run record, pointer; then drops the journal. */
  private async applyJournal(commit: RunCommit, parts: number): Promise<void> {
    const runId = commit.run.id;
    const events = commit.events.map((ev): Entity => {
      const e: Entity = { partitionKey: encodeKey(runId), rowKey: ev.fingerprint, state: ev.state, severity: ev.severity };
      packJson(e, 'event', ev);
      return e;
    });
    await this.submitBatches(this.events, events);
    await this.step('events-written');
    if (commit.report !== undefined) {
      // In the runs table under its own partition per run (listRuns reads only `run`), one row per chunk.
      const chunks = splitChunks(redact(commit.report)).map((part, i): Entity => ({ partitionKey: reportPartition(runId), rowKey: String(i).padStart(6, '0'), part }));
      await this.submitBatches(this.runs, chunks);
      await this.step('report-written');
    }
    for (const entry of commit.outbox) {
      try {
        await this.outbox.createEntity(scrubbed(TableFindingStore.outboxEntity(entry)));
      } catch (err) {
        // Created by an earlier attempt of this run: keep it, with whatever delivery state it has.
        if (!isStatus(err, 409)) throw err;
      }
      await this.step('outbox-written');
    }
    // The states were fitted before they were journalled.
    const states = commit.states.map((v): Entity => {
      const e: Entity = {
        partitionKey: encodeKey(v.state.finding.scope),
        rowKey: v.state.fingerprint,
        status: v.state.status,
        ruleId: v.state.finding.ruleId,
        severity: v.state.finding.severity,
        lastRunId: v.state.lastRunId,
        lastSeen: v.state.lastSeen,
      };
      packJson(e, 'state', v.state);
      packJson(e, 'prior', v.prior);
      return e;
    });
    await this.submitBatches(this.findings, states, () => this.step('findings-batch-written'));
    await this.step('findings-written');
    const key = runKey(commit.run);
    const record: Entity = { partitionKey: 'run', rowKey: key, runId };
    packJson(record, 'record', commit.run);
    try {
      await this.runs.createEntity(scrubbed(record));
    } catch (err) {
      // Written by an earlier attempt, and maybe updated since with deliveries: keep it.
      if (!isStatus(err, 409)) throw err;
    }
    await this.step('run-written');
    await this.runs.upsertEntity(scrubbed({ partitionKey: 'id', rowKey: encodeKey(runId), runKey: key }), 'Replace');
    await this.step('run-pointer-written');
    await this.removeJournal(encodeKey(runId), parts);
    await this.step('journal-removed');
  }

  /**
   * Head first, in one transaction with the first parts, so a crash in between leaves parts of a
   * committed run (removed by recovery), never a head without its parts.
   */
  private async removeJournal(encoded: string, parts: number): Promise<void> {
    await this.deleteRows([encoded, ...Array.from({ length: parts }, (_, i) => partKey(encoded, i))]);
  }

  private async deleteIfExists(pk: string, rk: string): Promise<void> {
    try {
      await this.runs.deleteEntity(pk, rk);
    } catch (err) {
      if (!isStatus(err, 404)) throw err;
    }
  }

  /** Deletes journal rows, a transaction at a time; one by one when another process removed some first. */
  private async deleteRows(rowKeys: readonly string[]): Promise<void> {
    for (let i = 0; i < rowKeys.length; i += BATCH_ENTITIES) {
      const batch = rowKeys.slice(i, i + BATCH_ENTITIES);
      try {
        await this.runs.submitTransaction(batch.map((rowKey): TransactionAction => ['delete', { partitionKey: JOURNAL, rowKey }]));
      } catch (err) {
        if (!isStatus(err, 404)) throw err;
        for (const rowKey of batch) await this.deleteIfExists(JOURNAL, rowKey);
      }
    }
  }

  /**
   * Recovery, run by whoever holds the commit lease before it commits: applies every journal left
   * behind (oldest run first), then removes parts without a head: at once when their run is
   * committed (a crash while removing the journal), after orphanJournalMs otherwise (a crash
   * while writing it; a holder that stalled past its lease may still be writing it).
   */
  private async recover(): Promise<void> {
    const filter = odata`PartitionKey eq ${JOURNAL}`;
    const rows = await this.guard('reading the journal (recovery)', () => TableFindingStore.collect(this.runs.listEntities({ queryOptions: { filter, select: ['RowKey', 'Timestamp', 'kind', 'runId', 'finishedAt', 'parts', 'chars', 'sha256'] } })), 'nothing was written');
    const heads = rows.filter((r) => r['kind'] === 'head');
    heads.sort((a, b) => String(a['finishedAt']).localeCompare(String(b['finishedAt'])) || String(a['runId']).localeCompare(String(b['runId'])));
    for (const head of heads) {
      const runId = String(head['runId']);
      await this.guard(`completing the journalled commit of run ${runId} (left by an earlier run)`, async () => this.applyJournal(await this.readJournal(head), Number(head['parts'])), JOURNALLED);
    }
    const headed = new Set(heads.map((h) => String(h['runId'])));
    const orphans = new Map<string, { rowKeys: string[]; newest: number }>();
    for (const part of rows.filter((r) => r['kind'] === 'part' && !headed.has(String(r['runId'])))) {
      const runId = String(part['runId']);
      const o = orphans.get(runId) ?? { rowKeys: [], newest: 0 };
      o.rowKeys.push(part.rowKey ?? '');
      o.newest = Math.max(o.newest, Date.parse(part.timestamp ?? '') || Date.now());
      orphans.set(runId, o);
    }
    for (const [runId, o] of orphans) {
      const removeOrphans = async (): Promise<void> => {
        const committed = (await this.getOrUndefined(this.runs, 'id', encodeKey(runId))) !== undefined;
        if (committed || Date.now() - o.newest >= (this.options.orphanJournalMs ?? ORPHAN_JOURNAL_MS)) await this.deleteRows(o.rowKeys);
      };
      // Parts without a head are no commit: removing them is tidying, left to the next run when it fails.
      await this.guard(`removing the journal parts run ${runId} left without a head`, removeOrphans, 'no commit is affected; the next run removes them');
    }
  }

  withCommitLease<T>(owner: string, fn: () => Promise<T>, options?: CommitLeaseOptions): Promise<T> {
    const settings = leaseSettings(options);
    const attempt = (): Promise<LeaseAttempt> => this.guard('taking the commit lease', () => this.tryLease(owner, settings.now(), settings.leaseMs), 'nothing was written');
    return runUnderLease(owner, `table ${this.runs.tableName}`, settings, attempt, async () => {
      await this.step('lease-acquired');
      await this.recover();
      return fn();
    });
  }

  /** One attempt: create the lease entity, or take over an expired one under its ETag. */
  private async tryLease(owner: string, now: Date, leaseMs: number): Promise<LeaseAttempt> {
    const lease: Entity = { partitionKey: 'lease', rowKey: 'commit', owner, token: randomUUID(), expiresAt: new Date(now.getTime() + leaseMs).toISOString() };
    const held = (etag: string | undefined): LeaseAttempt => {
      if (etag === undefined) throw new Error(`table ${this.runs.tableName}: the service returned no ETag for the commit lease`);
      return {
        acquired: true,
        release: () =>
          this.guard(
            'releasing the commit lease',
            async () => {
              try {
                await this.runs.deleteEntity('lease', 'commit', { etag });
              } catch (err) {
                // Taken over after it expired (412) or already gone (404): nothing of ours to release.
                if (!isStatus(err, 412) && !isStatus(err, 404)) throw err;
              }
            },
            `the run is stored; the lease lapses after ${String(leaseMs)} ms and the next run takes it over then`,
          ),
      };
    };
    try {
      return held((await this.runs.createEntity(scrubbed(lease))).etag);
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
      return held((await this.runs.updateEntity(scrubbed(lease), 'Replace', { etag: current.etag })).etag);
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
    const entries = (await this.guard('reading the outbox', () => TableFindingStore.collect(iter), 'what is pending is delivered by the next run')).map((e) => TableFindingStore.outboxOf(e));
    return entries.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId) || a.channel.localeCompare(b.channel));
  }

  async updateOutbox(entry: OutboxEntry): Promise<OutboxEntry> {
    const { etag, ...rest } = entry;
    const res = await this.guard(
      `recording the delivery state of run ${entry.runId} to channel ${entry.channel}`,
      async () => {
        try {
          return await this.outbox.updateEntity(scrubbed(TableFindingStore.outboxEntity(rest)), 'Replace', { etag });
        } catch (err) {
          if (isStatus(err, 412)) throw new StoreConflictError(`outbox entry ${entry.runId}/${entry.channel}`);
          throw err;
        }
      },
      OUTBOX_LEFT,
    );
    if (res.etag === undefined) throw new Error(`outbox ${entry.runId}/${entry.channel}: the service returned no ETag`);
    return { ...entry, etag: res.etag };
  }

  async updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const during = `updating the record of run ${runId}`;
    for (let attempt = 0; attempt < 8; attempt += 1) {
      const e = await this.guard(during, () => this.runEntity(runId));
      if (!e) throw new Error(`run ${runId} is not in table ${this.runs.tableName}`);
      const next = change(unpackJson(e, 'record', `runs ${runId}`) as RunRecord);
      const record: Entity = { partitionKey: 'run', rowKey: e.rowKey ?? '', runId };
      packJson(record, 'record', next);
      const stored = await this.guard(during, async () => {
        try {
          await this.runs.updateEntity(scrubbed(record), 'Replace', { etag: e.etag });
          return true;
        } catch (err) {
          if (isStatus(err, 412)) return false;
          throw err;
        }
      });
      if (stored) return next;
    }
    throw new StoreConflictError(`run ${runId} (8 attempts)`);
  }
}
