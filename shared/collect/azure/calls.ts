import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallRecord } from '../../model/coverage.js';
import type { ScopeKey } from '../../model/scope.js';

/**
 * Counts the HTTP requests of one logical call (pages and retries included). A pipeline policy
 * placed after the SDK's retry policy increments the counter of the call running in the current
 * async context, so concurrent calls on one shared client are counted apart.
 */
interface CallCounter {
  requests: number;
  status?: number;
  /** Response headers of the last attempt (lower-case names). */
  lastHeaders?: Record<string, string>;
}

const current = new AsyncLocalStorage<CallCounter>();

export function noteAttempt(): CallCounter | undefined {
  const counter = current.getStore();
  if (counter) counter.requests += 1;
  return counter;
}

export function noteResponse(counter: CallCounter | undefined, status: number, headers: Record<string, string>): void {
  if (!counter) return;
  counter.status = status;
  counter.lastHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** The counter of the call running in this async context, if any. */
export function currentCounter(): CallCounter | undefined {
  return current.getStore();
}

function withCounter<T>(counter: CallCounter, fn: () => Promise<T>): Promise<T> {
  return current.run(counter, fn);
}

/** An HTTP status from an SDK error (core-client RestError, ms-rest-js RestError). */
export function statusOf(err: unknown): number | undefined {
  if (err && typeof err === 'object') {
    const e = err as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } };
    for (const v of [e.statusCode, e.status, e.response?.status]) if (typeof v === 'number') return v;
  }
  return undefined;
}

export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

interface TrackedCall<T> {
  value?: T;
  error?: unknown;
  record: CallRecord;
}

/**
 * Runs one logical call for one scope and dataset: counts its requests, and turns a thrown
 * error (HTTP failure or unexpected shape) into a failed CallRecord instead of propagating it.
 */
export async function tracked<T>(api: string, scope: ScopeKey, dataset: string, fn: () => Promise<T>): Promise<TrackedCall<T>> {
  const counter: CallCounter = { requests: 0 };
  try {
    const value = await withCounter(counter, fn);
    return { value, record: { cloud: 'azure', api, scope, dataset, ok: true, ...(counter.status === undefined ? {} : { status: counter.status }), requests: counter.requests } };
  } catch (error) {
    const status = statusOf(error) ?? counter.status;
    return {
      error,
      record: {
        cloud: 'azure',
        api,
        scope,
        dataset,
        ok: false,
        ...(status === undefined ? {} : { status }),
        message: `${api} for ${scope} (${dataset}) failed${status === undefined ? '' : ` with HTTP ${status}`}: ${messageOf(error)}`,
        requests: counter.requests,
      },
    };
  }
}
