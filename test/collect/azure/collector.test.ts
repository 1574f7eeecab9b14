import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { azureCollector } from '../../../shared/collect/azure/index.js';
import { createAzureClients } from '../../../shared/collect/azure/clients.js';
import { kqlFor, queryResourceGraph, ResourceGraphQuota } from '../../../shared/collect/azure/graph.js';
import { AZURE_DATASETS, RESOURCE_GRAPH } from '../../../shared/collect/azure/datasets.js';
import type { CallRecord } from '../../../shared/model/coverage.js';
import type { AzureInventory } from '../../../shared/model/inventory/azure.js';
import type { BehaviourInput } from '../../../sim/index.js';
import { collectAll, ctxFor, startAzureSim, withSource, type AzureSim } from './harness.js';

/** Collector tests through the real SDK clients against the simulator (HTTPS, generated CA). */

const PROD = '8f3c6d2e-1a4b-4c7d-8e9f-0a1b2c3d4e02';
const DENIED = '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c05';

let running: AzureSim | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function start(scenario: string, behaviour?: BehaviourInput): Promise<AzureSim> {
  running = await startAzureSim(scenario, behaviour ? { behaviour } : {});
  return running;
}

/** Each dataset sorted by resource id, so two reads of one estate compare equal. */
function normalised(inv: AzureInventory): Record<string, unknown[]> {
  const key = (r: unknown): string => {
    const o = r as { id?: string; resourceId?: string; meter?: string };
    return `${(o.id ?? o.resourceId ?? '').toLowerCase()}|${o.meter ?? ''}`;
  };
  return Object.fromEntries(Object.entries(inv).map(([k, v]) => [k, [...(v as unknown[])].sort((a, b) => key(a).localeCompare(key(b)))]));
}

function requestsBy(calls: readonly CallRecord[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of calls) out[c.api] = (out[c.api] ?? 0) + c.requests;
  // Dependent listings not attempted (their parent failed) sent nothing.
  return Object.fromEntries(Object.entries(out).filter(([, n]) => n > 0));
}

function simCalls(sim: AzureSim): Record<string, number> {
  const ops = sim.sim.counts().providers.azure.operations;
  return Object.fromEntries(Object.entries(ops).map(([op, c]) => [op, c.calls]));
}

describe('Azure collector: both paths', () => {
  it('a Resource Graph refusal part-way through relists the batch through ARM without duplicate records', async () => {
    const sim = await start('conformant', { faults: { calls: [{ kind: 'denied', operation: 'resourcegraph:resources', nth: 4 }] } });
    const partial = await collectAll(withSource(sim.config, 'resource-graph'));
    const arm = await collectAll(withSource(sim.config, 'arm'));
    expect(partial.calls.filter((c) => !c.ok)).toEqual([]);
    expect(normalised(partial.inventory.azure)).toEqual(normalised(arm.inventory.azure));
  });

  it('reads the same inventory through Resource Graph and through ARM', async () => {
    const sim = await start('hybrid-broken');
    const graph = await collectAll(withSource(sim.config, 'resource-graph'));
    const arm = await collectAll(withSource(sim.config, 'arm'));
    expect(normalised(graph.inventory.azure)).toEqual(normalised(arm.inventory.azure));
    const inv = graph.inventory.azure;
    expect(inv.clusters.map((c) => c.name).sort()).toEqual(['aks-batch-neu', 'aks-dev-weu', 'aks-legacy-neu', 'aks-ops-neu', 'aks-prod-weu']);
    expect(inv.loadBalancers).toHaveLength(1);
    expect(inv.publicIps).toHaveLength(3);
    expect(inv.bastionHosts).toHaveLength(1);
    expect(inv.firewalls[0]?.privateIpAddress).toBe('10.100.0.68');
    expect(inv.gateways[0]?.gatewayType).toBe('ExpressRoute');
    expect(inv.resolverInboundEndpoints[0]?.privateIpAddresses).toEqual(['10.100.1.4']);
    const prod = inv.clusters.find((c) => c.name === 'aks-prod-weu');
    expect(prod?.agentPools.find((p) => p.name === 'ingress')?.enableNodePublicIp).toBe(true);
    expect(prod?.privateFqdn).toMatch(/\.privatelink\.westeurope\.azmk8s\.io$/);
    const dev = inv.clusters.find((c) => c.name === 'aks-dev-weu');
    expect(dev).toMatchObject({ publicFqdnEnabled: true, virtualNodesEnabled: true, podCidrs: ['172.20.0.0/16'], servicePrincipalClientId: '3f2a1b0c-9d8e-4f7a-b6c5-d4e3f2a1b0c9' });
    // Peering cost only for spokes that use the hub's gateway, last full month.
    const costs = inv.peeringCosts.filter((c) => c.scope === `azure/subscription/${PROD}`);
    expect(costs.map((c) => [c.meter, c.quantityGb, c.cost])).toEqual(
      expect.arrayContaining([
        ['Intra-Region Egress', 36500, 365],
        ['Intra-Region Ingress', 25500, 255],
      ]),
    );
    expect(costs[0]).toMatchObject({ periodStart: '2026-10-01', periodEnd: '2026-10-31', currency: 'USD' });
  });

  it('a 403 subscription fails alone: its scope is incomplete, the others complete', async () => {
    const sim = await start('hybrid-broken');
    const variants = [withSource(sim.config, 'resource-graph'), withSource(sim.config, 'resource-graph', { subscriptionsPerQuery: 1 }), withSource(sim.config, 'arm')];
    for (const config of variants) {
      const { calls } = await collectAll(config);
      const denied = calls.filter((c) => c.scope === `azure/subscription/${DENIED}`);
      const failed = denied.filter((c) => !c.ok);
      expect(failed.length).toBeGreaterThan(0);
      // At least one call carries the 403; every other failure is a dependent listing not attempted.
      expect(failed.some((c) => c.status === 403)).toBe(true);
      expect(failed.every((c) => c.status === 403 || c.message?.includes('not attempted'))).toBe(true);
      expect(failed.filter((c) => c.status === 403).every((c) => c.message?.includes('AuthorizationFailed'))).toBe(true);
      // Every dataset of the denied subscription is accounted for as unread.
      expect(new Set(failed.map((c) => c.dataset))).toEqual(new Set(Object.keys(AZURE_DATASETS)));
      expect(calls.filter((c) => c.scope !== `azure/subscription/${DENIED}` && !c.ok)).toEqual([]);
    }
  });
});

