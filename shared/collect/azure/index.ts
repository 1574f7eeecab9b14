import type { AzureConfig } from '../../config/schema.js';
import type { CallRecord } from '../../model/coverage.js';
import { emptyAzureInventory, type AzureInventory, type VirtualNetwork } from '../../model/inventory/azure.js';
import { emptyInventory } from '../../model/inventory/index.js';
import { scopeKey, type Scope } from '../../model/scope.js';
import { getCi } from '../../util/props.js';
import type { CollectContext, Collector } from '../types.js';
import { tracked } from '../kit/calls.js';
import { ShapeError } from '../kit/errors.js';
import { BucketLimiter } from '../kit/limiter.js';
import { collectViaArm } from './arm.js';
import { createAzureClients, type AzureClients } from './clients.js';
import { collectPeeringCosts, costPlan, costWindow } from './cost.js';
import { checkAzureCredentials } from './credential.js';
import { PLANNING_DATASET, RESOURCE_GRAPH } from './datasets.js';
import { collectViaResourceGraph, queryResourceGraph, quotaRetryPolicy, RESOURCE_GRAPH_BUCKET, ResourceGraphQuota } from './graph.js';

function azureConfig(ctx: CollectContext): AzureConfig {
  const c = ctx.config.clouds.azure;
  if (!c) throw new Error('clouds.azure is not configured');
  return c;
}

/**
 * What the shards a process audits side by side share: SDK clients (agents, credential), Resource
 * Graph's quota (per principal) and one limiter per throttling model: ARM per subscription with a
 * global cap, Resource Graph per principal, Cost Management per subscription scope.
 */
interface AzureRuntime {
  clients: AzureClients;
  quota: ResourceGraphQuota;
  arm: BucketLimiter;
  resourceGraph: BucketLimiter;
  costManagement: BucketLimiter;
  /** Cost scopes that refused a query: the process's later shards query their subscriptions alone. */
  refusedCostScopes: Set<string>;
}

const runtimes = new Map<string, AzureRuntime>();

/** The runtime of a configuration: one per endpoint, identity, CA and limits, made on first use. */
export function azureRuntime(cfg: AzureConfig): AzureRuntime {
  const key = JSON.stringify([cfg.endpoints.resourceManager ?? 'public', cfg.credential, cfg.tenantId ?? '', cfg.endpoints.caCertificateFile ?? '', cfg.concurrency]);
  let runtime = runtimes.get(key);
  if (!runtime) {
    const c = cfg.concurrency;
    const quota = new ResourceGraphQuota();
    runtime = {
      clients: createAzureClients(cfg, { resourceGraphPolicies: [quotaRetryPolicy(quota)] }),
      quota,
      arm: new BucketLimiter({ perBucket: c.armPerSubscription, global: c.arm }),
      resourceGraph: new BucketLimiter({ perBucket: c.resourceGraph, global: c.resourceGraph }),
      costManagement: new BucketLimiter({ perBucket: c.costManagementPerScope, global: c.costManagement }),
      refusedCostScopes: new Set(),
    };
    runtimes.set(key, runtime);
  }
  return runtime;
}

const SUBSCRIPTIONS_QUERY = "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' | order by id asc";

/** Subscriptions under each configured management group, through Resource Graph's ResourceContainers. */
async function expandManagementGroups(groups: readonly string[], runtime: AzureRuntime, signal?: AbortSignal): Promise<{ scopes: Scope[]; calls: CallRecord[] }> {
  const scopes: Scope[] = [];
  const calls: CallRecord[] = [];
  for (const mg of groups) {
    const key = scopeKey({ cloud: 'azure', kind: 'management-group', id: mg });
    const r = await runtime.resourceGraph.run(RESOURCE_GRAPH_BUCKET, () => tracked({ cloud: 'azure', api: RESOURCE_GRAPH.api, scope: key, dataset: PLANNING_DATASET }, async () => {
      const rows = await queryResourceGraph(runtime.clients.resourceGraph(), { managementGroups: [mg], query: SUBSCRIPTIONS_QUERY }, runtime.quota, signal);
      return rows.map((row): Scope => {
        const id = getCi(row, 'subscriptionId');
        const name = getCi(row, 'name');
        if (typeof id !== 'string') throw new ShapeError(`ResourceContainers row without subscriptionId under management group ${mg}`);
        return { cloud: 'azure', kind: 'subscription', id, ...(typeof name === 'string' ? { name } : {}) };
      });
    }));
    calls.push(r.record);
    if (r.value) scopes.push(...r.value);
  }
  return { scopes, calls };
}

