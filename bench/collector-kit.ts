/**
 * The Azure collector on a generated ~200-subscription estate with the simulator's throttling on
 * (ARM token bucket per subscription, Resource Graph 15 queries / 5 s per principal, Cost
 * Management per scope), on both inventory paths. A before/after comparison cannot run in one
 * process, so each figure is a ratio to a lower bound measured in the same run:
 * - requests / requests that returned data (1 = no throttled or wasted request);
 * - wall time / the time the binding limit forces (Resource Graph: one quota window per 15
 *   queries after the first; ARM: requests spread over the global cap at the simulated latency);
 * - max in flight per throttling bucket (at the simulator) / the configured limit (≤ 1 holds).
 * Run: npm run bench:collect. Results: bench/results/collector-kit.json.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { runAudit } from '../shared/audit.js';
import { azureCollector } from '../shared/collect/azure/index.js';
import type { AirlockConfig } from '../shared/config/schema.js';
import { generateScenario } from '../sim/generate.js';
import { startSimulator } from '../sim/index.js';

const SUBSCRIPTIONS = Number(process.env['BENCH_SUBSCRIPTIONS'] ?? 200);
const LATENCY_MS = 20;
const QUOTA = { quota: 15, windowSeconds: 5 };

const scenario = await generateScenario({ subscriptions: SUBSCRIPTIONS, projects: 0, accountRegions: 0, seed: 1 });
const sim = await startSimulator({ scenario, behaviour: { throttle: { enabled: true, resourceGraph: QUOTA }, latency: { meanMs: LATENCY_MS, jitterMs: 0 } } });
const dir = await mkdtemp(path.join(tmpdir(), 'airlock-bench-'));

const ratio = (a: number, b: number): number => (b > 0 ? Number((a / b).toFixed(2)) : 0);

function withSource(config: AirlockConfig, inventorySource: 'resource-graph' | 'arm'): AirlockConfig {
  const azure = config.clouds.azure;
  if (!azure) throw new Error('the simulator config has no azure section');
  return { ...config, clouds: { ...config.clouds, azure: { ...azure, inventorySource } } };
}

try {
  const { config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), { overrides: { clouds: { gcp: { enabled: false }, aws: { enabled: false } } } });
  const limits = config.clouds.azure?.concurrency;
  if (!limits) throw new Error('no azure concurrency in the simulator config');
  const results: Record<string, unknown> = {};
  for (const source of ['resource-graph', 'arm'] as const) {
    // Fresh counters and throttling state for each path.
    sim.setBehaviour({});
    sim.resetCounts();
    const started = performance.now();
    const run = await runAudit(withSource(config, source), { clouds: ['azure'], collectors: [azureCollector], clock: () => new Date('2026-11-22T06:00:00Z') });
    const wallMs = performance.now() - started;
    const counts = sim.counts();
    const ops = Object.entries(counts.providers.azure.operations);
    const requests = ops.reduce((n, [, c]) => n + c.calls, 0);
    const answered = ops.reduce((n, [, c]) => n + c.ok, 0);
    const throttled = ops.reduce((n, [, c]) => n + c.throttled, 0);
    const graph = counts.providers.azure.operations['resourcegraph:resources']?.ok ?? 0;
    const arm = ops.filter(([op]) => op.startsWith('arm:')).reduce((n, [, c]) => n + c.calls, 0);
    // Resource Graph: every 15 queries after the first 15 wait for a new 5 s window.
    const graphBoundMs = Math.max(0, Math.ceil(graph / QUOTA.quota) - 1) * QUOTA.windowSeconds * 1000;
    // ARM: the global cap at the simulated latency, and a parent then its children in each subscription.
    const armBoundMs = arm === 0 ? 0 : Math.max(Math.ceil(arm / limits.arm), 2) * LATENCY_MS;
    const boundMs = Math.max(graphBoundMs, armBoundMs, LATENCY_MS);
    const peak = (model: string): number => Math.max(0, ...Object.entries(counts.maxInFlight).filter(([k]) => k.startsWith(`azure|${model}|`) && !k.endsWith('|*')).map(([, v]) => v));
    results[source] = {
      subscriptions: SUBSCRIPTIONS,
      findings: run.findings.length,
      complete: run.complete,
      requests,
      throttled,
      requestsPerAnswered: ratio(requests, answered),
      wallMs: Math.round(wallMs),
      lowerBoundMs: boundMs,
      wallPerLowerBound: ratio(wallMs, boundMs),
      maxInFlight: {
        armPerSubscription: { max: peak('arm'), limit: limits.armPerSubscription, ratio: ratio(peak('arm'), limits.armPerSubscription) },
        arm: { max: counts.maxInFlight['azure|arm|*'] ?? 0, limit: limits.arm, ratio: ratio(counts.maxInFlight['azure|arm|*'] ?? 0, limits.arm) },
        resourceGraph: { max: peak('resource-graph'), limit: limits.resourceGraph, ratio: ratio(peak('resource-graph'), limits.resourceGraph) },
        costManagementPerScope: { max: peak('cost-management'), limit: limits.costManagementPerScope, ratio: ratio(peak('cost-management'), limits.costManagementPerScope) },
      },
      requestsByOperation: Object.fromEntries(ops.map(([op, c]) => [op, c.calls])),
    };
    process.stderr.write(`${source}: ${requests} requests (${throttled} throttled), ${Math.round(wallMs)} ms, ${ratio(wallMs, boundMs)}x the lower bound\n`);
  }
  const out = new URL('./results/collector-kit.json', import.meta.url);
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(out, `${JSON.stringify({ generatedAt: new Date().toISOString(), node: process.version, latencyMs: LATENCY_MS, resourceGraphQuota: QUOTA, results }, null, 2)}\n`);
  process.stderr.write(`wrote bench/results/collector-kit.json\n`);
} finally {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
}
