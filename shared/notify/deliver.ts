import { Webhook } from 'standardwebhooks';
import type { Logger } from '../collect/types.js';
import type { AirlockConfig, NotificationConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
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
  /** Longest this call waits for one retry; a longer wait leaves the entry pending for a later call (default 10 min). */
  maxWaitMs?: number;
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
function requestHeaders(entry: Pick<OutboxEntry, 'idempotencyKey' | 'kind' | 'body'>, channel: Pick<NotificationConfig, 'signingSecret'>, env: NodeJS.ProcessEnv, now: Date): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'airlock',
    'idempotency-key': entry.idempotencyKey,
  };
  if (entry.kind === 'webhook') {
    if (channel.signingSecret === undefined) throw new Error('a webhook channel needs signingSecret');
    const signer = new Webhook(resolveSecret(channel.signingSecret, env));
    headers['webhook-id'] = entry.idempotencyKey;
    headers['webhook-timestamp'] = String(Math.floor(now.getTime() / 1000));
    headers['webhook-signature'] = signer.sign(entry.idempotencyKey, now, entry.body);
  }
  return headers;
}

/** Never let a webhook URL (a secret) reach a log line or the run record. */
function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join('<redacted>');
  return out.replace(/https?:\/\/\S+/g, '<url>');
}

async function attempt(url: string, entry: OutboxEntry, channel: NotificationConfig, options: DeliveryOptions, now: Date): Promise<Attempt> {
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'POST',
      headers: requestHeaders(entry, channel, options.env, now),
      body: entry.body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return { ok: false, retryable: true, error: `request failed: ${(err as Error).message}${cause ? ` (${cause})` : ''}` };
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
    error: `HTTP ${String(response.status)}${text ? `: ${text.slice(0, 200)}` : ''}`,
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  };
}

function record(entry: OutboxEntry): DeliveryRecord {
  return {
    channel: entry.channel,
    kind: entry.kind,
    status: entry.status,
    attempts: entry.attempts,
    ...(entry.lastStatus === undefined ? {} : { lastStatus: entry.lastStatus }),
    ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
    ...(entry.deliveredAt === undefined ? {} : { deliveredAt: entry.deliveredAt }),
  };
}

async function recordOnRun(store: FindingStore, entry: OutboxEntry, log: Logger): Promise<void> {
  try {
    await store.updateRun(entry.runId, (run) => ({
      ...run,
      deliveries: [...run.deliveries.filter((d) => d.channel !== entry.channel), record(entry)].sort((a, b) => a.channel.localeCompare(b.channel)),
    }));
  } catch (err) {
    // The outbox holds the truth; the run record is its summary. A run not committed yet has no record.
    log.warn(`run ${entry.runId}: could not record delivery to ${entry.channel}: ${(err as Error).message}`);
  }
}

async function deliverOne(store: FindingStore, initial: OutboxEntry, options: DeliveryOptions): Promise<OutboxEntry> {
  const { log } = options;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 2_000;
  const maxDelay = options.maxDelayMs ?? 300_000;
  const maxWait = options.maxWaitMs ?? 600_000;
  const leaseMs = options.leaseMs ?? 300_000;
  let entry = initial;

  const finish = async (change: Partial<OutboxEntry>): Promise<OutboxEntry> => {
    const next: OutboxEntry = { ...entry, ...change };
    delete next.leaseUntil;
    entry = await store.updateOutbox(next);
    await recordOnRun(store, entry, log);
    return entry;
  };

  const channel = options.config.notifications.find((n) => n.name === entry.channel);
  if (!channel) return finish({ status: 'dead-letter', lastError: `channel "${entry.channel}" is no longer configured` });
  let url: string;
  try {
    url = resolveSecret(channel.url, options.env);
    if (channel.kind === 'webhook' && channel.signingSecret !== undefined) resolveSecret(channel.signingSecret, options.env);
  } catch (err) {
    return finish({ status: 'dead-letter', lastError: (err as Error).message });
  }
  const secrets = [url];

  for (;;) {
    const waitMs = Date.parse(entry.nextAttemptAt) - options.now().getTime();
    if (waitMs > maxWait) {
      log.info(`outbox ${entry.runId}/${entry.channel}: next attempt at ${entry.nextAttemptAt}, left pending`);
      if (entry.leaseUntil !== undefined) {
        const released: OutboxEntry = { ...entry };
        delete released.leaseUntil;
        entry = await store.updateOutbox(released);
      }
      // The run record shows the retries so far while the message waits.
      await recordOnRun(store, entry, log);
      return entry;
    }
    if (waitMs > 0) await sleep(waitMs);
    const now = options.now();
    // Claim the entry: a second deliverer holding an older ETag fails here instead of sending it again.
    entry = await store.updateOutbox({ ...entry, leaseUntil: new Date(now.getTime() + leaseMs).toISOString() });
    const result = await attempt(url, entry, channel, options, now);
    const attempts = entry.attempts + 1;
    const status = result.status;
    if (result.ok) {
      log.info(`delivered run ${entry.runId} to ${entry.channel} (${channel.kind}) after ${String(attempts)} attempt(s)`);
      return finish({ status: 'delivered', attempts, deliveredAt: now.toISOString(), ...(status === undefined ? {} : { lastStatus: status }) });
    }
    const error = redact(result.error ?? 'failed', secrets);
    if (!result.retryable || attempts >= maxAttempts) {
      log.error(`delivery of run ${entry.runId} to ${entry.channel} dead-lettered after ${String(attempts)} attempt(s): ${error}`);
      return finish({ status: 'dead-letter', attempts, lastError: error, ...(status === undefined ? {} : { lastStatus: status }) });
    }
    const delay = result.retryAfterMs ?? Math.min(maxDelay, base * 2 ** (attempts - 1));
    log.warn(`delivery of run ${entry.runId} to ${entry.channel} failed (${error}); attempt ${String(attempts + 1)} in ${String(Math.round(delay / 1000))} s`);
    entry = await store.updateOutbox({
      ...entry,
      attempts,
      lastError: error,
      ...(status === undefined ? {} : { lastStatus: status }),
      nextAttemptAt: new Date(now.getTime() + delay).toISOString(),
    });
  }
}

/**
 * Delivers every pending outbox entry (of one run, when `runId` is given), retrying 429/5xx and
 * network errors with backoff that honours Retry-After, and records each outcome on its run.
 * Safe to call again at any time: delivered and dead-lettered entries are never sent again, and
 * an entry leased by another deliverer is left to it.
 */
export async function deliverOutbox(store: FindingStore, options: DeliveryOptions): Promise<DeliveryRecord[]> {
  const pending = await store.listOutbox({ status: 'pending', ...(options.runId === undefined ? {} : { runId: options.runId }) });
  const out: DeliveryRecord[] = [];
  // One at a time: Slack allows about one message a second per webhook.
  for (const entry of pending) {
    if (entry.leaseUntil !== undefined && Date.parse(entry.leaseUntil) > options.now().getTime()) {
      // Another deliverer holds it (or one died holding it: the lease runs out and a later pass sends it).
      options.log.info(`outbox ${entry.runId}/${entry.channel} is leased until ${entry.leaseUntil}; left to its deliverer`);
      continue;
    }
    try {
      out.push(record(await deliverOne(store, entry, options)));
    } catch (err) {
      if (err instanceof StoreConflictError) {
        options.log.info(`outbox ${entry.runId}/${entry.channel} is being delivered by another worker`);
        continue;
      }
      throw err;
    }
  }
  return out;
}
