import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { noteAttempt, noteNoAnswer, noteResponse, tracked } from '../../shared/collect/kit/calls.js';
import { CallRefusedError, classifyError } from '../../shared/collect/kit/errors.js';
import { CallPolicy, callPolicyOptions, currentPolicy, DEFAULT_CALL_POLICY, withCallPolicy } from '../../shared/collect/kit/policy.js';
import { configSchema, type AirlockConfig } from '../../shared/config/schema.js';
import { startSimulator, type Simulator } from '../../sim/index.js';

const refused = (): Error => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
const spec = (n: number, api = 'compute:networks.list') => ({ cloud: 'gcp' as const, api, scope: `gcp/project/p${n}`, dataset: 'networks' });

/** One attempt to `url` that never gets an answer (what an SDK hook sees on a refused connection). */
function unansweredAttempt(url: string): Error {
  const counter = noteAttempt(url);
  const err = refused();
  noteNoAnswer(counter, err);
  return err;
}

/** A call whose attempt and retry both get no answer, as an SDK retrying a refused connection does. */
async function unanswered(url: string): Promise<never> {
  unansweredAttempt(url);
  await Promise.resolve();
  throw unansweredAttempt(url);
}

describe('CallPolicy', () => {
  it('validates its options, naming the bad one', () => {
    expect(() => new CallPolicy({ breakerFailures: 0 })).toThrow('call policy: breakerFailures must be a whole number ≥ 1, got 0');
    expect(() => new CallPolicy({ retryRatio: -1 })).toThrow(/retryRatio must be a number ≥ 0, got -1/);
    expect(() => new CallPolicy({ callTimeoutMs: 0 })).toThrow(/callTimeoutMs/);
  });

  it('allows min + ratio × first attempts retries, then refuses with the failure it would have retried', () => {
    const policy = new CallPolicy({ minRetries: 2, retryRatio: 0.5 });
    for (let i = 0; i < 4; i++) policy.beforeAttempt('h', undefined);
    expect(policy.retriesLeft()).toBe(4);
    for (let i = 0; i < 4; i++) policy.beforeAttempt('h', 'throttled');
    let refusedErr: unknown;
    try {
      policy.beforeAttempt('h', 'server');
    } catch (err) {
      refusedErr = err;
    }
    expect(refusedErr).toBeInstanceOf(CallRefusedError);
    expect(classifyError('azure', refusedErr)).toMatchObject({ kind: 'server', code: 'RETRY_BUDGET_EXHAUSTED' });
    // More first attempts earn more budget.
    policy.beforeAttempt('h', undefined);
    policy.beforeAttempt('h', undefined);
    expect(() => { policy.beforeAttempt('h', 'network'); }).not.toThrow();
    expect(policy.stats()).toMatchObject({ firstAttempts: 6, retries: 5, retriesRefused: 1 });
  });

  it('opens an endpoint breaker after N consecutive connection failures; an answer in between starts the count again', () => {
    const policy = new CallPolicy({ breakerFailures: 3 });
    policy.connectionFailed('a', 'refused');
    policy.connectionFailed('a', 'refused');
    policy.answered('a');
    // Unconfirmed failures (first attempts only) never open it, however many.
    for (let i = 0; i < 5; i++) policy.connectionFailed('c', 'reset', false);
    expect(policy.isOpen('c')).toBe(false);
    policy.connectionFailed('a', 'refused');
    policy.connectionFailed('a', 'refused');
    expect(policy.isOpen('a')).toBe(false);
    policy.connectionFailed('b', 'refused');
    policy.connectionFailed('a', 'reset');
    expect(policy.isOpen('a')).toBe(true);
    expect(policy.isOpen('b')).toBe(false);
    expect(() => { policy.beforeAttempt('a', undefined); }).toThrow(/a is unreachable \(circuit open after 3 consecutive connection failures, last: reset\)/);
    expect(policy.stats().openEndpoints).toEqual(['a']);
  });

  it('reads its options from the configuration (defaults when the section is absent)', () => {
    const config = configSchema.parse({ calls: { timeoutSeconds: 30, retryBudget: { min: 10, perRequest: 0.25 }, breakerFailures: 3 } });
    expect(callPolicyOptions(config)).toEqual({ callTimeoutMs: 30_000, minRetries: 10, retryRatio: 0.25, breakerFailures: 3 });
    expect(callPolicyOptions(configSchema.parse({}))).toEqual(DEFAULT_CALL_POLICY);
    expect(callPolicyOptions({})).toEqual(DEFAULT_CALL_POLICY);
    expect(configSchema.safeParse({ calls: { breakerFailures: 0 } }).success).toBe(false);
  });

  it('one policy per run: a nested scope shares the outer one', async () => {
    await withCallPolicy({ breakerFailures: 2 }, async () => {
      const outer = currentPolicy();
      await withCallPolicy({ breakerFailures: 9 }, () => {
        expect(currentPolicy()).toBe(outer);
        return Promise.resolve();
      });
    });
    expect(currentPolicy()).toBeUndefined();
  });
});