describe('Azure collector: paging and counting', () => {
  it('follows $skipToken and nextLink pages of one item and counts every request', async () => {
    const reference = await start('hybrid-broken');
    const expected = normalised((await collectAll(withSource(reference.config, 'resource-graph'))).inventory.azure);
    await reference.stop();
    running = undefined;

    const sim = await start('hybrid-broken', { pageSize: { default: 1 } });
    for (const source of ['resource-graph', 'arm'] as const) {
      sim.sim.resetCounts();
      const { inventory, calls } = await collectAll(withSource(sim.config, source));
      expect(normalised(inventory.azure)).toEqual(expected);
      const ours = requestsBy(calls);
      const theirs = simCalls(sim);
      // Every request the simulator saw is in a CallRecord, and no more.
      expect(ours).toEqual(Object.fromEntries(Object.entries(theirs).filter(([, n]) => n > 0)));
      if (source === 'resource-graph') {
        // 12 queries, most of them several pages long, plus the refused denied batch.
        expect(ours[RESOURCE_GRAPH.api]).toBeGreaterThan(20);
      } else {
        // Three pages for the three public IPs of the production subscription, one (empty or 403) for each of the four others.
        expect(ours[AZURE_DATASETS.publicIps.paths.arm.operation.api]).toBe(3 + 4);
      }
    }
  });

  it('accepts the table result format of Resource Graph', async () => {
    const sim = await start('hybrid-broken', { pageSize: { default: 2 } });
    const azure = sim.config.clouds.azure;
    if (!azure) throw new Error('no azure config');
    const client = createAzureClients(azure).resourceGraph();
    const subscriptions = azure.subscriptions.filter((s) => s !== DENIED);
    const query = kqlFor('Resources', 'microsoft.containerservice/managedclusters');
    const table = await queryResourceGraph(client, { subscriptions, query, resultFormat: 'table' }, new ResourceGraphQuota());
    const objects = await queryResourceGraph(client, { subscriptions, query, resultFormat: 'objectArray' }, new ResourceGraphQuota());
    expect(table).toHaveLength(5);
    expect(table.map(AZURE_DATASETS.clusters.map)).toEqual(objects.map(AZURE_DATASETS.clusters.map));
  });
});

