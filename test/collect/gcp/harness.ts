import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGcpCollector } from '../../../shared/collect/gcp/index.js';
import type { CollectContext, CollectResult, Collector } from '../../../shared/collect/types.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import { silentLogger } from '../../../shared/log.js';
import { emptyGcpInventory, type GcpInventory } from '../../../shared/model/inventory/gcp.js';
import { startSimulator, type BehaviourInput, type Scenario, type Simulator } from '../../../sim/index.js';

export interface GcpSim {
  sim: Simulator;
  /** Audits the scenario's projects one by one (api path). */
  config: AirlockConfig;
  stop(): Promise<void>;
}

/** Quota retries in milliseconds, so a throttled test waits for nothing. */
export const fastCollector: Collector = createGcpCollector({ retry: { attempts: 5, initialDelayMs: 2, maxDelayMs: 10 } });

/**
 * Starts the simulator for a scenario and writes an airlock.yaml that audits only its GCP
 * projects (Azure and AWS disabled), with optional gcp overrides.
 */
export async function startGcpSim(scenario: Scenario | string, options: { behaviour?: BehaviourInput; gcp?: Record<string, unknown> } = {}): Promise<GcpSim> {
  const sim = await startSimulator({ scenario, behaviour: { throttle: { enabled: false }, latency: { meanMs: 0, jitterMs: 0 }, ...options.behaviour } });
  const dir = await mkdtemp(path.join(tmpdir(), 'airlock-gcp-'));
  try {
    const { config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
      overrides: { clouds: { azure: { enabled: false }, gcp: { ...(options.gcp ?? {}) }, aws: { enabled: false } } },
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

type Gcp = NonNullable<AirlockConfig['clouds']['gcp']>;

/** The config with other gcp settings (scope, inventory source). */
export function withGcp(config: AirlockConfig, gcp: Partial<Gcp>): AirlockConfig {
  const current = config.clouds.gcp;
  if (!current) throw new Error('the simulator config has no gcp section');
  return { ...config, clouds: { ...config.clouds, gcp: { ...current, ...gcp } } };
}

/** The organisation-wide asset path over the scenario's organisation. */
export function orgScope(config: AirlockConfig, organization: string): AirlockConfig {
  return withGcp(config, { projects: [], organization, inventorySource: 'asset-inventory' });
}

export function ctxFor(config: AirlockConfig): CollectContext {
  return { config, env: {}, log: silentLogger, now: new Date('2026-11-22T06:00:00Z') };
}

/** Plans, then collects every shard the way the audit does; inventories are concatenated. */
export async function collectAll(config: AirlockConfig, collector: Collector = fastCollector): Promise<CollectResult & { planCalls: CollectResult['calls'] }> {
  const ctx = ctxFor(config);
  const plan = await collector.plan(ctx);
  const size = collector.shardSize(ctx);
  const gcp: GcpInventory = emptyGcpInventory();
  const calls: CollectResult['calls'] = [];
  let inventory: CollectResult['inventory'] | undefined;
  for (let i = 0; i < plan.scopes.length; i += size) {
    const r = await collector.collect(plan.scopes.slice(i, i + size), ctx);
    inventory ??= r.inventory;
    for (const [k, v] of Object.entries(r.inventory.gcp)) (gcp as unknown as Record<string, unknown[]>)[k]?.push(...(v as unknown[]));
    calls.push(...r.calls);
  }
  inventory ??= (await collector.collect([], ctx)).inventory;
  return { inventory: { ...inventory, gcp }, calls, planCalls: plan.calls };
}

/** Records sorted by id, for comparing two paths. */
export function sortedInventory(inv: GcpInventory): GcpInventory {
  const out = emptyGcpInventory();
  for (const [k, v] of Object.entries(inv) as [keyof GcpInventory, { id: string }[]][]) {
    (out as unknown as Record<string, unknown[]>)[k] = [...v].sort((a, b) => a.id.localeCompare(b.id));
  }
  return out;
}
