import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { azureCollector } from '../../../shared/collect/azure/index.js';
import { type CollectContext, type CollectResult } from '../../../shared/collect/types.js';
import { silentLogger } from '../../../shared/log.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import { startSimulator, type BehaviourInput, type Scenario, type Simulator } from '../../../sim/index.js';

export interface AzureSim {
  sim: Simulator;
  config: AirlockConfig;
  stop(): Promise<void>;
}

/**
 * Starts the simulator for a scenario and writes an airlock.yaml that audits only its Azure
 * subscriptions (GCP and AWS disabled), with optional azure overrides (inventorySource...).
 */
export async function startAzureSim(scenario: Scenario | string, options: { behaviour?: BehaviourInput; azure?: Record<string, unknown>; config?: Record<string, unknown> } = {}): Promise<AzureSim> {
  const sim = await startSimulator({
    scenario,
    // Throttling is off unless a test turns it on: these tests are about shapes and counts. The
    // core still sends Resource Graph quota headers, which the collector honours, so the quota is
    // large enough never to run out.
    behaviour: { throttle: { enabled: false, resourceGraph: { quota: 100_000, windowSeconds: 5 } }, ...options.behaviour },
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'airlock-azure-'));
  try {
    const { config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
      overrides: {
        ...options.config,
        clouds: { azure: { ...(options.azure ?? {}) }, gcp: { enabled: false }, aws: { enabled: false } },
      },
    });
    return {
      sim,
      config,
      async stop() {
        await sim.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The config with another inventory source (and other azure settings). */
export function withSource(config: AirlockConfig, inventorySource: 'resource-graph' | 'arm', extra: Partial<NonNullable<AirlockConfig['clouds']['azure']>> = {}): AirlockConfig {
  const azure = config.clouds.azure;
  if (!azure) throw new Error('the simulator config has no azure section');
  return { ...config, clouds: { ...config.clouds, azure: { ...azure, inventorySource, ...extra } } };
}

export function ctxFor(config: AirlockConfig): CollectContext {
  return { config, env: {}, log: silentLogger, now: new Date('2026-11-22T06:00:00Z') };
}

/** Plans, then collects every shard the way the audit does; the inventories are concatenated. */
export async function collectAll(config: AirlockConfig): Promise<CollectResult> {
  const ctx = ctxFor(config);
  const plan = await azureCollector.plan(ctx);
  const size = azureCollector.shardSize(ctx);
  const results: CollectResult[] = [];
  for (let i = 0; i < plan.scopes.length; i += size) results.push(await azureCollector.collect(plan.scopes.slice(i, i + size), ctx));
  const inventory = results[0]?.inventory ?? (await azureCollector.collect([], ctx)).inventory;
  for (const r of results.slice(1)) {
    for (const [k, v] of Object.entries(r.inventory.azure)) (inventory.azure as unknown as Record<string, unknown[]>)[k]?.push(...(v as unknown[]));
  }
  return { inventory, calls: results.flatMap((r) => r.calls) };
}