describe('Azure collector: throttling and faults', () => {
  it('retries ARM 429s after Retry-After (SDK policy) and counts the retries', async () => {
    const sim = await start('conformant', { throttle: { enabled: true, arm: { bucket: 4, refillPerSecond: 4 } } });
    const { inventory, calls } = await collectAll(withSource(sim.config, 'arm'));
    expect(calls.filter((c) => !c.ok)).toEqual([]);
    expect(inventory.azure.clusters).toHaveLength(2);
    const counts = sim.sim.counts().providers.azure.operations;
    const throttled = Object.values(counts).reduce((n, c) => n + c.throttled, 0);
    expect(throttled).toBeGreaterThan(0);
    expect(requestsBy(calls)).toEqual(Object.fromEntries(Object.entries(simCalls(sim)).filter(([, n]) => n > 0)));
  });

  it('waits for the Resource Graph quota to reset instead of running into 429s', async () => {
    const sim = await start('conformant', { throttle: { enabled: true, resourceGraph: { quota: 5, windowSeconds: 1 } } });
    const { inventory, calls } = await collectAll(withSource(sim.config, 'resource-graph'));
    expect(calls.filter((c) => !c.ok)).toEqual([]);
    expect(inventory.azure.virtualNetworks).toHaveLength(3);
    const graph = sim.sim.counts().providers.azure.operations[RESOURCE_GRAPH.api];
    expect(graph?.calls).toBe(12);
    expect(graph?.throttled).toBe(0);
  });

  it("retries Resource Graph 429s after Retry-After when another process spent the quota (the 5.x client's own throttling policy)", async () => {
    const sim = await start('conformant', { throttle: { enabled: true, resourceGraph: { quota: 5, windowSeconds: 1 } } });
    const config = withSource(sim.config, 'resource-graph');
    const defaults = config.clouds.azure?.concurrency;
    if (!defaults) throw new Error('no azure config');
    // Another process with the same principal: other limits give it its own runtime, so its own view of the quota.
    const other = withSource(sim.config, 'resource-graph', { concurrency: { ...defaults, resourceGraph: defaults.resourceGraph + 1 } });
    const results = await Promise.all([collectAll(config), collectAll(other)]);
    for (const { inventory, calls } of results) {
      expect(calls.filter((c) => !c.ok)).toEqual([]);
      expect(inventory.azure.virtualNetworks).toHaveLength(3);
    }
    const graph = sim.sim.counts().providers.azure.operations[RESOURCE_GRAPH.api];
    expect(graph?.throttled).toBeGreaterThan(0);
    // No hand-written retry loop is left: the retries counted are the SDK pipeline's.
    const retried = results.flatMap((r) => r.calls).filter((c) => c.api === RESOURCE_GRAPH.api && (c.retries ?? 0) > 0);
    expect(retried.length).toBeGreaterThan(0);
    expect(requestsBy(results.flatMap((r) => r.calls))[RESOURCE_GRAPH.api]).toBe(graph?.calls);
  });

  it('retries Cost Management 429s on its nextLink pages and keeps every row', async () => {
    const sim = await start('conformant', {
      pageSize: { default: 100, operations: { 'costmanagement:query': 1 } },
      throttle: { enabled: true, costManagement: { quota: 1, windowSeconds: 1 }, resourceGraph: { quota: 1000, windowSeconds: 5 } },
    });
    const { inventory, calls } = await collectAll(withSource(sim.config, 'resource-graph'));
    expect(calls.filter((c) => !c.ok)).toEqual([]);
    expect(inventory.azure.peeringCosts).toHaveLength(4);
    const cost = sim.sim.counts().providers.azure.operations['costmanagement:query'];
    expect(cost?.throttled).toBeGreaterThan(0);
    expect(requestsBy(calls)['costmanagement:query']).toBe(cost?.calls);
  });

  it('a malformed ARM page fails that dataset in that subscription only', async () => {
    const sim = await start('hybrid-broken', { faults: { calls: [{ kind: 'malformed', operation: 'arm:loadBalancers.listAll', bucket: PROD, nth: 1 }] } });
    const { inventory, calls } = await collectAll(withSource(sim.config, 'arm'));
    const failed = calls.filter((c) => !c.ok && c.scope !== `azure/subscription/${DENIED}`);
    expect(failed.map((c) => [c.api, c.scope, c.dataset])).toEqual([['arm:loadBalancers.listAll', `azure/subscription/${PROD}`, 'loadBalancers']]);
    expect(failed[0]?.message).toContain(PROD);
    expect(inventory.azure.loadBalancers).toEqual([]);
    expect(inventory.azure.publicIps).toHaveLength(3);
  });

  it('a malformed Resource Graph page fails that dataset for the batch, not the run', async () => {
    const sim = await start('conformant', { faults: { calls: [{ kind: 'malformed', operation: 'resourcegraph:resources', nth: 1 }] } });
    const { inventory, calls } = await collectAll(withSource(sim.config, 'resource-graph'));
    const failed = calls.filter((c) => !c.ok);
    // The first query is the VNets' (the cost queries need them first).
    expect(failed.map((c) => c.dataset)).toEqual(['virtualNetworks', 'virtualNetworks', 'virtualNetworks']);
    expect(new Set(failed.map((c) => c.scope)).size).toBe(3);
    expect(inventory.azure.virtualNetworks).toEqual([]);
    expect(inventory.azure.clusters).toHaveLength(2);
  });

  it('a 500 that persists beyond the SDK retries is a failed call with its status', async () => {
    const sim = await start('conformant', { faults: { calls: [{ kind: 'server-error', operation: 'arm:registries.list', bucket: PROD }] } });
    const { calls } = await collectAll(withSource(sim.config, 'arm'));
    const failed = calls.filter((c) => !c.ok);
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ api: 'arm:registries.list', status: 500, dataset: 'registries', scope: `azure/subscription/${PROD}` });
    // The first attempt and the SDK's retries.
    expect(failed[0]?.requests).toBeGreaterThan(1);
  });
});

