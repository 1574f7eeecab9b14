import { describe, expect, it } from 'vitest';
import rule from '../../../shared/rules/azure/address-overlap.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { evaluate, expectFreeSuggestions, suggestedRange } from '../suggestions.js';
import { cluster, peering, pool, SPOKE_VNET_ID, vnet, vnetId } from './builders.js';
import { clusterFromArm, peeringFromArm, realdataCases, specBody, vnetFromArm } from './fixtures.js';

const onPrem = { onPrem: { ranges: ['10.0.0.0/14', '192.168.0.0/16'] } };
const spoke = vnet('vnet-spoke', ['10.20.0.0/16']);
const hubBase = vnet('vnet-hub', ['10.8.0.0/22'], { rg: 'rg-hub' });
const aks1 = cluster('aks1', { serviceCidrs: ['172.16.0.0/16'] });

ruleTester.run(rule, {
  valid: [
    {
      name: 'disjoint VNet, peered hub, service CIDR and on-prem (Azure CNI: no pod CIDR)',
      inventory: { azure: { clusters: [aks1], virtualNetworks: [{ ...spoke, peerings: [peering(spoke, hubBase)] }, { ...hubBase, peerings: [peering(hubBase, spoke)] }] } },
      config: onPrem,
    },
    { name: 'no on-prem ranges configured: a 10.0.0.0/8 VNet overlaps nothing known', inventory: { azure: { virtualNetworks: [vnet('vnet-big', ['10.0.0.0/8'])] } } },
    {
      name: 'kubenet pod CIDR outside VNet, peers and on-prem',
      inventory: { azure: { clusters: [cluster('kn', { networkPlugin: 'kubenet', podCidrs: ['10.244.0.0/16'], serviceCidrs: ['10.250.0.0/16'] })], virtualNetworks: [spoke] } },
      config: onPrem,
    },
    ...realdataCases(() => [
      { name: 'realdata: spec VirtualNetworkGet 10.0.0.0/16, on-prem elsewhere', inventory: { azure: { virtualNetworks: [vnetFromArm(specBody('network/VirtualNetworkGet.2024-03-01.json'))] } }, config: { onPrem: { ranges: ['192.168.0.0/16'] } } },
    ]),
  ],
  invalid: [
    {
      name: 'portal-default 10.0.0.0/8 VNet overlaps the on-prem 10.0.0.0/14 (not 192.168.0.0/16)',
      inventory: { azure: { virtualNetworks: [vnet('vnet-big', ['10.0.0.0/8'])] } },
      config: onPrem,
      findings: [
        {
          resource: 'vnet-big',
          severity: 'high',
          messageIncludes: ['VNet `vnet-big` prefix 10.0.0.0/8 overlaps on-prem range 10.0.0.0/14', '`rg-net`', 'replacement: no /8 is free in any private space (RFC 1918, RFC 6598); 100.64.0.0/10 is the largest free block', '4,194,304 addresses instead of 16,777,216'],
        },
      ],
    },
    {
      name: 'VNet and peered VNet overlap: one finding for both peering directions, on the id that sorts first',
      inventory: {
        azure: {
          virtualNetworks: [
            { ...spoke, peerings: [peering(spoke, vnet('vnet-hub', ['10.20.128.0/22'], { rg: 'rg-hub' }))] },
            { ...vnet('vnet-hub', ['10.20.128.0/22'], { rg: 'rg-hub' }), peerings: [peering(vnet('vnet-hub', ['10.20.128.0/22'], { rg: 'rg-hub' }), spoke)] },
          ],
        },
      },
      findings: [{ resource: vnetId('rg-hub', 'vnet-hub'), messageIncludes: ['VNet `vnet-hub` prefix 10.20.128.0/22 overlaps peered VNet `vnet-spoke` 10.20.0.0/16'] }],
    },
    {
      name: 'peer known only from remoteAddressSpace',
      inventory: { azure: { virtualNetworks: [{ ...spoke, peerings: [peering(spoke, vnetId('rg-zzz', 'vnet-partner'), { remoteAddressPrefixes: ['10.20.5.0/24'] })] }] } },
      findings: [{ resource: SPOKE_VNET_ID, messageIncludes: 'peered VNet `vnet-partner` 10.20.5.0/24' }],
    },
    {
      name: 'service CIDR inside the cluster VNet',
      inventory: { azure: { clusters: [cluster('aks-svc', { serviceCidrs: ['10.20.0.0/16'] })], virtualNetworks: [spoke] } },
      findings: [{ resource: 'aks-svc', messageIncludes: 'service CIDR 10.20.0.0/16 overlaps cluster VNet `vnet-spoke` prefix 10.20.0.0/16; replacement: 10.1.0.0/16 is the first free /16 in 10.0.0.0/8 (RFC 1918)' }],
    },
    {
      name: 'overlay pod CIDR over on-prem and a peered hub; pod vs service',
      inventory: {
        azure: {
          clusters: [cluster('aks-ov', { networkPlugin: 'azure', podCidrs: ['10.8.0.0/16'], serviceCidrs: ['10.8.200.0/24'] })],
          virtualNetworks: [{ ...spoke, peerings: [peering(spoke, hubBase)] }, hubBase],
        },
      },
      config: { onPrem: { ranges: ['10.0.0.0/12'] } },
      findings: [
        { resource: 'aks-ov', messageIncludes: 'pod CIDR 10.8.0.0/16 overlaps on-prem range 10.0.0.0/12' },
        { resource: 'aks-ov', messageIncludes: 'pod CIDR 10.8.0.0/16 overlaps peered VNet `vnet-hub` 10.8.0.0/22' },
        { resource: 'aks-ov', messageIncludes: 'service CIDR 10.8.200.0/24 overlaps on-prem range 10.0.0.0/12' },
        { resource: 'aks-ov', messageIncludes: 'pod CIDR 10.8.0.0/16 overlaps service CIDR 10.8.200.0/24' },
        { resource: 'vnet-hub', messageIncludes: 'VNet `vnet-hub` prefix 10.8.0.0/22 overlaps on-prem range 10.0.0.0/12' },
      ],
    },
    ...realdataCases(() => {
      const specVnet = vnetFromArm(specBody('network/VirtualNetworkGet.2024-03-01.json'));
      const specCluster = clusterFromArm(specBody('containerservice/ManagedClustersGet.2024-09-01.json'));
      const p = peeringFromArm(specBody('network/VirtualNetworkPeeringGet.2024-05-01.json'));
      const v1 = { ...vnet('vnet1', ['12.10.0.0/16'], { rg: 'peerTest', sub: 'subid' }), peerings: [p] };
      return [
        {
          name: 'realdata: spec cluster (service CIDR 10.0.0.0/16) in the spec VNet 10.0.0.0/16',
          inventory: { azure: { clusters: [{ ...specCluster, agentPools: [pool('nodepool1', { vnetSubnetId: specVnet.subnets[0]?.id ?? '' })] }], virtualNetworks: [specVnet] } },
          findings: [{ resource: 'clustername1', messageIncludes: 'service CIDR 10.0.0.0/16 overlaps cluster VNet `test-vnet` prefix 10.0.0.0/16' }],
        },
        {
          name: 'realdata: spec VirtualNetworkPeeringGet remote 12.0.0.0/8 over vnet1',
          inventory: { azure: { virtualNetworks: [v1] } },
          findings: [{ resource: 'vnet1', messageIncludes: ['VNet `vnet1` prefix 12.10.0.0/16 overlaps peered VNet `vnet2` 12.0.0.0/8', 'replacement: 10.0.0.0/16 is the first free /16 in 10.0.0.0/8 (RFC 1918), clear of the on-prem ranges and of every range in the inventory (12.10.0.0/16 is not in a private space)'] }],
        },
      ];
    }),
  ],
});

