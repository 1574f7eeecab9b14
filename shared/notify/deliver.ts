import { hostname } from 'node:os';
import { Webhook } from 'standardwebhooks';
import type { Logger } from '../log.js';
import type { AirlockConfig, NotificationConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
import { ownerIsGone } from '../store/lease.js';
import { redact, redactingLogger, redactValue } from '../util/redact.js';
import { StoreConflictError, type DeliveryRecord, type FindingStore, type OutboxEntry } from '../store/types.js';

export interface DeliveryOptions {
  config: Pick<AirlockConfig, 'notifications'>;
  env: NodeJS.ProcessEnv;
  /** The clock; backoff and leases are computed from it. */
  now: () => Date;
  log: Logger;
  fetch?: typeof globalThis.fetch;
  /** Waits between attempts (injectable so tests need not wait). */
  sleep?: (ms: number) => Promise<void>;
  /** Only this run's entries. */
  runId?: string;
  /** Attempts before an entry is dead-lettered (default 6). */
  maxAttempts?: number;
  /** First backoff delay, doubled each attempt (default 2 s), capped at maxDelayMs (default 5 min). */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Longest this call waits for one retry (also capped at maxDelayMs); a longer wait leaves the entry pending for a later call (default 10 min). */
  maxWaitMs?: number;
  /**
   * Total time this call may spend waiting between attempts (default 2 min). An attempt that would
   * start after it is not waited for: the entry stays pending with its nextAttemptAt for the next call.
   */
  budgetMs?: number;
  /** How long a deliverer owns an entry it is sending (default 5 min). */
  leaseMs?: number;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

interface Attempt {
  ok: boolean;
  retryable: boolean;
  status?: number;
  error?: string;
  retryAfterMs?: number;
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** Headers of one request. The idempotency key is the same on every attempt of one message. */
function requestHeaders(entry: Pick<OutboxEntry, 'idempotencyKey' | 'body'>, signer: Webhook | undefined, now: Date): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'airlock',
    'idempotency-key': entry.idempotencyKey,
  };
  if (signer) {
    headers['webhook-id'] = entry.idempotencyKey;
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    headers['webhook-signature'] = signer.sign(entry.idempotencyKey, now, entry.body);
  }
  return headers;
}

/**
 * Never let a secret reach a log line or a stored record: the registry scrubs every resolved
 * secret and its URL parts (a receiver may echo the request path), and any URL left is cut too.
 */
function scrubError(text: string): string {
  return redact(text).replace(/https?:\/\/\S+/g, '<url>');
}

async function attempt(url: string, entry: OutboxEntry, signer: Webhook | undefined, options: DeliveryOptions, now: Date): Promise<Attempt> {
  const doFetch = options.fetch ?? globalThis.fetch;
  // Built outside the try: a signing failure is not a network error and must not be retried as one.
  const headers = requestHeaders(entry, signer, now);
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers,
      body: entry.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, retryable: true, error: scrubError(`request failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}`) };
  }
  // Drain the body so the connection is released.
  const text = await response.text().catch(() => '');
  if (response.ok) return { ok: true, retryable: false, status: response.status };
  const retryable = response.status === 429 || response.status === 408 || response.status >= 500;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now);
  return {
    ok: false,
    retryable,
    status: response.status,
    // Scrubbed before it is cut: a cut could split a secret and leave half of it unrecognised.
    error: `HTTP ${String(response.status)}${text ? `: ${scrubError(text).slice(0, 200)}` : ''}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function record(entry: OutboxEntry): DeliveryRecord {
  return redactValue({
    channel: entry.channel,
    kind: entry.kind,
    status: entry.status,
    attempts: entry.attempts,
    ...(entry.lastStatus === undefined ? {} : { lastStatus: entry.lastStatus }),
    ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
    ...(entry.deliveredAt === undefined ? {} : { deliveredAt: entry.deliveredAt }),
  });
}

async function recordOnRun(store: FindingStore, entry: OutboxEntry, log: Logger): Promise<void> {
  try {
    await store.updateRun(entry.runId, (run) => ({
      ...run,
      deliveries: [...run.deliveries.filter((d) => d.channel !== entry.channel), record(entry)].sort((a, b) => a.channel.localeCompare(b.channel)),
    }));
  } catch (err) {
    // The outbox holds the truth; the run record is its summary. A run not committed yet has no record.
    log.warn(`run ${entry.runId}: could not record delivery to ${entry.channel}: ${scrubError((err as Error).message)}`);
  }
}

/** An entry this call is working on. */
interface Active {
  entry: OutboxEntry;
  channel: NotificationConfig;
  url: string;
  signer?: Webhook;
  /** Position in the listing, so results keep the store's order. */
  index: number;
}

/** Resolves the URL and builds the signer before any request, so a bad setting dead-letters at once. */
function prepare(entry: OutboxEntry, options: DeliveryOptions): { channel: NotificationConfig; url: string; signer?: Webhook } | { error: string } {
  const channel = options.config.notifications.find((n) => n.name === entry.channel);
  if (!channel) return { error: `channel "${entry.channel}" is no longer configured` };
  let url: string;
  let secret: string | undefined;
  try {
    url = resolveSecret(channel.url, options.env);
    if (entry.kind === 'webhook') {
      if (channel.signingSecret === undefined) return { error: 'a webhook channel needs signingSecret' };
      secret = resolveSecret(channel.signingSecret, options.env);
    }
  } catch (err) {
    return { error: scrubError((err as Error).message) };
  }
  if (secret === undefined) return { channel, url };
  try {
    return { channel, url, signer: new Webhook(secret) };
  } catch {
    // The library's message may quote the value; name the setting only.
    return { error: `signing secret ${String(channel.signingSecret)} is not a valid Standard Webhooks secret (expected whsec_<base64>)` };
  }
}

/**
 * Delivers every pending outbox entry (of one run, when `runId` is given), retrying 429/5xx and
 * network errors with backoff that honours Retry-After, and records each outcome on its run.
 * Safe to call again at any time: delivered and dead-lettered entries are never sent again, and
 * an entry leased by another deliverer is left to it.
 *
 * The call is bounded by `budgetMs`: entries take turns (earliest next attempt first), so one slow
 * receiver does not hold the others up, and a retry that would fall past the budget or wait longer
 * than `maxDelayMs` is not slept on: the entry keeps its `nextAttemptAt` and stays pending for the
 * next call (the next run or publish). An entry whose next attempt is beyond what this call may wait
 * is skipped until then.
 */
export async function deliverOutbox(store: FindingStore, options: DeliveryOptions): Promise<DeliveryRecord[]> {
  const log = redactingLogger(options.log);
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 2_000;
  const maxDelay = options.maxDelayMs ?? 300_000;
  const maxWait = Math.min(options.maxWaitMs ?? 600_000, maxDelay);
  const leaseMs = options.leaseMs ?? 300_000;
  const deadline = options.now().getTime() + (options.budgetMs ?? 120_000);
  /** May this call still wait for an attempt at `at` (ms)? */
  const mayWaitFor = (at: number): boolean => {
    const nowMs = options.now().getTime();
    return Math.max(at, nowMs) <= deadline && at - nowMs <= maxWait;
  };

  const pending = await store.listOutbox({ status: 'pending', ...(options.runId === undefined ? {} : { runId: options.runId }) });
  const done = new Map<number, OutboxEntry>();
  const active: Active[] = [];

  /** Runs one step on an entry; a conflict means another deliverer has it, which is not an error. */
  const guarded = async <T>(a: Pick<Active, 'entry' | 'index'>, step: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await step();
    } catch (err) {
      if (!(err instanceof StoreConflictError)) throw err;
      log.info(`outbox ${a.entry.runId}/${a.entry.channel} is being delivered by another worker`);
      done.delete(a.index);
      return undefined;
    }
  };

  const finish = async (a: Pick<Active, 'entry' | 'index'>, change: Partial<OutboxEntry>): Promise<void> => {
    const next: OutboxEntry = { ...a.entry, ...change };
    delete next.leaseUntil;
    delete next.leaseHolder;
    a.entry = await store.updateOutbox(next);
    done.set(a.index, a.entry);
    await recordOnRun(store, a.entry, log);
  };

  /** Leaves an entry this call attempted pending until its nextAttemptAt, releasing the lease. */
  const leavePending = async (a: Active): Promise<void> => {
    log.info(`outbox ${a.entry.runId}/${a.entry.channel}: next attempt at ${a.entry.nextAttemptAt}, left pending`);
    if (a.entry.leaseUntil !== undefined) {
      const released: OutboxEntry = { ...a.entry };
      delete released.leaseUntil;
      delete released.leaseHolder;
      a.entry = await store.updateOutbox(released);
    }
    done.set(a.index, a.entry);
    // The run record shows the retries so far while the message waits.
    await recordOnRun(store, a.entry, log);
  };

  for (const [index, entry] of pending.entries()) {
    // A deliverer killed while sending leaves its lease: when it provably is gone, the entry is sent now
    // (under its original key, which lets the receiver drop a repeat of a request it had accepted).
    if (entry.leaseUntil !== undefined && Date.parse(entry.leaseUntil) > options.now().getTime() && !(entry.leaseHolder && ownerIsGone(entry.leaseHolder))) {
      // Another deliverer holds it (or one died holding it: the lease runs out and a later pass sends it).
      log.info(`outbox ${entry.runId}/${entry.channel} is leased until ${entry.leaseUntil}; left to its deliverer`);
      continue;
    }
    if (!mayWaitFor(Date.parse(entry.nextAttemptAt))) {
      log.info(`outbox ${entry.runId}/${entry.channel}: next attempt at ${entry.nextAttemptAt}, not due in this call`);
      continue;
    }
    const prepared = prepare(entry, options);
    if ('error' in prepared) {
      const a = { entry, index };
      log.error(`delivery of run ${entry.runId} to ${entry.channel} dead-lettered: ${prepared.error}`);
      await guarded(a, () => finish(a, { status: 'dead-letter', lastError: prepared.error }));
      continue;
    }
    active.push({ entry, index, ...prepared });
  }

  // Earliest next attempt first; ties keep the listing order.
  while (active.length > 0) {
    active.sort((x, y) => Date.parse(x.entry.nextAttemptAt) - Date.parse(y.entry.nextAttemptAt) || x.index - y.index);
    const a = active[0];
    if (!a) break;
    const at = Date.parse(a.entry.nextAttemptAt);
    if (!mayWaitFor(at)) {
      // Every other entry is due later still: leave them all for the next call.
      for (const rest of active) if (done.has(rest.index)) await guarded(rest, () => leavePending(rest));
      break;
    }
    const waitMs = at - options.now().getTime();
    if (waitMs > 0) await sleep(waitMs);
    // True while the entry stays in this call's turns (its retry is due within the budget).
    const keep = await guarded(a, async (): Promise<boolean> => {
      const now = options.now();
      // Claim the entry: a second deliverer holding an older ETag fails here instead of sending it again.
      a.entry = await store.updateOutbox({ ...a.entry, leaseUntil: new Date(now.getTime() + leaseMs).toISOString(), leaseHolder: { host: hostname(), pid: process.pid } });
      done.set(a.index, a.entry);
      const result = await attempt(a.url, a.entry, a.signer, options, now);
      const attempts = a.entry.attempts + 1;
      const status = result.status;
      if (result.ok) {
        log.info(`delivered run ${a.entry.runId} to ${a.entry.channel} (${a.channel.kind}) after ${String(attempts)} attempt(s)`);
        await finish(a, { status: 'delivered', attempts, deliveredAt: now.toISOString(), ...(status === undefined ? {} : { lastStatus: status }) });
        return false;
      }
      const error = scrubError(result.error ?? 'failed');
      if (!result.retryable || attempts >= maxAttempts) {
        log.error(`delivery of run ${a.entry.runId} to ${a.entry.channel} dead-lettered after ${String(attempts)} attempt(s): ${error}`);
        await finish(a, { status: 'dead-letter', attempts, lastError: error, ...(status === undefined ? {} : { lastStatus: status }) });
        return false;
      }
      // Retry-After is honoured as the earliest next attempt; whether this call waits for it is decided below.
      const delay = result.retryAfterMs ?? Math.min(maxDelay, base * 2 ** (attempts - 1));
      log.warn(`delivery of run ${a.entry.runId} to ${a.entry.channel} failed (${error}); attempt ${String(attempts + 1)} in ${String(Math.round(delay / 1000))} s`);
      a.entry = await store.updateOutbox({
        ...a.entry,
        attempts,
        lastError: error,
        ...(status === undefined ? {} : { lastStatus: status }),
        nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
      });
      done.set(a.index, a.entry);
      if (mayWaitFor(Date.parse(a.entry.nextAttemptAt))) return true;
      await leavePending(a);
      return false;
    });
    if (keep !== true) active.shift();
  }

  return [...done.entries()].sort(([x], [y]) => x - y).map(([, entry]) => record(entry));
}
