/**
 * publish: reconcile a run with the stored state, store it, and tell the channels what changed.
 *
 *   publishRun(run: Run, options: PublishOptions): Promise<PublishResult>
 *
 *   options.config  AirlockConfig (notifications, exceptions, reportUrl)
 *   options.store   FindingStore (openStore(config.store, { env }) from shared/store)
 *   options.env     where `env:NAME` secret references (webhook URLs, signing secrets) are read
 *   options.now     the clock (() => Date, or a fixed Date) for delivery backoff and record times;
 *                   drift is dated with run.finishedAt so a retried run computes the same transitions
 *   options.fetch   optional fetch (tests); options.log a Logger
 *   options.digest  true to also send `digest`-mode channels (they run on their own schedule)
 *   options.delivery optional overrides of deliverOutbox's retry settings
 *   options.lease   optional settings of the store's commit lease (wait, duration; clock/sleep in tests)
 *
 * Steps: under the store's commit lease (so two runs published at once, on one instance or two,
 * never reconcile against the same stored states): load states → reconcile → commit run record,
 * finding states, events and outbox entries (idempotent per run id: a second call for the same run
 * writes nothing). Then, outside the lease: deliver every pending outbox entry → record each
 * delivery (delivered / dead-letter) on its run record. Calling it again after a crash
 * at any point delivers each message exactly once, as long as the crash did not fall between a
 * receiver accepting a request and the outbox recording it (then the idempotency key, sent as
 * `webhook-id` and `Idempotency-Key`, lets the receiver drop the repeat). A crash inside the
 * commit is recovered by the next holder of the commit lease (docs/reliability.md): the earlier
 * run is completed and its messages keep their original keys, so they are not announced again
 * under a new run.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from './log.js';
import type { AirlockConfig } from './config/schema.js';
import { reconcile, statesBefore, versionUpdates, type DriftEntry, type DriftResult } from './drift/index.js';
import type { Run } from './model/run.js';
import { buildMessage, deliverOutbox, renderBody, type DeliveryOptions } from './notify/index.js';
import { capChanges } from './store/limits.js';
import type { CommitLeaseOptions, DeliveryRecord, DriftEvent, FindingStore, NewOutboxEntry, RunCommit, RunRecord } from './store/types.js';

export interface PublishOptions {
  config: Pick<AirlockConfig, 'notifications' | 'exceptions' | 'reportUrl'>;
  store: FindingStore;
  env: NodeJS.ProcessEnv;
  now: Date | (() => Date);
  log: Logger;
  fetch?: typeof globalThis.fetch;
  digest?: boolean;
  delivery?: Pick<DeliveryOptions, 'sleep' | 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs' | 'maxWaitMs' | 'budgetMs' | 'leaseMs' | 'timeoutMs'>;
  lease?: CommitLeaseOptions;
  /** Renders the run's report snapshot once its drift is known, to be stored with the run. */
  report?: (drift: DriftResult) => string;
}

export interface PublishResult {
  /** The drift of this run; undefined when the run had already been committed (a retry). */
  drift?: DriftResult;
  committed: boolean;
  /** Deliveries attempted by this call (of this run and of any earlier run left pending). */
  deliveries: DeliveryRecord[];
  record: RunRecord;
}

interface PreparedRun {
  drift: DriftResult;
  commit: RunCommit;
}

/** The stored event for one drift entry of a run. */
export function driftEvent(runId: string, at: string, e: DriftEntry): DriftEvent {
  return {
    runId,
    fingerprint: e.finding.fingerprint,
    state: e.state,
    ...(e.previous === undefined ? {} : { previous: e.previous }),
    at,
    ruleId: e.finding.ruleId,
    severity: e.finding.severity,
    scope: e.finding.scope,
    resourceId: e.finding.resource.id,
    resourceName: e.finding.resource.name,
    message: e.finding.message,
    changes: capChanges(e.changes),
    ...(e.note === undefined ? {} : { note: e.note }),
  };
}

/**
 * The idempotency key of one message (`webhook-id`, `Idempotency-Key`): derived from the run, the
 * channel and the rendered body only, so every attempt, in this process or in the one that
 * recovers after a crash, sends the same key for the same message.
 */
function idempotencyKey(runId: string, channel: string, body: string): string {
  return `${runId}:${channel}:${createHash('sha256').update(body).digest('hex').slice(0, 16)}`;
}

