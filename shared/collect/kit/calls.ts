import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallErrorKind, CallRecord } from '../../model/coverage.js';
import type { Cloud, ScopeKey } from '../../model/scope.js';
import { CallRefusedError, classifyError, DeadlineError, isConnectionFailure, messageOf } from './errors.js';
import { currentPolicy, type CallPolicy } from './policy.js';

/**
 * Counts the HTTP requests of one logical call (pages and retries included). Each SDK family gets
 * a small hook placed after its retry logic (Azure pipeline policy, AWS middleware, Google
 * interceptor) that calls `noteAttempt`/`noteResponse`; the counter of the call running in the
 * current async context is the one incremented, so concurrent calls on one client are told apart.
 */
interface CallCounter {
  cloud: Cloud;
  /** The endpoint host of the last attempt (the breaker's key); see CallSpec.endpoint. */
  endpoint: string;
  /** The run's policy (retry budget, breakers), when a run is in progress. */
  policy?: CallPolicy;
  /** The last attempt was sent and has had no HTTP answer yet (a connection-level failure if it never does). */
  unanswered: boolean;
  /** The last attempt failed at the connection level (an SDK hook said so): the next one is a retry. */
  connectionFailed: boolean;
  /** The current attempt retries a connection failure of this call (its failure confirms the endpoint is down). */
  retryOfConnectionFailure: boolean;
  requests: number;
  /** Attempts sent after a throttled or failed attempt of the same call. */
  retries: number;
  status?: number;
  /** Response headers of the last attempt (lower-case names). */
  lastHeaders?: Record<string, string>;
}

const current = new AsyncLocalStorage<CallCounter>();

const RETRYABLE = (status: number | undefined): boolean => status !== undefined && (status === 429 || status === 408 || status >= 500);

function hostOf(url: string | URL | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Called by each SDK hook before every attempt (first, next page, retry). Counts it, and asks the
 * run's policy whether it may be sent: throws a CallRefusedError when the endpoint's breaker is
 * open or the attempt is a retry past the run's budget (SDK retry loops do not retry that error).
 * `url` names the endpoint host; `retryOf` says the attempt retries a failure the counter cannot
 * see (a GCP 403 quota answer).
 */
export function noteAttempt(url?: string | URL, retryOf?: CallErrorKind): CallCounter | undefined {
  const counter = current.getStore();
  if (!counter) return undefined;
  // An SDK hook that cannot see errors (Azure's) only shows an attempt without an answer as the next attempt.
  if (counter.unanswered) counter.policy?.connectionFailed(counter.endpoint, 'no answer', counter.retryOfConnectionFailure);
  counter.endpoint = hostOf(url) ?? counter.endpoint;
  const afterConnectionFailure = counter.unanswered || counter.connectionFailed;
  const retry = retryOf ?? (afterConnectionFailure ? 'network' : RETRYABLE(counter.status) ? (counter.status === 429 ? 'throttled' : 'server') : undefined);
  counter.unanswered = false;
  counter.connectionFailed = false;
  counter.retryOfConnectionFailure = afterConnectionFailure;
  counter.policy?.beforeAttempt(counter.endpoint, retry, counter.requests > 0);
  counter.requests += 1;
  if (retry !== undefined) counter.retries += 1;
  counter.unanswered = true;
  return counter;
}

/**
 * Called by an SDK hook when an attempt failed without an HTTP answer: only a connection-level
 * failure (refused, reset, DNS, timeout) counts towards the endpoint's breaker.
 */
export function noteNoAnswer(counter: CallCounter | undefined, err: unknown): void {
  if (!counter?.unanswered) return;
  counter.unanswered = false;
  if (!isConnectionFailure(counter.cloud, err)) return;
  counter.connectionFailed = true;
  counter.policy?.connectionFailed(counter.endpoint, messageOf(err).slice(0, 120), counter.retryOfConnectionFailure);
}

export function noteResponse(counter: CallCounter | undefined, status: number, headers: Record<string, string | undefined>): void {
  if (!counter) return;
  counter.unanswered = false;
  counter.policy?.answered(counter.endpoint);
  counter.status = status;
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) lower[k.toLowerCase()] = v;
  counter.lastHeaders = lower;
}

/** The counter of the call running in this async context, if any. */
export function currentCounter(): CallCounter | undefined {
  return current.getStore();
}

export interface CallSpec {
  cloud: Cloud;
  /** Service and operation, e.g. `arm:managedClusters.list`, `compute:networks.list`, `ec2:DescribeVpcs`. */
  api: string;
  scope: ScopeKey;
  dataset: string;
  /** Deadline of the whole call, pages and retries included; past it the call fails as `timeout`. Default: the run's policy, else DEFAULT_CALL_TIMEOUT_MS. */
  timeoutMs?: number;
  /**
   * The endpoint the call talks to, for the run's breaker, until an SDK hook names the host of an
   * attempt (noteAttempt's url). Default: the cloud and the service of `api` (`azure:arm`).
   */
  endpoint?: string;
  /** The run's signal: an aborted run stops its calls. */
  signal?: AbortSignal;
}

