import { describe, expect, it } from 'vitest';
import { clusterFromArm, linkFromArm, listValues, loadBalancerFromArm, readJson, realdataAvailable, specBody, vnetFromArm, aRecordFromArm, peeringFromArm } from './fixtures.js';

// The realdata mappers are test inputs for every rule: check they read what the bodies hold.
describe.skipIf(!realdataAvailable)('realdata → inventory mapping', () => {
  it('maps the recorded private cluster (wire-cased keys)', () => {
    const c = clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'));
    expect(c).toMatchObject({
      name: 'cliakstest000001',
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'clitest000001',
      scope: 'azure/subscription/00000000-0000-0000-0000-000000000000',
      privateCluster: true,
      privateDnsZone: 'system',
      publicFqdnEnabled: true,
      nodeResourceGroup: 'MC_clitest000001_cliakstest000001_westus2',
      outboundType: 'loadBalancer',
      podCidrs: ['10.244.0.0/16'],
      identityType: 'SystemAssigned',
    });
    expect(c.privateFqdn).toMatch(/\.privatelink\.westus2\.azmk8s\.io$/);
    expect(c.agentPools).toEqual([{ name: 'nodepool1', mode: 'System', enableNodePublicIp: false }]);
  });

  it('maps the after-update cluster without fqdn', () => {
    const c = clusterFromArm(readJson('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json'));
    expect(c.fqdn).toBeUndefined();
    expect(c.publicFqdnEnabled).toBe(false);
  });

  it('maps LB rules to their frontends', () => {
    const lbs = listValues(readJson('cloud-custodian/azure/derived-bodies/loadBalancers-list-internal-and-public.interaction0.body.json')).map(loadBalancerFromArm);
    const master = lbs.find((l) => l.name === 'k8s-master-lb-C02B7042');
    expect(master?.frontends[0]?.publicIpAddressId).toMatch(/publicIPAddresses\/k8s-master-ip-/);
    expect(master?.loadBalancingRules.map((r) => r.frontendIpConfigurationIds.length)).toEqual([1]);
    expect(master?.inboundNatRules).toHaveLength(1);
  });

  it('maps VNet, peering, link and record', () => {
    expect(vnetFromArm(specBody('network/VirtualNetworkGet.2024-03-01.json'))).toMatchObject({ addressPrefixes: ['10.0.0.0/16'], peerings: [], subnets: [{ name: 'subnet1', addressPrefixes: ['10.0.1.0/24'] }] });
    expect(peeringFromArm(specBody('network/VirtualNetworkPeeringGet.2024-05-01.json'))).toMatchObject({ useRemoteGateways: false, allowForwardedTraffic: true, peeringState: 'Initiated', remoteAddressPrefixes: ['12.0.0.0/8'] });
    expect(linkFromArm(specBody('privatedns/VirtualNetworkLinkGet.2024-06-01.json')).zoneId).toBe('/subscriptions/subscriptionId/resourceGroups/resourceGroup1/providers/Microsoft.Network/privateDnsZones/privatezone1.com');
    expect(aRecordFromArm(specBody('privatedns/RecordSetAGet.2024-06-01.json'))).toMatchObject({ relativeName: 'recorda', ipv4Addresses: ['1.2.3.4'] });
  });
});
