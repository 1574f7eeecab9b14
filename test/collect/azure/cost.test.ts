import { afterEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../shared/model/coverage.js';
import type { PeeringCostRecord } from '../../../shared/model/inventory/azure.js';
import { hubPeeringsOf } from '../../../shared/util/hub-spoke.js';
import { parseConfigText } from '../../../shared/config/load.js';
import { configSchema } from '../../../shared/config/schema.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import rule from '../../../shared/rules/azure/hub-peering-cost.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { loadScenario, type Scenario } from '../../../sim/index.js';
import { buildInventory } from '../../helpers/rule-tester.js';
import { peering, peeringCost, vnet } from '../../rules/azure/builders.js';
import { collectAll, startAzureSim, withSource, type AzureSim } from './harness.js';

/** Cost Management is read for exactly the spokes azure/hub-peering-cost judges. */

const HUB_ID = '/subscriptions/5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01/resourceGroups/rg-hub-weu/providers/Microsoft.Network/virtualNetworks/vnet-hub-weu';
const LEGACY = '4a6c8e0f-2b3d-4f5a-9b7c-1d2e3f4a5b04';
const LEGACY_VNET = `/subscriptions/${LEGACY}/resourceGroups/rg-aks-legacy-neu/providers/Microsoft.Network/virtualNetworks/vnet-aks-legacy-neu`;

let running: AzureSim | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/**
 * hybrid-broken with peering charges billed to the legacy spoke, which is peered to the configured
 * hub (clouds.azure.hubVnets) without useRemoteGateways.
 */
async function legacyWithCosts(): Promise<Scenario> {
  const scenario = structuredClone(await loadScenario('hybrid-broken'));
  const legacy = scenario.azure?.subscriptions.find((s) => s.id === LEGACY);
  if (!legacy) throw new Error('hybrid-broken has no legacy subscription');
  const peerings = legacy.resourceGroups.flatMap((rg) => rg.vnets).flatMap((v) => v.peerings);
  expect(peerings.map((p) => p.useRemoteGateways)).toEqual([false]);
  legacy.peeringCosts = [
    { vnet: 'rg-aks-legacy-neu/vnet-aks-legacy-neu', meter: 'Inter-Region Egress', quantityGb: 12000 },
    { vnet: 'rg-aks-legacy-neu/vnet-aks-legacy-neu', meter: 'Inter-Region Ingress', quantityGb: 8000 },
  ];
  return scenario;
}

describe('Azure collector: peering cost of spokes', () => {
  for (const source of ['resource-graph', 'arm'] as const) {
    it(`reads the cost of a spoke peered to a configured hub without useRemoteGateways (${source})`, async () => {
      running = await startAzureSim(await legacyWithCosts());
      expect(running.config.clouds.azure?.hubVnets).toEqual([HUB_ID]);
      const { inventory, calls } = await collectAll(withSource(running.config, source));
      const legacy = inventory.azure.peeringCosts.filter((c) => c.scope === `azure/subscription/${LEGACY}`);
      expect(legacy.map((c) => [c.resourceId.toLowerCase(), c.meter, c.quantityGb]).sort()).toEqual([
        [LEGACY_VNET.toLowerCase(), 'Inter-Region Egress', 12000],
        [LEGACY_VNET.toLowerCase(), 'Inter-Region Ingress', 8000],
      ]);
      expect(calls.filter((c) => c.dataset === 'peeringCosts' && c.scope === `azure/subscription/${LEGACY}`).map((c) => c.ok)).toEqual([true]);
    });
  }

  it('does not query the subscription when no hub is configured (the peering alone does not make a spoke)', async () => {
    running = await startAzureSim(await legacyWithCosts(), { azure: { hubVnets: [] } });
    const { inventory, calls } = await collectAll(withSource(running.config, 'resource-graph'));
    expect(inventory.azure.peeringCosts.filter((c) => c.scope === `azure/subscription/${LEGACY}`)).toEqual([]);
    expect(calls.filter((c) => c.dataset === 'peeringCosts' && c.scope === `azure/subscription/${LEGACY}`)).toEqual([]);
    // The useRemoteGateways spokes are still read.
    expect(inventory.azure.peeringCosts.length).toBeGreaterThan(0);
  });
});

/** The records as comparable tuples, sorted. */
const tuples = (records: readonly PeeringCostRecord[]): unknown[] => records.map((c) => [c.scope, c.resourceId.toLowerCase(), c.meter, c.quantityGb, c.cost, c.currency]).sort();
const costCalls = (calls: readonly CallRecord[]): CallRecord[] => calls.filter((c) => c.dataset === 'peeringCosts');
const MANAGEMENT_GROUPS = { subscriptions: [], managementGroups: ['mg-platform', 'mg-landingzones'] };

describe('Azure collector: peering cost at management group and billing scope', () => {
  it('reads every spoke in one query per management group, nextLink pages included, with the records one query per subscription gives', async () => {
    running = await startAzureSim(await legacyWithCosts(), { behaviour: { pageSize: { operations: { 'costmanagement:query': 1 } } } });
    const alone = await collectAll(withSource(running.config, 'resource-graph', { ...MANAGEMENT_GROUPS, costScope: 'subscriptions' }));
    const perSubscription = costCalls(alone.calls);
    expect(perSubscription.length).toBeGreaterThan(1);
    expect(perSubscription.every((c) => c.ok && c.scope.startsWith('azure/subscription/'))).toBe(true);
    running.sim.resetCounts();

    const grouped = await collectAll(withSource(running.config, 'resource-graph', MANAGEMENT_GROUPS));
    expect(tuples(grouped.inventory.azure.peeringCosts)).toEqual(tuples(alone.inventory.azure.peeringCosts));
    expect(grouped.inventory.azure.peeringCosts.length).toBeGreaterThan(2);
    const calls = costCalls(grouped.calls);
    expect(calls.map((c) => [c.scope, c.ok]).sort()).toEqual([
      ['azure/management-group/mg-landingzones', true],
      ['azure/management-group/mg-platform', true],
    ]);
    // One row per page: the landing zones' query followed its nextLinks for every row.
    const landing = calls.find((c) => c.scope === 'azure/management-group/mg-landingzones');
    expect(landing?.requests).toBe(grouped.inventory.azure.peeringCosts.length);
    expect(running.sim.counts().providers.azure.operations['costmanagement:query']?.calls).toBe(calls.reduce((n, c) => n + c.requests, 0));
  });

  it('asks a spoke alone when its management group answered no row for it (a management group leaves out MCA subscriptions without an error)', async () => {
    const scenario = await legacyWithCosts();
    const legacy = scenario.azure?.subscriptions.find((s) => s.id === LEGACY);
    if (!legacy) throw new Error('no legacy subscription');
    legacy.peeringCosts = [];
    running = await startAzureSim(scenario);
    const { inventory, calls } = await collectAll(withSource(running.config, 'resource-graph', MANAGEMENT_GROUPS));
    const alone = costCalls(calls).filter((c) => c.scope.startsWith('azure/subscription/'));
    expect(alone.map((c) => [c.scope, c.ok])).toEqual([[`azure/subscription/${LEGACY}`, true]]);
    expect(inventory.azure.peeringCosts.filter((c) => c.scope === `azure/subscription/${LEGACY}`)).toEqual([]);
  });

  it('retries the scope query’s 429s (Cost Management retry headers) and keeps every row', async () => {
    running = await startAzureSim(await legacyWithCosts(), {
      behaviour: { pageSize: { operations: { 'costmanagement:query': 1 } }, throttle: { enabled: true, costManagement: { quota: 1, windowSeconds: 1 }, resourceGraph: { quota: 100_000, windowSeconds: 5 } } },
    });
    const { inventory, calls } = await collectAll(withSource(running.config, 'resource-graph', MANAGEMENT_GROUPS));
    const cost = running.sim.counts().providers.azure.operations['costmanagement:query'];
    expect(cost?.throttled).toBeGreaterThan(0);
    expect(costCalls(calls).every((c) => c.ok && c.scope.startsWith('azure/management-group/'))).toBe(true);
    expect(costCalls(calls).reduce((n, c) => n + (c.retries ?? 0), 0)).toBeGreaterThan(0);
    expect(inventory.azure.peeringCosts.filter((c) => c.scope === `azure/subscription/${LEGACY}`)).toHaveLength(2);
  }, 60_000);

  it('falls back to one query per subscription when the account type refuses management group scope (MCA), with the same records', async () => {
    const scenario = await legacyWithCosts();
    if (!scenario.azure) throw new Error('no azure estate');
    const expected = await (async () => {
      running = await startAzureSim(scenario);
      const r = await collectAll(withSource(running.config, 'resource-graph', { ...MANAGEMENT_GROUPS, costScope: 'subscriptions' }));
      await running.stop();
      return r;
    })();
    scenario.azure.billing = { agreement: 'MicrosoftCustomerAgreement', accountId: 'mca-1', profiles: ['bp-1'] };
    running = await startAzureSim(scenario);
    const { inventory, calls } = await collectAll(withSource(running.config, 'resource-graph', MANAGEMENT_GROUPS));
    expect(tuples(inventory.azure.peeringCosts)).toEqual(tuples(expected.inventory.azure.peeringCosts));
    const refusals = costCalls(calls).filter((c) => c.scope.startsWith('azure/management-group/'));
    expect(refusals.length).toBe(2);
    // Kept on record (they cost requests) without failing a scope: each subscription's own query decides.
    for (const r of refusals) expect(r).toMatchObject({ ok: true, status: 400, errorKind: 'client', message: expect.stringContaining('queried per subscription instead') as string });
    const alone = costCalls(calls).filter((c) => c.scope.startsWith('azure/subscription/'));
    expect(alone.map((c) => c.scope).sort()).toEqual(costCalls(expected.calls).map((c) => c.scope).sort());
    expect(alone.every((c) => c.ok)).toBe(true);

    // The MCA billing profile answers for every subscription in one query.
    running.sim.resetCounts();
    const billed = await collectAll(withSource(running.config, 'resource-graph', { ...MANAGEMENT_GROUPS, costScope: '/providers/Microsoft.Billing/billingAccounts/mca-1/billingProfiles/bp-1' }));
    expect(tuples(billed.inventory.azure.peeringCosts)).toEqual(tuples(expected.inventory.azure.peeringCosts));
    expect(costCalls(billed.calls).map((c) => [c.scope, c.ok])).toEqual([['azure/billing/mca-1/billingprofiles/bp-1', true]]);
  });

  it('a failing scope query falls back, and a failing fallback is a coverage gap for that subscription’s peeringCosts', async () => {
    running = await startAzureSim(await legacyWithCosts(), {
      behaviour: { faults: { calls: [{ kind: 'server-error', operation: 'costmanagement:query', bucket: 'mg:mg-landingzones' }, { kind: 'server-error', operation: 'costmanagement:query', bucket: LEGACY }] } },
    });
    const { inventory, calls } = await collectAll(withSource(running.config, 'resource-graph', MANAGEMENT_GROUPS));
    const failed = costCalls(calls).filter((c) => !c.ok);
    expect(failed.map((c) => [c.scope, c.dataset, c.errorKind])).toEqual([[`azure/subscription/${LEGACY}`, 'peeringCosts', 'server']]);
    expect(inventory.azure.peeringCosts.filter((c) => c.scope === `azure/subscription/${LEGACY}`)).toEqual([]);
    // The other spokes were read alone after the management group failed.
    const alone = costCalls(calls).filter((c) => c.ok && c.scope.startsWith('azure/subscription/'));
    expect(alone.length).toBeGreaterThan(0);
    const read = new Set(alone.map((c) => c.scope));
    expect(inventory.azure.peeringCosts.length).toBeGreaterThan(0);
    expect(inventory.azure.peeringCosts.filter((c) => !read.has(c.scope))).toEqual([]);
  }, 60_000);
});

describe('clouds.azure.costScope', () => {
  it('takes management-groups (default), subscriptions or a billing account / profile, and says what else it expected', () => {
    expect(configSchema.parse({ clouds: { azure: {} } }).clouds.azure?.costScope).toBe('management-groups');
    for (const ok of ['subscriptions', '/providers/Microsoft.Billing/billingAccounts/8611537', '/providers/Microsoft.Billing/billingAccounts/a:b_2019-05-31/billingProfiles/BP-1']) {
      expect(configSchema.parse({ clouds: { azure: { costScope: ok } } }).clouds.azure?.costScope).toBe(ok);
    }
    let caught: unknown;
    try {
      parseConfigText('clouds:\n  azure:\n    costScope: /providers/Microsoft.Management/managementGroups/mg\n', 'airlock.yaml');
    } catch (err) {
      caught = err;
    }
    expect(String(caught)).toContain(
      'clouds.azure.costScope: expected management-groups, subscriptions, or a billing scope such as /providers/Microsoft.Billing/billingAccounts/<id> or /providers/Microsoft.Billing/billingAccounts/<id>/billingProfiles/<id>, got "/providers/Microsoft.Management/managementGroups/mg"',
    );
  });
});

describe('hubPeeringsOf (shared by the cost collector) agrees with azure/hub-peering-cost', () => {
  const hub = vnet('vnet-hub', ['10.0.0.0/22'], { rg: 'rg-hub' });
  const base = vnet('vnet-a', ['10.20.0.0/16']);
  const other = vnet('vnet-b', ['10.30.0.0/16'], { rg: 'rg-b' });
  const cases = [
    { name: 'useRemoteGateways', v: { ...base, peerings: [peering(base, hub, { useRemoteGateways: true })] }, hubs: [] },
    { name: 'peered to a configured hub', v: { ...base, peerings: [peering(base, hub)] }, hubs: [hub.id] },
    { name: 'peered to a configured hub, id in another case', v: { ...base, peerings: [peering(base, hub)] }, hubs: [hub.id.toUpperCase()] },
    { name: 'peered to a VNet that is not a configured hub', v: { ...base, peerings: [peering(base, other)] }, hubs: [hub.id] },
    { name: 'no peerings', v: base, hubs: [hub.id] },
    { name: 'a configured hub itself', v: { ...hub, peerings: [peering(hub, base, { allowGatewayTransit: true })] }, hubs: [hub.id] },
    { name: 'a configured hub using another hub’s gateways', v: { ...hub, peerings: [peering(hub, other, { useRemoteGateways: true })] }, hubs: [hub.id] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      // Charges far above a gateway's price: the rule fires exactly when it treats the VNet as a spoke.
      const out = evaluateRules([rule], {
        inventory: buildInventory({ azure: { virtualNetworks: [c.v], peeringCosts: [peeringCost(c.v, 'Intra-Region Egress', 90000, 900)] } }),
        coverage: emptyCoverage(),
        config: configSchema.parse({ clouds: { azure: { hubVnets: c.hubs } } }),
        now: new Date('2026-11-22T06:00:00Z'),
      });
      const ruleSaysSpoke = out.findings.some((f) => f.ruleId === rule.meta.id);
      expect(hubPeeringsOf(c.v, c.hubs).length > 0).toBe(ruleSaysSpoke);
    });
  }
});