/** Pure part of publishing: drift, events, outbox entries and the run record for a run. */
function prepareRun(run: Run, stored: Parameters<typeof statesBefore>[1], options: Pick<PublishOptions, 'config' | 'digest'>, committedAt: Date): PreparedRun {
  const { config } = options;
  // Dated with the run's end, not the clock, so a retry computes the same transitions.
  const drift = reconcile({ run, previous: statesBefore(run.id, stored), exceptions: config.exceptions, now: new Date(run.finishedAt) });
  const events: DriftEvent[] = drift.entries
    .filter((e) => !e.carriedOver)
    .filter((e) => (e.state === 'persisting' ? e.changes.length > 0 || e.escalatedFrom !== undefined : !(e.state === 'excepted' && e.previous === 'excepted')))
    .map((e) => driftEvent(run.id, drift.at, e));
  const outbox: NewOutboxEntry[] = [];
  for (const channel of config.notifications) {
    if (channel.mode === 'digest' && options.digest !== true) continue;
    const message = buildMessage(drift, run, channel, { reportUrl: config.reportUrl });
    if (!message) continue;
    const body = renderBody(channel.kind, message);
    outbox.push({
      runId: run.id,
      channel: channel.name,
      kind: channel.kind,
      idempotencyKey: idempotencyKey(run.id, channel.name, body),
      createdAt: run.finishedAt,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: run.finishedAt,
      body,
    });
  }
  const record: RunRecord = {
    id: run.id,
    trigger: run.trigger,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    clouds: run.clouds,
    complete: run.complete,
    apiCalls: run.apiCalls,
    counts: run.counts,
    drift: { counts: drift.counts, carriedOver: drift.carriedOver },
    coverage: {
      scopes: run.coverage.scopes.length,
      incomplete: run.coverage.scopes.filter((s) => !s.complete).map((s) => `${s.scope.cloud}/${s.scope.kind}/${s.scope.id.toLowerCase()}`),
      notes: run.coverage.notes,
    },
    undecided: run.undecided.length,
    deliveries: outbox.map((o) => ({ channel: o.channel, kind: o.kind, status: 'pending', attempts: 0 })),
    committedAt: committedAt.toISOString(),
  };
  return { drift, commit: { run: record, states: versionUpdates(run.id, drift.updates, stored), events, outbox } };
}

/**
 * Reconciles and writes a run under the store's commit lease; does not deliver. Returns
 * committed=false when the run was already stored.
 */
export async function commitRun(run: Run, options: Pick<PublishOptions, 'config' | 'store' | 'now' | 'log' | 'digest' | 'lease' | 'report'>): Promise<{ committed: boolean; drift?: DriftResult }> {
  const { store, log } = options;
  const owner = `run ${run.id} on ${hostname()} pid ${String(process.pid)}`;
  const result = await store.withCommitLease(
    owner,
    async (): Promise<{ committed: boolean; prepared?: PreparedRun }> => {
      if (await store.getRun(run.id)) return { committed: false };
      const prepared = prepareRun(run, await store.loadFindingStates(), options, clockOf(options.now)());
      if (options.report) prepared.commit.report = options.report(prepared.drift);
      const { committed } = await store.commitRun(prepared.commit);
      return { committed, prepared };
    },
    options.lease,
  );
  const { prepared } = result;
  if (!prepared) {
    log.info(`run ${run.id} is already in the store; delivering what is still pending`);
    return { committed: false };
  }
  const c = prepared.drift.counts;
  const total = (s: keyof typeof c): number => Object.values(c[s]).reduce((a, b) => a + b, 0);
  log.info(
    `run ${run.id}: ${String(total('new'))} new, ${String(total('regressed'))} regressed, ${String(total('resolved'))} resolved, ${String(total('persisting'))} persisting, ${String(total('excepted'))} excepted; ${String(prepared.commit.outbox.length)} message(s) queued`,
  );
  if (prepared.drift.carriedOver.findings > 0) {
    log.warn(`run ${run.id}: ${String(prepared.drift.carriedOver.findings)} finding(s) in ${String(prepared.drift.carriedOver.scopes.length)} incompletely read scope(s) kept their previous state`);
  }
  return { committed: result.committed, drift: prepared.drift };
}

function clockOf(now: Date | (() => Date)): () => Date {
  return typeof now === 'function' ? now : () => now;
}

export async function publishRun(run: Run, options: PublishOptions): Promise<PublishResult> {
  const { drift, committed } = await commitRun(run, options);
  const deliveries = await deliverOutbox(options.store, {
    config: options.config,
    env: options.env,
    now: clockOf(options.now),
    log: options.log,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...options.delivery,
  });
  const record = await options.store.getRun(run.id);
  if (!record) throw new Error(`run ${run.id} is missing from the store after it was committed`);
  return { ...(drift ? { drift } : {}), committed, deliveries, record };
}
