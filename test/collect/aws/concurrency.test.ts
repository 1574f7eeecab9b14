import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCollector, awsLimiter } from '../../../shared/collect/aws/index.js';
import { ConfigError, formatProblem, parseConfigText } from '../../../shared/config/load.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import { ctxFor, startAwsSim, type AwsSim } from './harness.js';

/**
 * The AWS collector's bounds (clouds.aws.concurrency): requests in flight per account-region and
 * across the process, observed on the limiter while a real collection runs against the simulator
 * (with latency, so that requests overlap), and refused with a clear message when out of range.
 */

function withBounds(config: AirlockConfig, concurrency: { accounts: number; perAccountRegion: number; global: number }): AirlockConfig {
  const aws = config.clouds.aws;
  if (!aws) throw new Error('the simulator configuration has no clouds.aws');
  return { ...config, clouds: { ...config.clouds, aws: { ...aws, concurrency } } };
}

async function collect(config: AirlockConfig): Promise<Record<string, number>> {
  const ctx = ctxFor(config);
  const plan = await awsCollector.plan(ctx);
  const result = await awsCollector.collect(plan.scopes, ctx);
  return Object.fromEntries(Object.entries(result.inventory.aws).map(([k, v]) => [k, (v as unknown[]).length]));
}

describe('AWS collector concurrency bounds', () => {
  let sim: AwsSim;

  beforeAll(async () => {
    sim = await startAwsSim('hybrid-broken', { behaviour: { latency: { meanMs: 20, jitterMs: 5 } } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('defaults to 4 per account-region and 64 across the process, 16 accounts side by side', () => {
    expect(sim.config.clouds.aws?.concurrency).toEqual({ accounts: 16, perAccountRegion: 4, global: 64 });
  });

  it('keeps to the configured bounds and reads the same inventory as the defaults', async () => {
    const wide = withBounds(sim.config, { accounts: 16, perAccountRegion: 4, global: 64 });
    const narrow = withBounds(sim.config, { accounts: 1, perAccountRegion: 1, global: 2 });
    const wideCounts = await collect(wide);
    const narrowCounts = await collect(narrow);
    expect(narrowCounts).toEqual(wideCounts);
    expect(wideCounts['vpcs']).toBeGreaterThan(0);

    const narrowLimiter = awsLimiter(narrow.clouds.aws ?? (undefined as never));
    expect(narrowLimiter.maxInFlight).toBe(2);
    const narrowBuckets = [...narrowLimiter.stats().values()];
    expect(narrowBuckets.length).toBeGreaterThan(1);
    expect(Math.max(...narrowBuckets.map((b) => b.maxInFlight))).toBe(1);

    // The defaults overlap requests within an account-region (up to 4) and across account-regions.
    const wideLimiter = awsLimiter(wide.clouds.aws ?? (undefined as never));
    const wideBuckets = [...wideLimiter.stats().values()];
    expect(Math.max(...wideBuckets.map((b) => b.maxInFlight))).toBe(4);
    expect(wideLimiter.maxInFlight).toBeGreaterThan(4);
    expect(wideLimiter.maxInFlight).toBeLessThanOrEqual(64);
  });

  it('refuses bounds out of range, naming the path, what it expected and what it got', () => {
    const text = 'clouds:\n  aws:\n    accounts: ["111111111111"]\n    concurrency:\n      perAccountRegion: 0\n      global: 2.5\n      accounts: 100\n      burst: 3\n';
    let problems: string[] = [];
    try {
      parseConfigText(text, 'airlock.yaml');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems = err.problems.map(formatProblem);
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('clouds.aws.concurrency.perAccountRegion: expected a number of at least 1, got 0'),
        expect.stringContaining('clouds.aws.concurrency.global: expected a whole number, got 2.5'),
        expect.stringContaining('clouds.aws.concurrency.accounts: expected a number of at most 64, got 100'),
        expect.stringContaining('burst'),
      ]) as unknown,
    );
  });
});
