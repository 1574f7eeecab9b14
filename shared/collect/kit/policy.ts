import { AsyncLocalStorage } from 'node:async_hooks';
import type { CallErrorKind } from '../../model/coverage.js';
import type { AirlockConfig } from '../../config/schema.js';
import { CallRefusedError } from './errors.js';

/**
 * What one run allows its cloud calls, on top of each call's deadline and its SDK's retries:
 *
 * - a **retry budget**: retries (attempts sent after a throttled, failed or unanswered attempt)
 *   across the whole run are bounded by `minRetries + retryRatio × first attempts`, so a sick
 *   cloud cannot multiply the run's calls (and its wall time) past that ratio; past the budget a
 *   call that would retry fails at once as coverage (code `RETRY_BUDGET_EXHAUSTED`);
 * - a **breaker per endpoint**: after `breakerFailures` consecutive connection-level failures
 *   (refused, reset, DNS, no answer before the deadline) to one endpoint host, one of them a retry
 *   that failed again, every call to it
 *   fails fast for the rest of the run (errorKind `network`, code `CIRCUIT_OPEN`), in-flight
 *   calls included, instead of each waiting out its own retries. Any HTTP answer from the host,
 *   even an error status, closes the count.
 *
 * The policy of the run in progress lives in an async context (`withCallPolicy`), entered once by
 * the run (runAudit, or each shard of the Functions fan-out); calls outside one run unbounded.
 */
export interface CallPolicyOptions {
  /** Deadline of one logical call (pages and retries), milliseconds. */
  callTimeoutMs: number;
  /** Retries always allowed in a run, whatever its size. */
  minRetries: number;
  /** Further retries allowed per first attempt of the run (0.5: at most 1.5 attempts per request on average). */
  retryRatio: number;
  /** Consecutive connection-level failures to one endpoint that open its breaker. */
  breakerFailures: number;
}

export const DEFAULT_CALL_POLICY: CallPolicyOptions = { callTimeoutMs: 120_000, minRetries: 200, retryRatio: 0.5, breakerFailures: 3 };

interface Breaker {
  consecutive: number;
  /** One of the consecutive failures was a retry that failed again (not only stale keep-alive sockets failing at once). */
  confirmed: boolean;
  open: boolean;
  /** What the last connection-level failures were, for the message of calls refused later. */
  last?: string;
}

export interface CallPolicyStats {
  firstAttempts: number;
  retries: number;
  /** Retries refused because the budget was spent. */
  retriesRefused: number;
  /** Calls refused (or cut short) by an open breaker. */
  refusedByBreaker: number;
  /** Endpoints whose breaker opened. */
  openEndpoints: string[];
}

export class CallPolicy {
  readonly options: CallPolicyOptions;
  private firstAttempts = 0;
  private retries = 0;
  private retriesRefused = 0;
  private refusedByBreaker = 0;
  private readonly breakers = new Map<string, Breaker>();
  private readonly openListeners = new Set<(endpoint: string) => void>();

  constructor(options: Partial<CallPolicyOptions> = {}) {
    this.options = { ...DEFAULT_CALL_POLICY, ...options };
    const { callTimeoutMs, minRetries, retryRatio, breakerFailures } = this.options;
    const bad = (name: string, value: number, expected: string) => new Error(`call policy: ${name} must be ${expected}, got ${value}`);
    if (!(callTimeoutMs > 0)) throw bad('callTimeoutMs', callTimeoutMs, 'a positive number of milliseconds');
    if (!(Number.isInteger(minRetries) && minRetries >= 0)) throw bad('minRetries', minRetries, 'a whole number ≥ 0');
    if (!(retryRatio >= 0)) throw bad('retryRatio', retryRatio, 'a number ≥ 0');
    if (!(Number.isInteger(breakerFailures) && breakerFailures >= 1)) throw bad('breakerFailures', breakerFailures, 'a whole number ≥ 1');
  }

  /** Retries the run may still send. */
  retriesLeft(): number {
    return Math.floor(this.options.minRetries + this.options.retryRatio * this.firstAttempts) - this.retries;
  }

  isOpen(endpoint: string): boolean {
    return this.breakers.get(endpoint)?.open === true;
  }