describe('azure/address-overlap suggested ranges', () => {
  const hub = { ...vnet('vnet-hub', ['10.8.0.0/22'], { rg: 'rg-hub' }), peerings: [peering(vnet('vnet-hub', ['10.8.0.0/22'], { rg: 'rg-hub' }), spoke)] };
  const inventory = {
    azure: {
      clusters: [cluster('aks-ov', { networkPlugin: 'azure', podCidrs: ['10.8.0.0/16'], serviceCidrs: ['10.8.200.0/24'] }), cluster('aks-svc', { serviceCidrs: ['10.20.0.0/16'] })],
      virtualNetworks: [{ ...spoke, peerings: [peering(spoke, hub)] }, hub],
    },
  };
  const config = { onPrem: { ranges: ['10.0.0.0/12'] } };

  it('are free, distinct, and filled into the commands', () => {
    const findings = evaluate(rule, inventory, config);
    expectFreeSuggestions(findings, inventory, config.onPrem.ranges);
    const hubFix = findings.find((f) => f.resource.name === 'vnet-hub')?.remediation;
    expect(hubFix).toBe(
      'Add 10.16.0.0/22 to VNet vnet-hub: az network vnet update --subscription 1b2c3d4e-0000-4000-8000-000000000001 -g rg-hub -n vnet-hub --address-prefixes 10.8.0.0/22 10.16.0.0/22 && az network vnet peering sync --subscription 1b2c3d4e-0000-4000-8000-000000000001 -g rg-hub --vnet-name vnet-hub -n vnet-hub-to-vnet-spoke; create subnets in 10.16.0.0/22 and move the resources out of 10.8.0.0/22; then drop 10.8.0.0/22: az network vnet update --subscription 1b2c3d4e-0000-4000-8000-000000000001 -g rg-hub -n vnet-hub --address-prefixes 10.16.0.0/22 && az network vnet peering sync --subscription 1b2c3d4e-0000-4000-8000-000000000001 -g rg-hub --vnet-name vnet-hub -n vnet-hub-to-vnet-spoke',
    );
    // aks-svc: only the service CIDR overlaps, so the replacement keeps the pod side and gets a DNS IP inside the new service CIDR.
    const svc = findings.find((f) => f.resource.name === 'aks-svc');
    const newService = svc ? (suggestedRange(svc) ?? '') : '';
    expect(svc?.remediation).toContain(`--service-cidr ${newService} --dns-service-ip ${newService.replace(/0\/\d+$/, '10')}`);
    // aks-ov: pod and service CIDRs both overlap: one replacement for each, the same in every finding of the cluster.
    const ov = findings.filter((f) => f.resource.name === 'aks-ov').map((f) => f.remediation.slice(f.remediation.indexOf('az aks create')));
    expect(ov.length).toBe(4);
    expect(new Set(ov).size).toBe(1);
  });

  it('are the same on every run of the same estate', () => {
    expect(evaluate(rule, inventory, config).map((f) => f.remediation)).toEqual(evaluate(rule, inventory, config).map((f) => f.remediation));
  });

  for (const c of realdataCases(() => [{ name: 'realdata', findings: [], inventory: {} }])) {
    it(`${c.name}: the spec cluster's service CIDR and VNet against on-prem 10.0.0.0/12`, () => {
      const specVnet = vnetFromArm(specBody('network/VirtualNetworkGet.2024-03-01.json'));
      const specCluster = clusterFromArm(specBody('containerservice/ManagedClustersGet.2024-09-01.json'));
      const estate = { azure: { clusters: [{ ...specCluster, agentPools: [pool('nodepool1', { vnetSubnetId: specVnet.subnets[0]?.id ?? '' })] }], virtualNetworks: [specVnet] } };
      expect(expectFreeSuggestions(evaluate(rule, estate, config), estate, config.onPrem.ranges)).toEqual(['10.16.0.0/16', '10.17.0.0/16', '10.17.0.0/16']);
    });
  }
});
