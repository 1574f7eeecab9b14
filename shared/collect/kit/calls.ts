import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallRecord } from '../../model/coverage.js';
import type { Cloud, ScopeKey } from '../../model/scope.js';
import { classifyError, DeadlineError } from './errors.js';

/**
 * Counts the HTTP requests of one logical call (pages and retries included). Each SDK family gets
 * a small hook placed after its retry logic (Azure pipeline policy, AWS middleware, Google
 * interceptor) that calls `noteAttempt`/`noteResponse`; the counter of the call running in the
 * current async context is the one incremented, so concurrent calls on one client are told apart.
 */
interface CallCounter {
  requests: number;
  /** Attempts sent after a throttled or failed attempt of the same call. */
  retries: number;
  status?: number;
  /** Response headers of the last attempt (lower-case names). */
  lastHeaders?: Record<string, string>;
}

const current = new AsyncLocalStorage<CallCounter>();

const RETRYABLE = (status: number | undefined): boolean => status !== undefined && (status === 429 || status === 408 || status >= 500);

export function noteAttempt(): CallCounter | undefined {
  const counter = current.getStore();
  if (!counter) return undefined;
  counter.requests += 1;
  if (RETRYABLE(counter.status)) counter.retries += 1;
  return counter;
}

export function noteResponse(counter: CallCounter | undefined, status: number, headers: Record<string, string | undefined>): void {
  if (!counter) return;
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
  /** Deadline of the whole call, pages and retries included; past it the call fails as `timeout`. */
  timeoutMs?: number;
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

function deadline(spec: CallSpec): { signal: AbortSignal; expired: Promise<never>; clear: () => void } {
  const controller = new AbortController();
  const ms = spec.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(`${spec.api} for ${spec.scope} (${spec.dataset}) did not finish within ${Math.round(ms / 1000)} s`);
      controller.abort(err);
      reject(err);
    }, ms);
    timer.unref();
    const onAbort = (): void => {
      const err = new DeadlineError(`${spec.api} for ${spec.scope} (${spec.dataset}) was cancelled: the run was aborted`);
      controller.abort(err);
      reject(err);
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });
  });
  // The race below always settles `expired` or ignores it; never let it surface as unhandled.
  expired.catch(() => undefined);
  return { signal: controller.signal, expired, clear: () => { clearTimeout(timer); } };
}

/**
 * Runs one logical call for one scope and dataset: counts its requests and retries, bounds it by a
 * deadline (an SDK that ignores the signal is still abandoned), and turns a thrown error into a
 * failed CallRecord with its classification instead of propagating it.
 */
export async function tracked<T>(spec: CallSpec, fn: (signal: AbortSignal) => Promise<T>): Promise<TrackedCall<T>> {
  const counter: CallCounter = { requests: 0, retries: 0 };
  const started = performance.now();
  const { signal, expired, clear } = deadline(spec);
  const base = { cloud: spec.cloud, api: spec.api, scope: spec.scope, dataset: spec.dataset };
  try {
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
    const error: unknown = signal.aborted && signal.reason instanceof DeadlineError ? signal.reason : caught;
    const c = classifyError(spec.cloud, error);
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
  }
}