describe('Azure collector: planning', () => {
  it('expands management groups through Resource Graph ResourceContainers', async () => {
    const sim = await start('hybrid-broken');
    const config = withSource(sim.config, 'resource-graph', { subscriptions: [], managementGroups: ['mg-landingzones'] });
    const plan = await azureCollector.plan(ctxFor(config));
    expect(plan.calls.every((c) => c.ok)).toBe(true);
    expect(plan.scopes.map((s) => s.id).sort()).toEqual(['2d4e6f80-9a1b-4c3d-8e5f-6a7b8c9d0e03', '4a6c8e0f-2b3d-4f5a-9b7c-1d2e3f4a5b04', PROD, DENIED].sort());
    expect(azureCollector.shardSize(ctxFor(config))).toBe(config.clouds.azure?.subscriptionsPerQuery);
    expect(azureCollector.shardSize(ctxFor(withSource(config, 'arm')))).toBe(1);
  });
});

describe('Resource Graph paging guards', () => {
  it('refuses a truncated result that gives no $skipToken', async () => {
    // A client double: the simulator never truncates, real Resource Graph does for some queries.
    const client = { resources: () => Promise.resolve({ totalRecords: 1500, count: 1000, resultTruncated: 'true', data: [] }) } as unknown as Parameters<typeof queryResourceGraph>[0];
    await expect(queryResourceGraph(client, { subscriptions: [PROD], query: 'Resources' }, new ResourceGraphQuota())).rejects.toThrow(/truncated/);
  });

  it('reads the quota headers and waits only when the quota is spent', async () => {
    const quota = new ResourceGraphQuota();
    quota.update({ 'x-ms-user-quota-remaining': '3', 'x-ms-user-quota-resets-after': '00:00:05' });
    await quota.wait();
    expect(quota.waits).toBe(0);
    quota.update({ 'x-ms-user-quota-remaining': '0', 'x-ms-user-quota-resets-after': '00:00:00.2' });
    await quota.wait();
    expect(quota.waits).toBe(1);
  });

  it('counts requests still in flight against the remaining quota an answer reports (they may reach the service after it)', async () => {
    let now = 0;
    const slept: number[] = [];
    const quota = new ResourceGraphQuota({ now: () => now, sleep: (ms) => (slept.push(ms), (now += ms), Promise.resolve()) });
    // After a reset the quota is unknown: three requests go out before any answer.
    for (let i = 0; i < 3; i++) {
      await quota.wait();
      quota.sending();
    }
    // The first answer was counted alone (4 of 5 left); the two others are still on their way.
    quota.update({ 'x-ms-user-quota-remaining': '4', 'x-ms-user-quota-resets-after': '00:00:05' });
    quota.answered();
    await quota.wait();
    await quota.wait();
    expect(slept).toEqual([]);
    // A third request in this window would be the sixth: it waits for the reset.
    await quota.wait();
    expect(slept).toEqual([5000]);
  });

  it('leaves no abort listener behind after a quota wait, and rejects at once when the run is already aborted', async () => {
    const quota = new ResourceGraphQuota();
    const controller = new AbortController();
    for (let i = 0; i < 3; i++) {
      quota.throttled({ 'retry-after': '0.02' });
      await quota.wait(controller.signal);
    }
    expect(quota.waits).toBe(3);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    quota.throttled({ 'retry-after': '60' });
    controller.abort();
    // Settled before the event loop turns once (no clock read): a 60 s wait was not started.
    const wait = quota.wait(controller.signal);
    const outcome = await Promise.race([
      wait.then(
        () => 'resolved',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      ),
      new Promise<string>((r) => {
        setImmediate(() => {
          r('still pending');
        });
      }),
    ]);
    expect(outcome).toMatch(/aborted while waiting/);
    await expect(wait).rejects.toThrow(/aborted while waiting/);
  });
});