function merge(target: AzureInventory, part: Partial<AzureInventory>): void {
  const t = target as unknown as Record<string, unknown[]>;
  for (const [dataset, records] of Object.entries(part as Record<string, unknown[] | undefined>)) {
    if (records) (t[dataset] ??= []).push(...records);
  }
}

/**
 * The Azure collector: Resource Graph by default (one query per dataset over a batch of
 * subscriptions), per-subscription ARM listing as the fallback, and Cost Management for the
 * peering cost of spokes (VNets using a hub's gateway or peered to a configured hub VNet).
 */
function withoutScopes(inventory: Partial<AzureInventory>, scopes: ReadonlySet<string>): Partial<AzureInventory> {
  if (scopes.size === 0) return inventory;
  const out: Partial<Record<keyof AzureInventory, unknown[]>> = {};
  for (const [dataset, records] of Object.entries(inventory) as [keyof AzureInventory, { scope: string }[]][]) {
    out[dataset] = records.filter((r) => !scopes.has(r.scope));
  }
  return out as Partial<AzureInventory>;
}

export const azureCollector: Collector = {
  cloud: 'azure',
  checkCredentials: checkAzureCredentials,

  async plan(ctx) {
    const cfg = azureConfig(ctx);
    const scopes: Scope[] = cfg.subscriptions.map((id) => ({ cloud: 'azure', kind: 'subscription', id }));
    const calls: CallRecord[] = [];
    if (cfg.managementGroups.length > 0) {
      const expanded = await expandManagementGroups(cfg.managementGroups, azureRuntime(cfg), ctx.signal);
      calls.push(...expanded.calls);
      const seen = new Set(scopes.map(scopeKey));
      for (const s of expanded.scopes) {
        const key = scopeKey(s);
        if (seen.has(key)) continue;
        seen.add(key);
        scopes.push(s);
      }
    }
    return { scopes, calls };
  },

  shardSize(ctx) {
    const cfg = azureConfig(ctx);
    return cfg.inventorySource === 'arm' ? 1 : cfg.subscriptionsPerQuery;
  },

  async collect(scopes, ctx) {
    const cfg = azureConfig(ctx);
    const runtime = azureRuntime(cfg);
    const { clients } = runtime;
    const inventory = emptyAzureInventory();
    const calls: CallRecord[] = [];
    const subscriptions = scopes.filter((s) => s.kind === 'subscription');
    const window = costWindow(ctx.now, ctx.config.cost.windowDays);
    // Cost queries start as soon as a subscription's VNets are read (they decide which subscriptions
    // hold spokes), side by side with the rest of the inventory.
    const costed = new Set<string>();
    const plan = costPlan(cfg, runtime.refusedCostScopes);
    const costs: Promise<Awaited<ReturnType<typeof collectPeeringCosts>>>[] = [];
    const queryCosts = (subs: readonly Scope[], vnets: readonly VirtualNetwork[]): void => {
      const fresh = subs.filter((s) => !costed.has(scopeKey(s)));
      for (const s of fresh) costed.add(scopeKey(s));
      if (fresh.length > 0) costs.push(collectPeeringCosts(fresh, vnets, clients, window, cfg.hubVnets, runtime.costManagement, plan));
    };
    let viaArm: Scope[] = subscriptions;
    if (cfg.inventorySource === 'resource-graph' && subscriptions.length > 0) {
      const graph = await collectViaResourceGraph(subscriptions, clients.resourceGraph(), runtime.quota, runtime.resourceGraph, ctx.signal, (dataset, records, read) => {
        if (dataset === 'virtualNetworks') queryCosts(read, records as VirtualNetwork[]);
      });
      viaArm = graph.fallback;
      // A subscription refused part-way is listed again in full through ARM: drop its Resource Graph rows.
      const relisted = new Set(viaArm.map(scopeKey));
      merge(inventory, withoutScopes(graph.inventory, relisted));
      calls.push(...graph.calls);
      if (viaArm.length > 0) ctx.log.info(`azure: Resource Graph cannot read ${viaArm.map((s) => s.id).join(', ')}; listing through ARM`);
    }
    const armResults = await Promise.all(viaArm.map((scope) => collectViaArm(scope, clients, runtime.arm, ctx.signal)));
    for (const r of armResults) {
      merge(inventory, r.inventory);
      calls.push(...r.calls);
    }
    queryCosts(subscriptions, inventory.virtualNetworks);
    for (const c of await Promise.all(costs)) {
      inventory.peeringCosts.push(...c.records);
      calls.push(...c.calls);
    }
    for (const c of calls.filter((x) => !x.ok)) ctx.log.debug(c.message ?? `${c.api} failed for ${c.scope}`, { cloud: c.cloud, scope: c.scope, operation: c.api });
    return { inventory: { ...emptyInventory(), azure: inventory }, calls };
  },
};