export interface TrackedCall<T> {
  value?: T;
  error?: unknown;
  record: CallRecord;
}

/** The default deadline of one logical call (all its pages and retries). */
export const DEFAULT_CALL_TIMEOUT_MS = 120_000;

function deadline(spec: CallSpec, ms: number): { signal: AbortSignal; expired: Promise<never>; fail: (err: Error) => void; clear: () => void } {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let fail: (err: Error) => void = () => undefined;
  const expired = new Promise<never>((_, reject) => {
    fail = (err) => {
      if (controller.signal.aborted) return;
      controller.abort(err);
      reject(err);
    };
    timer = setTimeout(() => {
      fail(new DeadlineError(`${spec.api} for ${spec.scope} (${spec.dataset}) did not finish within ${Math.round(ms / 1000)} s`));
    }, ms);
    timer.unref();
    const onAbort = (): void => {
      fail(new DeadlineError(`${spec.api} for ${spec.scope} (${spec.dataset}) was cancelled: the run was aborted`));
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });
  });
  // The race below always settles `expired` or ignores it; never let it surface as unhandled.
  expired.catch(() => undefined);
  return { signal: controller.signal, expired, fail, clear: () => { clearTimeout(timer); } };
}

/**
 * Runs one logical call for one scope and dataset: counts its requests and retries, bounds it by a
 * deadline (an SDK that ignores the signal is still abandoned), and turns a thrown error into a
 * failed CallRecord with its classification instead of propagating it.
 */
export async function tracked<T>(spec: CallSpec, fn: (signal: AbortSignal) => Promise<T>): Promise<TrackedCall<T>> {
  const policy = currentPolicy();
  const counter: CallCounter = {
    cloud: spec.cloud,
    endpoint: spec.endpoint ?? `${spec.cloud}:${spec.api.split(':')[0] ?? spec.api}`,
    ...(policy ? { policy } : {}),
    unanswered: false,
    connectionFailed: false,
    retryOfConnectionFailure: false,
    requests: 0,
    retries: 0,
  };
  const started = performance.now();
  const { signal, expired, fail, clear } = deadline(spec, spec.timeoutMs ?? policy?.options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS);
  // An endpoint found unreachable by other calls cuts this one short instead of letting it wait out its retries.
  const unsubscribe = policy?.onOpen((endpoint) => {
    // The call whose failure opened the breaker keeps its own error.
    if (endpoint !== counter.endpoint || counter.requests === 0 || current.getStore() === counter) return;
    policy.noteCutShort();
    fail(policy.openError(endpoint, true));
  });
  const base = { cloud: spec.cloud, api: spec.api, scope: spec.scope, dataset: spec.dataset };
  try {
    if (policy?.isOpen(counter.endpoint)) throw policy.openError(counter.endpoint);
    const value = await current.run(counter, () => Promise.race([fn(signal), expired]));
    const record: CallRecord = {
      ...base,
      ok: true,
      ...(counter.status === undefined ? {} : { status: counter.status }),
      requests: counter.requests,
      retries: counter.retries,
      durationMs: Math.round(performance.now() - started),
    };
    return { value, record };
  } catch (caught) {
    // Past the deadline, the SDK's own abort error says less than the deadline that caused it.
    const error: unknown = signal.aborted && (signal.reason instanceof DeadlineError || signal.reason instanceof CallRefusedError) ? signal.reason : caught;
    const c = classifyError(spec.cloud, error);
    // The last attempt never got an answer: a connection-level failure of its endpoint.
    if (counter.unanswered && isConnectionFailure(spec.cloud, error)) policy?.connectionFailed(counter.endpoint, messageOf(error).slice(0, 120), counter.retryOfConnectionFailure);
    const status = c.status ?? (RETRYABLE(counter.status) || (counter.status ?? 0) >= 400 ? counter.status : undefined);
    const record: CallRecord = {
      ...base,
      ok: false,
      ...(status === undefined ? {} : { status }),
      errorKind: c.kind,
      ...(c.code === undefined ? {} : { code: c.code }),
      message: `${spec.api} for ${spec.scope} (${spec.dataset}) failed${status === undefined ? '' : ` with HTTP ${status}`}: ${c.message}`,
      requests: counter.requests,
      retries: counter.retries,
      durationMs: Math.round(performance.now() - started),
    };
    return { error, record };
  } finally {
    clear();
    unsubscribe?.();
  }
}
