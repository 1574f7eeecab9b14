import { afterEach, describe, expect, it } from 'vitest';
import { hubPeeringsOf } from '../../../shared/util/hub-spoke.js';
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