describe('tracked under a run policy', () => {
  it('an unreachable endpoint: after N connection failures (one a failed retry) the next calls fail fast as network / CIRCUIT_OPEN, other hosts unaffected', async () => {
    await withCallPolicy({ breakerFailures: 3 }, async () => {
      const first = await tracked(spec(0), () => unanswered('http://down.test:8080/x'));
      expect(first.record).toMatchObject({ ok: false, errorKind: 'network', code: 'ECONNREFUSED', requests: 2 });
      // The third failure opens the breaker: this call's retry is refused.
      const second = await tracked(spec(1), () => unanswered('http://down.test:8080/y'));
      expect(second.record).toMatchObject({ ok: false, errorKind: 'network', code: 'CIRCUIT_OPEN', requests: 1 });
      expect(second.record.message).toMatch(/stopped: down\.test:8080 is unreachable/);
      const fast = await tracked(spec(3), () => unanswered('http://down.test:8080/z'));
      expect(fast.record).toMatchObject({ ok: false, errorKind: 'network', code: 'CIRCUIT_OPEN', requests: 0 });
      expect(fast.record.message).toMatch(/not attempted: down\.test:8080 is unreachable \(circuit open after 3 consecutive connection failures, last: connect ECONNREFUSED/);
      const other = await tracked(spec(4), () => {
        noteResponse(noteAttempt('http://up.test/x'), 200, {});
        return Promise.resolve('ok');
      });
      expect(other.record).toMatchObject({ ok: true, requests: 1 });
    });
  });

  it('pooled sockets closed while idle (every first attempt reset at once, every retry answered) do not open the breaker', async () => {
    await withCallPolicy({ breakerFailures: 2 }, async () => {
      const calls = Array.from({ length: 6 }, (_, i) =>
        tracked(spec(i), async () => {
          const stale = noteAttempt('http://pooled.test/a');
          await Promise.resolve();
          noteNoAnswer(stale, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
          await new Promise((r) => setImmediate(r));
          noteResponse(noteAttempt('http://pooled.test/a'), 200, {});
          return 'ok';
        }),
      );
      const records = (await Promise.all(calls)).map((r) => r.record);
      expect(records.every((r) => r.ok && r.requests === 2 && r.retries === 1)).toBe(true);
      expect(currentPolicy()?.isOpen('pooled.test')).toBe(false);
    });
  });

  it('cuts short a call waiting out its own retries when other calls open the breaker of its endpoint', async () => {
    await withCallPolicy({ breakerFailures: 2 }, async () => {
      // An SDK that retries after a long backoff and ignores the signal.
      const waiting = tracked(spec(0), async () => {
        unansweredAttempt('http://down.test/a');
        await sleep(60_000, undefined, { ref: false });
        return 'never';
      });
      await sleep(5);
      await tracked(spec(1), () => unanswered('http://down.test/b'));
      const r = await waiting;
      expect(r.record).toMatchObject({ ok: false, errorKind: 'network', code: 'CIRCUIT_OPEN', requests: 1 });
      expect(currentPolicy()?.stats().refusedByBreaker).toBe(1);
    });
  });

  it('a retry past the budget is refused inside the call: coverage with the kind of the failure it retried', async () => {
    await withCallPolicy({ minRetries: 1, retryRatio: 0 }, async () => {
      const first = await tracked(spec(0), () => {
        noteResponse(noteAttempt('http://h.test/a'), 503, {});
        noteResponse(noteAttempt('http://h.test/a'), 200, {});
        return Promise.resolve('ok');
      });
      expect(first.record).toMatchObject({ ok: true, requests: 2, retries: 1 });
      const second = await tracked(spec(1), () => {
        noteResponse(noteAttempt('http://h.test/b'), 429, {});
        noteAttempt('http://h.test/b');
        return Promise.resolve('unreachable');
      });
      expect(second.record).toMatchObject({ ok: false, errorKind: 'throttled', code: 'RETRY_BUDGET_EXHAUSTED', requests: 1 });
    });
  });

  it('non-connection failures (an SDK error before any answer that is not network) do not count towards the breaker', async () => {
    await withCallPolicy({ breakerFailures: 1 }, async () => {
      await tracked(spec(0), () => {
        const c = noteAttempt('http://h.test/a');
        const err = Object.assign(new Error('CredentialsProviderError: could not load credentials'), { name: 'CredentialsProviderError' });
        noteNoAnswer(c, err);
        throw err;
      });
      expect(currentPolicy()?.isOpen('h.test')).toBe(false);
    });
  });

  it('the run policy deadline applies when the call names none', async () => {
    await withCallPolicy({ callTimeoutMs: 20 }, async () => {
      const r = await tracked(spec(0), () => new Promise<never>(() => undefined));
      expect(r.record).toMatchObject({ ok: false, errorKind: 'timeout' });
    });
  });
});

/**
 * The whole pipeline (the three real collectors and SDKs) against endpoints that refuse every
 * connection: each cloud's breaker opens after a few failures and the remaining calls are coverage
 * at once (errorKind network, code CIRCUIT_OPEN) instead of each waiting out its SDK's retries.
 */
describe('runAudit against refusing endpoints', () => {
  let sim: Simulator;
  let dir: string;
  let config: AirlockConfig;
  beforeAll(async () => {
    sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: { throttle: { enabled: false } } });
    dir = await mkdtemp(path.join(tmpdir(), 'airlock-kit-policy-'));
    const down = 'http://127.0.0.1:1';
    ({ config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
      overrides: {
        clouds: {
          azure: { endpoints: { resourceManager: 'https://127.0.0.1:1' } },
          gcp: { endpoints: { container: down, compute: down, dns: down, asset: down, resourceManager: down } },
          aws: { endpoint: down },
        },
      },
    }));
  });
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('every call is network coverage, most of them refused by the breaker without a request', async () => {
    const run = await runAudit(config, {});
    const calls = run.coverage.calls.filter((c) => c.requests > 0 || c.code === 'CIRCUIT_OPEN');
    for (const cloud of ['azure', 'gcp', 'aws'] as const) {
      const mine = calls.filter((c) => c.cloud === cloud);
      expect(mine.length, cloud).toBeGreaterThan(0);
      expect(mine.every((c) => !c.ok && c.errorKind === 'network'), cloud).toBe(true);
    }
    const open = calls.filter((c) => c.code === 'CIRCUIT_OPEN');
    const attempts = calls.reduce((n, c) => n + c.requests, 0);
    expect(open.length).toBeGreaterThan(calls.length / 2);
    // Without the breaker each call makes its SDK's retries (up to 4 attempts).
    expect(attempts).toBeLessThan(calls.length * 2);
    expect(run.complete).toBe(false);
    expect(sim.counts().total).toBe(0);
  });
});
