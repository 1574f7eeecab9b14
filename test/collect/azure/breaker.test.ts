import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CallPolicy, withCallPolicy } from '../../../shared/collect/kit/policy.js';
import { collectAll, startAzureSim, withSource, type AzureSim } from './harness.js';

/**
 * The Azure SDK hook names each attempt's URL and reports attempts that got no answer, so the
 * run's breaker keys on the endpoint host (as GCP's and AWS's hooks do): against an ARM endpoint
 * that refuses every connection it opens after a few failures and the remaining calls are
 * coverage at once (network, CIRCUIT_OPEN) instead of each waiting out the SDK's retries.
 */
let running: AzureSim;
beforeAll(async () => {
  running = await startAzureSim('hybrid-broken', { azure: { endpoints: { resourceManager: 'https://127.0.0.1:1' } } });
});
afterAll(async () => {
  await running.stop();
});

describe('Azure calls under the run breaker', () => {
  for (const source of ['arm', 'resource-graph'] as const) {
    it(`a refusing endpoint opens the breaker of its host (${source})`, async () => {
      const policy = new CallPolicy({ breakerFailures: 3 });
      const result = await withCallPolicy(policy, () => collectAll(withSource(running.config, source)));
      // Calls that depend on a failed listing are recorded as not attempted; the rest were tried or refused by the breaker.
      const calls = result.calls.filter((c) => c.requests > 0 || c.code === 'CIRCUIT_OPEN');
      expect(calls.length).toBeGreaterThan(0);
      expect(result.calls.every((c) => !c.ok)).toBe(true);
      expect(calls.every((c) => !c.ok && c.errorKind === 'network')).toBe(true);
      expect(policy.stats().openEndpoints).toEqual(['127.0.0.1:1']);
      const open = calls.filter((c) => c.code === 'CIRCUIT_OPEN');
      expect(open.length).toBeGreaterThan(0);
      if (source === 'arm') expect(open.length).toBeGreaterThan(calls.length / 2);
      // Without the breaker each call makes the SDK's retries (up to 4 attempts).
      const attempts = calls.reduce((n, c) => n + c.requests, 0);
      expect(attempts).toBeLessThan(calls.length * 2);
      expect(running.sim.counts().total).toBe(0);
    }, 60_000);
  }
});
