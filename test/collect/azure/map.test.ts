import { describe, expect, it } from 'vitest';
import {
  AzureShapeError,
  mapARecordSet,
  mapCostRows,
  mapLoadBalancer,
  mapManagedCluster,
  mapPrivateDnsLink,
  mapPrivateDnsZone,
  mapPublicIp,
  mapVirtualNetwork,
  resourceGraphRows,
} from '../../../shared/collect/azure/map.js';

import { itRealdata, listValues, peeringFromArm, readJson, specBody } from './realdata.js';

/** The pure mappings, on real recorded and API-spec bodies (skipped when realdata is absent) and on synthetic ones. */

const read = (path: string): Record<string, unknown> => readJson(path) as Record<string, unknown>;
const values = (path: string): unknown[] => listValues(readJson(path));
// Skipped visibly, with the missing directory in the title, when realdata is absent.
const itReal = itRealdata;

/** What the SDKs hand back: `properties.*` flattened to the top and some keys renamed. */
function sdkFlatten(wire: Record<string, unknown>): Record<string, unknown> {
  const { properties, ...rest } = wire;
  const flat = { ...rest, ...(properties as Record<string, unknown>) };
  const rename = (o: Record<string, unknown>, from: string, to: string): void => {
    if (!(from in o)) return;
    const value = o[from];
    const kept = Object.entries(o).filter(([k]) => k !== from);
    for (const k of Object.keys(o)) Reflect.deleteProperty(o, k);
    Object.assign(o, Object.fromEntries(kept), { [to]: value });
  };
  rename(flat, 'privateFQDN', 'privateFqdn');
  const api = flat['apiServerAccessProfile'] as Record<string, unknown> | undefined;
  if (api) {
    const copy = { ...api };
    rename(copy, 'enablePrivateClusterPublicFQDN', 'enablePrivateClusterPublicFqdn');
    rename(copy, 'authorizedIPRanges', 'authorizedIpRanges');
    flat['apiServerAccessProfile'] = copy;
  }
  return flat;
}

