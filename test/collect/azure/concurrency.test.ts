import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azureRuntime } from '../../../shared/collect/azure/index.js';
import { RESOURCE_GRAPH_BUCKET } from '../../../shared/collect/azure/graph.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import { generateScenario } from '../../../sim/generate.js';
import { collectAll, startAzureSim, withSource, type AzureSim } from './harness.js';

/**
 * In-flight requests per real throttling bucket stay within `clouds.azure.concurrency`, measured
 * twice: by the simulator (per ARM subscription, per Resource Graph principal, per Cost Management
 * scope) and by the collector's limiters. Latency keeps requests overlapping so the bounds bite.
 */

const LIMITS = { armPerSubscription: 2, arm: 5, resourceGraph: 2, costManagementPerScope: 1, costManagement: 3 };

let sim: AzureSim;
beforeAll(async () => {
  const scenario = await generateScenario({ subscriptions: 24, projects: 0, accountRegions: 0, seed: 7 });
  sim = await startAzureSim(scenario, { behaviour: { latency: { meanMs: 15, jitterMs: 10 } }, azure: { concurrency: LIMITS } });
});
afterAll(async () => {
  await sim.stop();
});

/** The simulator's peaks for one throttling model: per bucket, and all buckets together (`*`). */
function peaks(model: string): { buckets: number[]; all: number } {
  const m = sim.sim.counts().maxInFlight;
  const buckets = Object.entries(m)
    .filter(([k]) => k.startsWith(`azure|${model}|`) && !k.endsWith('|*'))
    .map(([, v]) => v);
  return { buckets, all: m[`azure|${model}|*`] ?? 0 };
}

async function collectShardsSideBySide(config: AirlockConfig): Promise<void> {
  // Several shards of one process at once, as runAudit runs them: they share the limiters.
  const shards = [0, 1, 2, 3].map((i) => {
    const azure = config.clouds.azure;
    if (!azure) throw new Error('no azure config');
    const subscriptions = azure.subscriptions.filter((_, j) => j % 4 === i);
    return collectAll({ ...config, clouds: { ...config.clouds, azure: { ...azure, subscriptions, subscriptionsPerQuery: 3 } } });
  });
  for (const r of await Promise.all(shards)) expect(r.calls.filter((c) => !c.ok && c.status !== 403)).toEqual([]);
}

describe('Azure concurrency per throttling bucket', () => {
  it('ARM: at most armPerSubscription per subscription and arm in all, at the simulator and in the limiter', async () => {
    sim.sim.resetCounts();
    const config = withSource(sim.config, 'arm');
    await collectShardsSideBySide(config);
    const arm = peaks('arm');
    expect(arm.buckets.length).toBeGreaterThanOrEqual(20);
    expect(Math.max(...arm.buckets)).toBe(LIMITS.armPerSubscription);
    expect(arm.all).toBeLessThanOrEqual(LIMITS.arm);
    // The bound is reached, so the assertion above could fail.
    expect(arm.all).toBe(LIMITS.arm);
    const limiter = azureRuntime(config.clouds.azure ?? (undefined as never)).arm;
    expect(Math.max(...[...limiter.stats().values()].map((s) => s.maxInFlight))).toBe(LIMITS.armPerSubscription);
    expect(limiter.maxInFlight).toBeLessThanOrEqual(LIMITS.arm);
  });

  it('Resource Graph: at most resourceGraph queries for the principal; Cost Management: one per scope', async () => {
    sim.sim.resetCounts();
    const config = withSource(sim.config, 'resource-graph');
    await collectShardsSideBySide(config);
    const graph = peaks('resource-graph');
    expect(graph.buckets).toEqual([LIMITS.resourceGraph]);
    const cost = peaks('cost-management');
    expect(cost.buckets.length).toBeGreaterThan(0);
    expect(Math.max(...cost.buckets)).toBeLessThanOrEqual(LIMITS.costManagementPerScope);
    expect(cost.all).toBeLessThanOrEqual(LIMITS.costManagement);
    const runtime = azureRuntime(config.clouds.azure ?? (undefined as never));
    expect(runtime.resourceGraph.stats().get(RESOURCE_GRAPH_BUCKET)?.maxInFlight).toBe(LIMITS.resourceGraph);
    expect(Math.max(...[...runtime.costManagement.stats().values()].map((s) => s.maxInFlight))).toBe(1);
  });
});
