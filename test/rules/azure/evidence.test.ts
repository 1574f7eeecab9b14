import { describe, expect, it } from 'vitest';
import { configSchema, type AirlockConfigInput } from '../../../shared/config/schema.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import { azureRules } from '../../../shared/rules/azure/index.js';
import { evaluateRules, type Rule } from '../../../shared/rules/kit.js';
import { buildInventory, type InventoryInput } from '../../helpers/rule-tester.js';
import { cluster, lb, peering, pool, publicIp, vnet } from './builders.js';

function findingsOf(ruleId: string, inventory: InventoryInput, config: AirlockConfigInput = {}) {
  const rule = azureRules.find((r) => r.meta.id === ruleId) as Rule;
  return evaluateRules([rule], { inventory: buildInventory(inventory), coverage: emptyCoverage(), config: configSchema.parse(config), now: new Date('2026-11-22T06:00:00Z') }).findings;
}

// Drift compares evidence and identifies findings by fingerprint: both must hold what the finding rests on.
describe('azure finding evidence and identity', () => {
  it('lb-public-frontend: one finding per frontend, evidence names frontend, IP and inbound rules', () => {
    const ip1 = publicIp('svc-1', { ipAddress: '20.1.2.3' });
    const ip2 = publicIp('svc-2', { ipAddress: '20.1.2.4' });
    const findings = findingsOf('azure/lb-public-frontend', {
      azure: {
        clusters: [cluster('aks1')],
        publicIps: [ip1, ip2],
        loadBalancers: [lb('kubernetes', { frontends: [{ name: 'fe1', publicIp: ip1 }, { name: 'fe2', publicIp: ip2 }], rules: { r1: ['fe1'], r2: ['fe2'] }, natRules: { n1: ['fe2'] } })],
      },
    });
    expect(findings.map((f) => [f.discriminator, f.evidence])).toEqual([
      ['fe1', { frontend: 'fe1', publicIp: '20.1.2.3', inboundRules: ['r1'] }],
      ['fe2', { frontend: 'fe2', publicIp: '20.1.2.4', inboundRules: ['n1', 'r2'] }],
    ]);
    expect(new Set(findings.map((f) => f.fingerprint)).size).toBe(2);
  });

  it('aks-egress-bypass: evidence is the outbound type', () => {
    expect(findingsOf('azure/aks-egress-bypass', { azure: { clusters: [cluster('a', { outboundType: 'loadBalancer' })] } })[0]?.evidence).toEqual({ outboundType: 'loadBalancer' });
    expect(findingsOf('azure/aks-egress-bypass', { azure: { clusters: [cluster('b', { outboundType: undefined })] } })[0]?.evidence).toEqual({ outboundType: 'loadBalancer', defaulted: true });
  });

  it('aks-node-public-ip: the pool is the discriminator', () => {
    const findings = findingsOf('azure/aks-node-public-ip', { azure: { clusters: [cluster('a', { agentPools: [pool('p1', { enableNodePublicIp: true }), pool('p2', { enableNodePublicIp: true })] })] } });
    expect(findings.map((f) => f.discriminator)).toEqual(['p1', 'p2']);
    expect(findings[0]?.fingerprint).not.toBe(findings[1]?.fingerprint);
  });

  it('address-overlap: the two ranges are the discriminator, stable whichever peering direction is read', () => {
    const a = vnet('vnet-a', ['10.1.0.0/16']);
    const b = vnet('vnet-b', ['10.1.128.0/20']);
    const oneWay = findingsOf('azure/address-overlap', { azure: { virtualNetworks: [{ ...b, peerings: [peering(b, a)] }, a] } });
    const otherWay = findingsOf('azure/address-overlap', { azure: { virtualNetworks: [{ ...a, peerings: [peering(a, b)] }, b] } });
    expect(oneWay.map((f) => [f.resource.name, f.discriminator])).toEqual([['vnet-a', '10.1.0.0/16 10.1.128.0/20']]);
    expect(otherWay.map((f) => f.fingerprint)).toEqual(oneWay.map((f) => f.fingerprint));
    expect(oneWay[0]?.evidence).toEqual({
      ranges: [
        { kind: 'vnet', source: 'VNet `vnet-a` prefix', range: '10.1.0.0/16' },
        { kind: 'peered-vnet', source: 'peered VNet `vnet-b`', range: '10.1.128.0/20' },
      ],
    });
  });

  it('public-ip-in-node-rg: evidence says attached or orphaned and to what', () => {
    const fe = '/subscriptions/x/resourceGroups/y/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/fe';
    const findings = findingsOf('azure/public-ip-in-node-rg', { azure: { clusters: [cluster('aks1')], publicIps: [publicIp('a', { ipAddress: '20.0.0.1', ipConfigurationId: fe }), publicIp('b')] } });
    expect(findings.map((f) => f.evidence)).toEqual([
      { ipAddress: '20.0.0.1', attached: true, ipConfigurationId: fe },
      { ipAddress: null, attached: false, ipConfigurationId: null },
    ]);
  });
});
