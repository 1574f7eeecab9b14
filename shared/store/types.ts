import type { DriftCounts, DriftState, FindingState, FindingStatus, VersionedFindingState } from '../drift/index.js';
import type { EvidenceChange } from '../drift/evidence.js';
import type { Run } from '../model/run.js';
import type { ScopeKey } from '../model/scope.js';
import type { Severity } from '../model/severity.js';

type ChannelKind = 'slack' | 'teams' | 'webhook';
export type OutboxStatus = 'pending' | 'delivered' | 'dead-letter';

/** The outcome of one channel's message for a run, as shown in the run record. */
export interface DeliveryRecord {
  channel: string;
  kind: ChannelKind;
  status: OutboxStatus;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
}

/** What the store keeps about a run: the run without its findings (those live in the findings table). */
export interface RunRecord extends Pick<Run, 'id' | 'trigger' | 'startedAt' | 'finishedAt' | 'clouds' | 'complete' | 'apiCalls' | 'counts'> {
  drift: { counts: DriftCounts; carriedOver: { scopes: ScopeKey[]; findings: number } };
  coverage: { scopes: number; incomplete: ScopeKey[]; notes: string[] };
  undecided: number;
  /** One per channel that had something to send; updated as deliveries complete. */
  deliveries: DeliveryRecord[];
  committedAt: string;
}

/** One transition of one finding in one run. */
export interface DriftEvent {
  runId: string;
  fingerprint: string;
  state: DriftState;
  previous?: FindingStatus;
  at: string;
  ruleId: string;
  severity: Severity;
  scope: ScopeKey;
  resourceId: string;
  resourceName: string;
  message: string;
  changes: EvidenceChange[];
  note?: string;
}

/** A message waiting to be (or already) delivered to one channel for one run. */
export interface OutboxEntry {
  runId: string;
  channel: string;
  kind: ChannelKind;
  /** `<runId>:<channel>:<sha256(body) prefix>`: sent as `webhook-id` / `Idempotency-Key` on every attempt. */
  idempotencyKey: string;
  createdAt: string;
  status: OutboxStatus;
  attempts: number;
  /** Not before this instant (backoff, Retry-After). */
  nextAttemptAt: string;
  /** A deliverer owns the entry until then, so two workers never send it at once. */
  leaseUntil?: string;
  /** Who holds the lease (`host`, `pid`): a holder provably gone (same host, pid dead) is taken over at once. */
  leaseHolder?: { host: string; pid: number };
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: string;
  /** The request body, rendered once so every attempt sends the same bytes. */
  body: string;
  /** Optimistic-concurrency tag of the stored version. */
  etag: string;
}

export type NewOutboxEntry = Omit<OutboxEntry, 'etag'>;

export interface RunCommit {
  run: RunRecord;
  states: VersionedFindingState[];
  events: DriftEvent[];
  outbox: NewOutboxEntry[];
  /** The run's report snapshot (shared/report/snapshot.ts, encoded), so reports render without the clouds. */
  report?: string;
}

/** An ETag no longer matches: someone else changed the entity first. */
export class StoreConflictError extends Error {
  constructor(what: string) {
    super(`${what} was changed concurrently (ETag mismatch)`);
    this.name = 'StoreConflictError';
  }
}

/** What a StoreError adds when the store failed during a run rather than when it was opened. */
export interface StoreErrorOptions extends ErrorOptions {
  /** The step that failed ("writing the journal of run X", "reading finding states"). */
  during?: string;
  /** What the failure left behind and who completes it ("the commit is journalled; the next run completes it"). */
  outcome?: string;
}

/** The outcome of a failed outbox update: the entry as it was, sent (again) by a later run under its key. */
export const OUTBOX_LEFT = 'the outbox entry keeps its previous state; the next run delivers what is still pending under the same idempotency key';

/** The outcome of a failure after a commit's journal is written (its commit point). */
export const JOURNALLED = 'the commit is journalled; the next run completes it';

/**
 * The configured store cannot be used, when it is opened or at any later step (nothing answers at
 * its endpoint, its credentials are refused, its directory cannot be written): which store, where,
 * during what, what failed, what to check, and what the failure left behind. The CLI exits with
 * its store exit code on it. `endpoint` is shown as given: scrub it first.
 */
export class StoreError extends Error {
  override name = 'StoreError';
  readonly during: string | undefined;
  readonly outcome: string | undefined;
  constructor(
    readonly store: string,
    readonly endpoint: string,
    readonly failed: string,
    readonly check: string,
    options: StoreErrorOptions = {},
  ) {
    const { during, outcome, ...rest } = options;
    super(`${store} at ${endpoint}: ${during ? `${during}: ` : ''}${failed}; check ${check}${outcome ? `; ${outcome}` : ''}`, rest);
    this.during = during;
    this.outcome = outcome;
  }

  /** The same error, saying also what else the failure left behind. */
  alsoLeft(more: string): StoreError {
    return new StoreError(this.store, this.endpoint, this.failed, this.check, {
      cause: this.cause,
      ...(this.during === undefined ? {} : { during: this.during }),
      outcome: this.outcome === undefined ? more : `${this.outcome}; ${more}`,
    });
  }
}

/** Settings of FindingStore.withCommitLease. */
export interface CommitLeaseOptions {
  /** How long the lease is held before another process may take it over (a crashed holder). Default 2 min. */
  leaseMs?: number;
  /** How long to wait for a held lease before giving up with an error. Default 2 min. */
  maxWaitMs?: number;
  /** Clock for the lease's expiry (tests); default the system clock. */
  now?: () => Date;
  /** Sleep between attempts while the lease is held (tests); default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

export interface FindingStore {
  /**
   * Runs fn while holding the store's commit lease, so no two processes read, reconcile and write
   * finding states at once. Waits (bounded backoff) while another owner holds it; takes over a
   * lease whose expiry has passed; releases it when fn settles. Throws when the wait exceeds
   * maxWaitMs. fn must finish well within leaseMs, or another process may take the lease over.
   */
  withCommitLease<T>(owner: string, fn: () => Promise<T>, options?: CommitLeaseOptions): Promise<T>;
  /** Every finding state stored (resolved ones included), with the state each replaced. */
  loadFindingStates(): Promise<VersionedFindingState[]>;
  /** Current finding states, optionally of one scope and/or one status. */
  listFindingStates(filter?: { scope?: ScopeKey; status?: FindingStatus }): Promise<FindingState[]>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first (by start time). */
  listRuns(limit?: number): Promise<RunRecord[]>;
  listEvents(runId: string): Promise<DriftEvent[]>;
  /** The report snapshot stored with a run, if the run was committed with one. */
  getReport?(runId: string): Promise<string | undefined>;
  /**
   * Writes a run idempotently: the whole commit to a journal first (the commit point), then events
   * (keyed by run and fingerprint), outbox entries that do not exist yet (an existing one keeps its
   * delivery status and key), finding states, and the run record last; then drops the journal.
   * A journal left by a crash is applied by the next holder of the commit lease (withCommitLease),
   * oldest run first (docs/reliability.md). Returns committed=false when the run record already
   * existed (nothing was written) or an earlier attempt's journal was completed instead.
   */
  commitRun(commit: RunCommit): Promise<{ committed: boolean }>;
  listOutbox(filter?: { runId?: string; status?: OutboxStatus }): Promise<OutboxEntry[]>;
  /** Replaces an outbox entry when its etag still matches (else StoreConflictError); returns it with its new etag. */
  updateOutbox(entry: OutboxEntry): Promise<OutboxEntry>;
  /** Read-modify-write of a run record under ETag concurrency, retried on conflict. */
  updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord>;
}
