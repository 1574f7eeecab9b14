/**
 * Azure rule evaluation is linear in the estate: on a generated inventory, the number of passes
 * over each whole inventory list (and over the coverage scopes) does not grow with the estate, so
 * every join goes through an index built once per evaluation. Counts passes, never time.
 */
import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import type { ScopeCoverage } from '../../../shared/model/coverage.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import type { AzureInventory } from '../../../shared/model/inventory/azure.js';
import { azureRules } from '../../../shared/rules/azure/index.js';
import { evaluateRules, unfilledPlaceholders } from '../../../shared/rules/kit.js';
import { buildInventory } from '../../helpers/rule-tester.js';
import { aRecord, bastion, cluster, lb, link, nodeRgOf, peering, peeringCost, pool, publicIp, readable, registry, resolverEndpoint, subnetId, systemZone, unreadable, vnet, zone } from './builders.js';

const HUB_SUB = '0a0a0a0a-0000-4000-8000-000000000000';
const subOf = (i: number): string => `0a0a0a0a-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;

/** Methods that walk a whole array; a pass is one call of any of them (or one iteration). */
const WALKS = new Set(['map', 'filter', 'find', 'findIndex', 'findLast', 'some', 'every', 'forEach', 'reduce', 'flatMap', 'includes', 'indexOf', 'slice', 'concat', 'entries', 'values', 'keys', 'sort', 'join']);

function counted<T>(name: string, list: T[], passes: Map<string, number>): T[] {
  return new Proxy(list, {
    get(target, key, receiver) {
      if (key === Symbol.iterator || (typeof key === 'string' && WALKS.has(key))) passes.set(name, (passes.get(name) ?? 0) + 1);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

interface Estate {
  azure: AzureInventory;
  scopes: ScopeCoverage[];
}

/** n spokes, one cluster each, with every Azure failure spread over them, around one hub. */
function estate(n: number): Estate {
  const hub = vnet('vnet-hub', ['10.0.0.0/22'], { rg: 'rg-hub', sub: HUB_SUB });
  const shared = zone('privatelink.westeurope.azmk8s.io', { rg: 'rg-dns', sub: HUB_SUB });
  const inv = buildInventory().azure;
  inv.firewalls.push({ ...bastion('afw-hub', { rg: 'rg-hub', sub: HUB_SUB }), id: hub.id.replace('virtualNetworks/vnet-hub', 'azureFirewalls/afw-hub'), virtualNetworkId: hub.id, privateIpAddress: '10.0.0.68' });
  inv.resolverInboundEndpoints.push(resolverEndpoint('in', hub, ['10.0.1.4'], { sub: HUB_SUB }));
  inv.privateDnsZones.push(shared);
  inv.privateDnsLinks.push(link(shared, hub));
  const hubPeerings = [];
  for (let i = 0; i < n; i++) {
    const sub = subOf(i);
    const name = `aks${i}`;
    // Every seventh spoke overlaps on-prem 10.10.0.0/16.
    const spokeBase = vnet(`vnet-spoke${i}`, [i % 7 === 0 ? `10.10.${i % 256}.0/24` : `10.${20 + Math.floor(i / 256)}.${i % 256}.0/24`], { rg: 'rg-net', sub });
    const spoke = { ...spokeBase, subnets: [{ id: subnetId('rg-net', spokeBase.name, 'snet-aks', sub), name: 'snet-aks', addressPrefixes: spokeBase.addressPrefixes }], peerings: [peering(spokeBase, hub, { useRemoteGateways: true })] };
    hubPeerings.push(peering(hub, spokeBase, { allowGatewayTransit: true }));
    const byo = i % 2 === 1;
    const c = cluster(name, {
      sub,
      privateCluster: i % 11 !== 0,
      ...(byo ? { privateDnsZone: shared.id, privateFqdn: `${name}-1a2b3c4d.privatelink.westeurope.azmk8s.io` } : {}),
      publicFqdnEnabled: i % 5 === 0,
      outboundType: i % 3 === 0 ? 'loadBalancer' : 'userDefinedRouting',
      networkPolicy: i % 4 === 0 ? 'none' : 'azure',
      virtualNodesEnabled: i % 6 === 0,
      ...(i % 8 === 0 ? { servicePrincipalClientId: `sp-${i}`, identityType: undefined } : {}),
      agentPools: [pool('system', { vnetSubnetId: spoke.subnets[0]?.id, enableNodePublicIp: i % 9 === 0 })],
    });
    inv.clusters.push(c);
    inv.virtualNetworks.push(spoke);
    if (byo) {
      inv.privateDnsLinks.push(...(i % 3 === 0 ? [] : [link(shared, spoke)]));
      if (i % 5 !== 0) inv.privateDnsRecords.push(aRecord(shared, `${name}-1a2b3c4d`));
    } else if (i % 10 !== 2) {
      // Some system zones were deleted; the others are linked to their spoke only (no DNS path from on-prem).
      const z = systemZone(c);
      inv.privateDnsZones.push(z);
      inv.privateDnsLinks.push(link(z, spoke));
      if (i % 4 !== 2) inv.privateDnsRecords.push(aRecord(z, `${name}-1a2b3c4d`));
    }
    const nodeRg = nodeRgOf(name);
    const serviceIp = { ...publicIp(`kubernetes-${i}`, { rg: nodeRg, sub, ipAddress: `20.1.${i % 256}.${i % 200}` }), tags: { 'k8s-azure-service': `team${i}/web` } };
    const outIp = publicIp(`outbound-${i}`, { rg: nodeRg, sub, ipAddress: `20.2.${i % 256}.${i % 200}` });
    const kubeLb = lb('kubernetes', { rg: nodeRg, sub, frontends: [{ name: 'fe-web', publicIp: serviceIp }, { name: 'fe-out', publicIp: outIp }], rules: { 'web-TCP-443': ['fe-web'] }, outboundRules: { aksOutboundRule: ['fe-out'] } });
    inv.loadBalancers.push(kubeLb);
    inv.publicIps.push({ ...serviceIp, ipConfigurationId: kubeLb.frontends[0]?.id ?? '' }, { ...outIp, ipConfigurationId: kubeLb.frontends[1]?.id ?? '' });
    inv.registries.push(registry(`acr${i}`, { sub, sku: i % 2 === 0 ? 'Standard' : 'Premium', publicNetworkAccess: 'Enabled', privateEndpointConnections: 0 }));
    if (i % 10 === 0) inv.bastionHosts.push(bastion(`bas${i}`, { sub, sku: ['Basic', 'Standard', 'Premium', 'Developer'][i % 4] ?? 'Basic' }));
    inv.peeringCosts.push(peeringCost(spoke, 'Intra-Region Egress', 40_000, i % 2 === 0 ? 400 : 20));
  }
  inv.virtualNetworks.push({ ...hub, peerings: hubPeerings });
  const scopes = [readable(HUB_SUB), ...inv.clusters.map((c, i) => (i % 13 === 12 ? unreadable(['privateDnsRecords', 'virtualNetworks'], c.subscriptionId) : readable(c.subscriptionId)))];
  return { azure: inv, scopes };
}

function evaluate(n: number): { passes: Map<string, number>; findings: number; rules: Set<string>; remediations: { id: string; text: string }[] } {
  const passes = new Map<string, number>();
  const { azure, scopes } = estate(n);
  const inventory = buildInventory();
  for (const key of Object.keys(azure) as (keyof AzureInventory)[]) {
    (inventory.azure as unknown as Record<string, unknown[]>)[key] = counted(`azure.${key}`, azure[key] as unknown[], passes);
  }
  const coverage = { ...emptyCoverage(), scopes: counted('coverage.scopes', scopes, passes) };
  const config = configSchema.parse({
    onPrem: { ranges: ['10.10.0.0/16'] },
    clouds: { azure: { hubVnets: [azure.virtualNetworks.at(-1)?.id ?? ''], resolverVnets: [azure.virtualNetworks.at(-1)?.id ?? ''], dnsForwarders: ['10.0.1.10'] } },
  });
  const out = evaluateRules(azureRules, { inventory, coverage, config, now: new Date('2026-11-22T06:00:00Z') });
  return { passes, findings: out.findings.length, rules: new Set(out.findings.map((f) => f.ruleId)), remediations: out.findings.map((f) => ({ id: f.resource.id, text: f.remediation })) };
}

describe('Azure rule evaluation is linear', () => {
  const small = evaluate(40);
  const large = evaluate(400);

  it('exercises every Azure rule on the generated estate', () => {
    expect([...small.rules].sort()).toEqual(azureRules.map((r) => r.meta.id).sort());
    expect(large.findings).toBeGreaterThan(small.findings * 5);
  });

  it('gives every finding a remediation with its own names filled in', () => {
    for (const r of small.remediations) {
      expect(unfilledPlaceholders(r.text), r.text).toEqual([]);
      // The resource's own subscription appears in the commands (the hub's for hub resources).
      expect(r.text, r.id).toContain(r.id.split('/')[2] ?? '');
    }
  });

  it('passes over each whole list the same number of times at N and 10N', () => {
    expect(small.passes.size).toBeGreaterThan(5);
    expect(Object.fromEntries(large.passes)).toEqual(Object.fromEntries(small.passes));
  });
});