  /**
   * Before an attempt is sent: refuses it when the endpoint's breaker is open, or when it is a
   * retry and the budget is spent. `retryOf` is how the previous attempt failed (undefined for a
   * first attempt or a next page).
   */
  beforeAttempt(endpoint: string, retryOf: CallErrorKind | undefined, callStarted = false): void {
    const breaker = this.breakers.get(endpoint);
    if (breaker?.open) {
      this.refusedByBreaker += 1;
      throw this.openError(endpoint, callStarted);
    }
    if (retryOf === undefined) {
      this.firstAttempts += 1;
      return;
    }
    if (this.retriesLeft() <= 0) {
      this.retriesRefused += 1;
      const { minRetries, retryRatio } = this.options;
      throw new CallRefusedError(
        `not retried: the run's retry budget is spent (${this.retries} retries for ${this.firstAttempts} requests; budget ${minRetries} + ${retryRatio} per request); the previous attempt was ${retryOf}`,
        retryOf,
        'RETRY_BUDGET_EXHAUSTED',
      );
    }
    this.retries += 1;
  }

  /** An attempt got an HTTP answer (any status): the endpoint is reachable. */
  answered(endpoint: string): void {
    const breaker = this.breakers.get(endpoint);
    if (breaker && !breaker.open) {
      breaker.consecutive = 0;
      breaker.confirmed = false;
    }
  }

  /**
   * An attempt got no HTTP answer (refused, reset, DNS, deadline). `retried` says the attempt was
   * itself a retry after a connection failure of the same call: the breaker opens only when one
   * of the consecutive failures is, so a burst of pooled keep-alive sockets that the server closed
   * while idle (each reset at once, each retry answered) does not open it.
   */
  connectionFailed(endpoint: string, detail: string, retried = true): void {
    const breaker = this.breakers.get(endpoint) ?? { consecutive: 0, confirmed: false, open: false };
    this.breakers.set(endpoint, breaker);
    if (breaker.open) return;
    breaker.consecutive += 1;
    breaker.confirmed ||= retried;
    breaker.last = detail;
    if (breaker.consecutive >= this.options.breakerFailures && breaker.confirmed) {
      breaker.open = true;
      for (const listener of [...this.openListeners]) listener(endpoint);
    }
  }

  /** The error of a call refused (`callStarted` false), or cut short, by the endpoint's open breaker. */
  openError(endpoint: string, callStarted = false): CallRefusedError {
    const breaker = this.breakers.get(endpoint);
    return new CallRefusedError(
      `${callStarted ? 'stopped' : 'not attempted'}: ${endpoint} is unreachable (circuit open after ${this.options.breakerFailures} consecutive connection failures${breaker?.last ? `, last: ${breaker.last}` : ''})`,
      'network',
      'CIRCUIT_OPEN',
    );
  }

  /** Calls `listener` with each endpoint whose breaker opens; returns the unsubscribe. */
  onOpen(listener: (endpoint: string) => void): () => void {
    this.openListeners.add(listener);
    return () => this.openListeners.delete(listener);
  }

  /** A call cut short by an open breaker after it started. */
  noteCutShort(): void {
    this.refusedByBreaker += 1;
  }

  stats(): CallPolicyStats {
    return {
      firstAttempts: this.firstAttempts,
      retries: this.retries,
      retriesRefused: this.retriesRefused,
      refusedByBreaker: this.refusedByBreaker,
      openEndpoints: [...this.breakers].filter(([, b]) => b.open).map(([e]) => e),
    };
  }
}

const running = new AsyncLocalStorage<CallPolicy>();

/** The policy of the run in progress in this async context, if any. */
export function currentPolicy(): CallPolicy | undefined {
  return running.getStore();
}

/**
 * Runs `fn` under a call policy: the one already in force (a shard inside a whole run shares the
 * run's budget and breakers), else a new one built from `options`.
 */
export function withCallPolicy<T>(options: Partial<CallPolicyOptions> | CallPolicy, fn: () => Promise<T>): Promise<T> {
  if (running.getStore()) return fn();
  return running.run(options instanceof CallPolicy ? options : new CallPolicy(options), fn);
}

/** The policy options a configuration asks for (`calls` section; defaults for a configuration built without it). */
export function callPolicyOptions(config: Partial<Pick<AirlockConfig, 'calls'>>): CallPolicyOptions {
  const c = config.calls;
  if (c === undefined) return DEFAULT_CALL_POLICY;
  return { callTimeoutMs: c.timeoutSeconds * 1000, minRetries: c.retryBudget.min, retryRatio: c.retryBudget.perRequest, breakerFailures: c.breakerFailures };
}