describe('mapManagedCluster', () => {
  itReal('reads a recorded private cluster with the public FQDN on (azure-cli recording)', () => {
    const c = mapManagedCluster(read('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'));
    expect(c).toMatchObject({
      name: 'cliakstest000001',
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      resourceGroup: 'clitest000001',
      scope: 'azure/subscription/00000000-0000-0000-0000-000000000000',
      privateCluster: true,
      privateDnsZone: 'system',
      publicFqdnEnabled: true,
      nodeResourceGroup: 'MC_clitest000001_cliakstest000001_westus2',
      networkPlugin: 'kubenet',
      outboundType: 'loadBalancer',
      podCidrs: ['10.244.0.0/16'],
      serviceCidrs: ['10.0.0.0/16'],
      servicePrincipalClientId: '00000000-0000-0000-0000-000000000001',
      identityType: 'SystemAssigned',
      virtualNodesEnabled: false,
    });
    expect(c.privateFqdn).toMatch(/\.privatelink\.westus2\.azmk8s\.io$/);
    expect(c.networkPolicy).toBeUndefined();
    expect(c.agentPools).toEqual([{ name: 'nodepool1', mode: 'System', enableNodePublicIp: false }]);
  });

  itReal('reads the same record from the SDK-flattened model (privateFqdn, enablePrivateClusterPublicFqdn)', () => {
    const wire = read('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json');
    expect(mapManagedCluster(sdkFlatten(wire))).toEqual(mapManagedCluster(wire));
    const disabled = read('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json');
    expect(mapManagedCluster(sdkFlatten(disabled)).publicFqdnEnabled).toBe(false);
  });

  itReal('reads the after-update cluster without fqdn', () => {
    const c = mapManagedCluster(read('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json'));
    expect(c.fqdn).toBeUndefined();
    expect(c.publicFqdnEnabled).toBe(false);
  });

  itReal('reads a public cluster without an apiServerAccessProfile (API spec example) and an old 2019 list', () => {
    const c = mapManagedCluster(specBody('containerservice/ManagedClustersGet.2024-09-01.json'));
    expect(c).toMatchObject({ privateCluster: false, authorizedIpRanges: [], outboundType: 'loadBalancer', servicePrincipalClientId: 'clientid' });
    const old = values('cloud-custodian/azure/derived-bodies/aks-managedClusters-list-public-2019.interaction0.body.json').map(mapManagedCluster);
    expect(old[0]).toMatchObject({ name: 'cctestaks', privateCluster: false });
  });

  it('matches addon keys case-insensitively and accepts string booleans', () => {
    const c = mapManagedCluster({
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c',
      name: 'c',
      properties: { apiServerAccessProfile: { enablePrivateCluster: 'true' }, addonProfiles: { ACIConnectorLinux: { enabled: true } } },
    });
    expect(c.privateCluster).toBe(true);
    expect(c.virtualNodesEnabled).toBe(true);
  });

  it('throws an AzureShapeError naming the resource and field on an unexpected shape', () => {
    expect(() => mapManagedCluster({ id: 42, name: 'x' })).toThrow(AzureShapeError);
    expect(() =>
      mapManagedCluster({ id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c', name: 'c', properties: { apiServerAccessProfile: { enablePrivateCluster: 'maybe' } } }),
    ).toThrow(/enablePrivateCluster.*managedClusters\/c|managedClusters\/c.*enablePrivateCluster/);
    expect(() => mapManagedCluster('not an object')).toThrow(/expected a resource object/);
  });
});

describe('network mappings', () => {
  itReal('reads recorded load balancers: internal frontend, public frontend with rules', () => {
    const lbs = values('cloud-custodian/azure/derived-bodies/loadBalancers-list-internal-and-public.interaction0.body.json').map(mapLoadBalancer);
    const internal = lbs.find((l) => l.name === 'k8s-master-internal-lb-C02B7042');
    expect(internal?.frontends[0]?.privateIpAddress).toBeDefined();
    expect(internal?.frontends[0]?.publicIpAddressId).toBeUndefined();
    const pub = lbs.find((l) => l.name === 'k8s-master-lb-C02B7042');
    const fe = pub?.frontends[0];
    expect(fe?.publicIpAddressId).toMatch(/publicIPAddresses\/k8s-master-ip-/);
    expect(pub?.loadBalancingRules.map((r) => r.frontendIpConfigurationIds.length)).toEqual([1]);
    expect(pub?.loadBalancingRules[0]?.frontendIpConfigurationIds).toEqual([fe?.id]);
    expect(pub?.inboundNatRules).toHaveLength(1);
    const spec = mapLoadBalancer(specBody('network/LoadBalancerGet.2024-03-01.json'));
    expect(spec.frontends[0]).toMatchObject({ privateIpAddress: '10.0.1.4' });
    expect(spec.inboundNatRules).toHaveLength(1);
  });

  itReal('reads recorded public IPs: attached to an LB frontend, to a NIC, or unallocated', () => {
    const pips = values('cloud-custodian/azure/derived-bodies/publicIPAddresses-list.interaction0.body.json').map(mapPublicIp);
    expect(pips.find((p) => p.ipAddress === '40.84.199.78')?.ipConfigurationId).toMatch(/frontendIPConfigurations\/k8s-master-lbFrontEnd-C02B7042$/);
    expect(pips.find((p) => p.name === 'myPublicIP')?.ipConfigurationId).toMatch(/networkInterfaces\//);
    expect(pips.filter((p) => p.ipAddress === undefined)).toHaveLength(2);
  });

  itReal('reads a VNet with no peerings, and a peering inside its VNet (API spec examples)', () => {
    const v = mapVirtualNetwork(specBody('network/VirtualNetworkGet.2024-03-01.json'));
    expect(v.addressPrefixes).toEqual(['10.0.0.0/16']);
    expect(v.peerings).toEqual([]);
    expect(v.subnets[0]?.addressPrefixes.length).toBe(1);
    expect(v).toMatchObject({ addressPrefixes: ['10.0.0.0/16'], peerings: [], subnets: [{ name: 'subnet1', addressPrefixes: ['10.0.1.0/24'] }] });
    expect(peeringFromArm(specBody('network/VirtualNetworkPeeringGet.2024-05-01.json'))).toMatchObject({ useRemoteGateways: false, allowForwardedTraffic: true, peeringState: 'Initiated', remoteAddressPrefixes: ['12.0.0.0/8'] });
  });
});

describe('private DNS mappings', () => {
  itReal('reads zone, link and A record set (API spec examples)', () => {
    const zone = mapPrivateDnsZone(specBody('privatedns/PrivateZoneGet.2024-06-01.json'));
    expect(zone).toMatchObject({ name: 'privatezone1.com', numberOfVirtualNetworkLinks: 0 });
    const link = mapPrivateDnsLink(specBody('privatedns/VirtualNetworkLinkGet.2024-06-01.json'));
    expect(link).toMatchObject({ registrationEnabled: false, state: 'Completed' });
    expect(link.zoneId).toMatch(/privateDnsZones\/privatezone1\.com$/);
    expect(link.zoneId).toBe('/subscriptions/subscriptionId/resourceGroups/resourceGroup1/providers/Microsoft.Network/privateDnsZones/privatezone1.com');
    expect(link.virtualNetworkId).toMatch(/virtualNetworks\/virtualNetworkName$/);
    const record = mapARecordSet(specBody('privatedns/RecordSetAGet.2024-06-01.json'));
    expect(record).toMatchObject({ relativeName: 'recorda', ipv4Addresses: ['1.2.3.4'] });
    expect(record.zoneId).toBe(link.zoneId);
  });
});

describe('Resource Graph and Cost Management rows', () => {
  itReal('turns a recorded table-format result and an objectArray result into row objects', () => {
    const recorded = read('cloud-custodian/azure/derived-bodies/resourceGraph-query-vm.interaction1.body.json')['data'] as { rows: unknown[] };
    const table = resourceGraphRows(recorded);
    expect(table).toHaveLength(recorded.rows.length);
    expect(table[0]).toMatchObject({ type: 'microsoft.compute/virtualmachines', name: 'cctestvm' });
    const objects = resourceGraphRows((specBody('resourcegraph/ResourcesBasicQuery.2024-04-01.json') as { data: unknown }).data);
    expect(objects).toHaveLength(3);
    expect(() => resourceGraphRows({ rows: 'x' })).toThrow(AzureShapeError);
  });

  it('keeps only peering meters from a Cost Management result', () => {
    const rows = mapCostRows(
      {
        properties: {
          columns: [{ name: 'Cost' }, { name: 'UsageQuantity' }, { name: 'ResourceId' }, { name: 'Meter' }, { name: 'Currency' }],
          rows: [
            [12.5, 1250, '/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v', 'Intra-Region Egress', 'USD'],
            [3, 300, '/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v', 'Standard IPv4 Static Public IP', 'USD'],
          ],
        },
      },
      'azure/subscription/s',
      { start: '2026-10-01', end: '2026-10-31' },
    );
    expect(rows).toEqual([{ scope: 'azure/subscription/s', resourceId: '/subscriptions/s/resourcegroups/rg/providers/microsoft.network/virtualnetworks/v', meter: 'Intra-Region Egress', quantityGb: 1250, cost: 12.5, currency: 'USD', periodStart: '2026-10-01', periodEnd: '2026-10-31' }]);
    expect(() => mapCostRows({ columns: [{ name: 'Foo' }], rows: [[1]] }, 'azure/subscription/s', { start: '', end: '' })).toThrow(/expected columns Cost, ResourceId and Meter/);
  });

  it('refuses a Cost Management result that is not an object with a ShapeError naming what, where, expected and got', () => {
    const period = { start: '2026-10-01', end: '2026-10-31' };
    for (const [bad, got] of [[null, 'null'], ['oops', '"oops"'], [42, '42'], [[1], '[1]'], [undefined, 'undefined']] as const) {
      let caught: unknown;
      try {
        mapCostRows(bad, 'azure/subscription/s', period);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(AzureShapeError);
      expect((caught as Error).message).toBe(`Cost Management result for azure/subscription/s: expected an object with properties.columns and properties.rows, got ${got}`);
    }
    expect(() => mapCostRows({ properties: { columns: [], rows: 'x' } }, 'azure/subscription/s', period)).toThrow(AzureShapeError);
  });

  it('gives each row of a query above subscriptions the subscription of its ResourceId', () => {
    const vnet = (sub: string) => `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v`;
    const result = {
      properties: {
        columns: [{ name: 'Cost' }, { name: 'UsageQuantity' }, { name: 'ResourceId' }, { name: 'Meter' }],
        rows: [
          [1, 100, vnet('AAAA'), 'Intra-Region Egress'],
          [2, 200, vnet('bbbb'), 'Inter-Region Ingress'],
        ],
      },
    };
    const rows = mapCostRows(result, 'azure/management-group/mg', { start: '', end: '' });
    expect(rows.map((r) => [r.scope, r.meter, r.cost])).toEqual([
      ['azure/subscription/aaaa', 'Intra-Region Egress', 1],
      ['azure/subscription/bbbb', 'Inter-Region Ingress', 2],
    ]);
    const orphan = { properties: { ...result.properties, rows: [[1, 1, 'not-an-arm-id', 'Intra-Region Egress']] } };
    expect(() => mapCostRows(orphan, 'azure/management-group/mg', { start: '', end: '' })).toThrow('Cost Management result for azure/management-group/mg: row 0: expected a ResourceId under /subscriptions/<id>, got "not-an-arm-id"');
  });
});
