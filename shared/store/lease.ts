/**
 * The wait loop of the commit lease, shared by both stores: try to take the lease, and while
 * someone else holds it, back off (bounded) until it is free or has expired, or give up.
 */
import { hostname } from 'node:os';
import { StoreError, type CommitLeaseOptions } from './types.js';

export const DEFAULT_COMMIT_LEASE_MS = 120_000;
export const DEFAULT_COMMIT_LEASE_WAIT_MS = 120_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2_000;

export interface LeaseSettings {
  leaseMs: number;
  maxWaitMs: number;
  now: () => Date;
  sleep: (ms: number) => Promise<void>;
}

export function leaseSettings(options: CommitLeaseOptions = {}): LeaseSettings {
  const leaseMs = options.leaseMs ?? DEFAULT_COMMIT_LEASE_MS;
  const maxWaitMs = options.maxWaitMs ?? DEFAULT_COMMIT_LEASE_WAIT_MS;
  if (!(leaseMs > 0)) throw new Error(`commit lease: leaseMs must be positive (got ${String(leaseMs)})`);
  if (!(maxWaitMs >= 0)) throw new Error(`commit lease: maxWaitMs must not be negative (got ${String(maxWaitMs)})`);
  return {
    leaseMs,
    maxWaitMs,
    now: options.now ?? (() => new Date()),
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
  };
}

/** What one attempt found: the lease is ours (with a release), or held by someone until a time. */
export type LeaseAttempt = { acquired: true; release: () => Promise<void> } | { acquired: false; holder: string; expiresAt: string };

/** Acquires with `attempt` (retried with backoff while held), runs fn, releases in finally. */
export async function runUnderLease<T>(owner: string, where: string, settings: LeaseSettings, attempt: () => Promise<LeaseAttempt>, fn: () => Promise<T>): Promise<T> {
  let waited = 0;
  for (let tries = 0; ; tries += 1) {
    const got = await attempt();
    if (got.acquired) {
      let result: T;
      try {
        result = await fn();
      } catch (err) {
        // fn's error says what failed; a release failing too (the store is gone) must not hide it, only add that the lease lapses.
        const released = await got.release().then(
          () => true,
          () => false,
        );
        if (released || !(err instanceof StoreError)) throw err;
        throw err.alsoLeft(`the commit lease could not be released; the next run takes it over once it lapses (at most ${String(Math.ceil(settings.leaseMs / 1000))} s)`);
      }
      await got.release();
      return result;
    }
    // Half to full of an exponentially growing delay, so waiters do not retry in lock step.
    const cap = Math.min(FIRST_DELAY_MS * 2 ** Math.min(tries, 10), MAX_DELAY_MS);
    const delay = Math.max(1, Math.round(cap * (0.5 + Math.random() / 2)));
    if (waited + delay > settings.maxWaitMs) {
      throw new Error(
        `${where}: the commit lease is held by "${got.holder}" until ${got.expiresAt}; "${owner}" gave up after waiting ${String(waited)} ms (maxWaitMs ${String(settings.maxWaitMs)})`,
      );
    }
    await settings.sleep(delay);
    waited += delay;
  }
}

/**
 * True only when the lease's holder provably no longer exists: it ran on this host and its pid is
 * not alive. A holder on another host (or of unknown pid) is waited for until its lease expires.
 * A reused pid keeps the lease until expiry, which is the safe side. The file store uses it; the
 * table store does not: its holders are Function instances on other hosts, where a pid says
 * nothing, so its leases are taken over only once they expire.
 */
export function ownerIsGone(holder: { host?: string; pid?: number }): boolean {
  if (holder.host !== hostname() || holder.pid === undefined || !Number.isInteger(holder.pid) || holder.pid <= 0) return false;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
