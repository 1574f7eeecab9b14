import { describe, expect, it } from 'vitest';
import { createAzureProvider } from '../../../sim/azure/index.js';
import { azureEstateSchema, type AzureEstateInput } from '../../../sim/azure/scenario.js';
import type { ProviderServer, SimResponse } from '../../../sim/core/types.js';
import { itRealdata, readJson } from '../../collect/azure/realdata.js';

/** The Azure emulation on its own: routes, wire bodies, paging tokens and error shapes. */

const BASE = 'https://127.0.0.1:8443';
const SUB = '11111111-2222-4333-8444-555555555555';
const DENIED = '99999999-2222-4333-8444-555555555555';

const estate: AzureEstateInput = {
  subscriptions: [
    {
      id: SUB,
      name: 'sub-a',
      resourceGroups: [
        {
          name: 'rg-a',
          location: 'westeurope',
          vnets: [{ name: 'vnet-a', addressPrefixes: ['10.50.0.0/22'], subnets: [{ name: 'nodes', prefix: '10.50.0.0/24' }], peerings: [{ remote: 'rg-b/vnet-b', useRemoteGateways: true }] }],
          clusters: [
            { name: 'aks-a', subnet: 'rg-a/vnet-a/nodes', publicFqdn: true },
            { name: 'aks-b', private: false, authorizedIpRanges: ['203.0.113.0/24'], subnet: 'rg-a/vnet-a/nodes' },
            { name: 'aks-c', subnet: 'rg-a/vnet-a/nodes' },
          ],
          publicIps: [{ name: 'pip-1', ipAddress: '20.1.2.3' }],
          loadBalancers: [{ name: 'kubernetes', frontends: [{ name: 'fe', publicIp: 'rg-a/pip-1' }], rules: [{ name: 'r443', frontend: 'fe' }] }],
        },
        { name: 'rg-b', vnets: [{ name: 'vnet-b', addressPrefixes: ['10.60.0.0/22'] }] },
      ],
      peeringCosts: [
        { vnet: 'rg-a/vnet-a', meter: 'Intra-Region Egress', quantityGb: 100 },
        { vnet: 'rg-a/vnet-a', meter: 'Intra-Region Ingress', quantityGb: 50, cost: 0.7 },
        { vnet: 'rg-a/vnet-a', meter: 'Inter-Region Egress', quantityGb: 10 },
      ],
    },
    { id: DENIED, name: 'sub-denied', denied: true },
  ],
};

function provider(pageSize = 1000): ProviderServer {
  return createAzureProvider(azureEstateSchema.parse(estate), { pageSize: () => pageSize, baseUrl: BASE });
}

function call(p: ProviderServer, method: string, url: string, body?: unknown): { operation: string; bucket: string; throttle: string; res: SimResponse; json: Record<string, unknown> } {
  const routed = p.route({ method, url: new URL(url, BASE), headers: {}, body: body === undefined ? '' : JSON.stringify(body) });
  if (!routed) throw new Error(`not routed: ${method} ${url}`);
  const res = routed.handle();
  return { operation: routed.operation, bucket: routed.bucket, throttle: routed.throttle, res, json: JSON.parse(res.body ?? '{}') as Record<string, unknown> };
}

describe('Azure emulation: ARM lists', () => {
  it('renders managed clusters with wire names under properties', () => {
    const r = call(provider(), 'GET', `/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2024-09-01`);
    expect(r).toMatchObject({ operation: 'arm:managedClusters.list', bucket: SUB, throttle: 'arm' });
    const clusters = r.json['value'] as (Record<string, unknown> & { properties?: Record<string, unknown> })[];
    const a = clusters.find((c) => c['name'] === 'aks-a');
    const props = a?.['properties'] as Record<string, unknown>;
    expect(props['apiServerAccessProfile']).toEqual({ enablePrivateCluster: true, privateDNSZone: 'system', enablePrivateClusterPublicFQDN: true, privateClusterVersion: 'v1' });
    expect(props['privateFQDN']).toMatch(/^aks-a-dns-[0-9a-f]{8}\.[0-9a-f-]{36}\.privatelink\.westeurope\.azmk8s\.io$/);
    expect(props['fqdn']).toMatch(/\.hcp\.westeurope\.azmk8s\.io$/);
    expect(props['nodeResourceGroup']).toBe('MC_rg-a_aks-a_westeurope');
    expect((props['agentPoolProfiles'] as Record<string, unknown>[])[0]?.['vnetSubnetID']).toBe(`/subscriptions/${SUB}/resourceGroups/rg-a/providers/Microsoft.Network/virtualNetworks/vnet-a/subnets/nodes`);
    // A private cluster without the public FQDN reports no fqdn, as the recorded azure-cli body does.
    const c = clusters.find((x) => x['name'] === 'aks-c')?.['properties'] as Record<string, unknown>;
    expect(c['fqdn']).toBeUndefined();
    const b = clusters.find((x) => x['name'] === 'aks-b')?.['properties'] as Record<string, unknown>;
    expect(b['apiServerAccessProfile']).toEqual({ enablePrivateCluster: false, authorizedIPRanges: ['203.0.113.0/24'] });
  });

  itRealdata('renders a private cluster without the public FQDN with the keys of the recorded azure-cli body', () => {
    const r = call(provider(), 'GET', `/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2024-09-01`);
    const clusters = r.json['value'] as Record<string, unknown>[];
    const c = clusters.find((x) => x['name'] === 'aks-c')?.['properties'] as Record<string, unknown>;
    const recorded = readJson('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json') as Record<string, Record<string, unknown>>;
    expect(Object.keys(recorded['properties'] ?? {})).toEqual(expect.arrayContaining(Object.keys(c).filter((k) => ['privateFQDN', 'nodeResourceGroup', 'networkProfile', 'apiServerAccessProfile', 'agentPoolProfiles'].includes(k))));
  });

  it('pages with nextLink and a $skipToken the next request is routed by', () => {
    const p = provider(2);
    const first = call(p, 'GET', `/subscriptions/${SUB}/providers/Microsoft.ContainerService/managedClusters?api-version=2024-09-01`);
    expect(first.json['value']).toHaveLength(2);
    const next = first.json['nextLink'] as string;
    expect(next.startsWith(`${BASE}/subscriptions/${SUB}/providers/`)).toBe(true);
    expect(next).toMatch(/&\$skipToken=[A-Za-z0-9_-]+$/);
    const second = call(p, 'GET', next);
    expect(second.json['value']).toHaveLength(1);
    expect(second.json['nextLink']).toBeUndefined();
    const names = [...(first.json['value'] as { name: string }[]), ...(second.json['value'] as { name: string }[])].map((c) => c.name);
    expect(names.sort()).toEqual(['aks-a', 'aks-b', 'aks-c']);
  });

  it('links public IPs to the LB frontend that uses them, and renders peerings inline', () => {
    const p = provider();
    const pips = call(p, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Network/publicIPAddresses`).json['value'] as (Record<string, unknown> & { properties?: Record<string, unknown> })[];
    expect(pips[0]?.['properties']?.['ipConfiguration']).toEqual({ id: `/subscriptions/${SUB}/resourceGroups/rg-a/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/fe` });
    const vnets = call(p, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Network/virtualNetworks`).json['value'] as (Record<string, unknown> & { properties?: Record<string, unknown> })[];
    const a = vnets.find((v) => v['name'] === 'vnet-a');
    const peering = (a?.['properties']?.['virtualNetworkPeerings'] as Record<string, Record<string, unknown>>[])[0];
    expect(peering?.['properties']).toMatchObject({ useRemoteGateways: true, peeringState: 'Connected', remoteAddressSpace: { addressPrefixes: ['10.60.0.0/22'] } });
  });

  it('serves the system zone AKS creates, its link and A record, per zone', () => {
    const p = provider();
    const zones = call(p, 'GET', `/subscriptions/${SUB}/providers/Microsoft.Network/privateDnsZones`).json['value'] as { id: string; name: string }[];
    expect(zones).toHaveLength(2);
    const zone = zones.find((z) => z.id.includes('MC_rg-a_aks-a_westeurope'));
    if (!zone) throw new Error('no system zone for aks-a');
    const links = call(p, 'GET', `${zone.id}/virtualNetworkLinks`);
    expect(links.operation).toBe('arm:virtualNetworkLinks.list');
    expect((links.json['value'] as Record<string, Record<string, Record<string, unknown>>>[])[0]?.['properties']?.['virtualNetwork']?.['id']).toMatch(/virtualNetworks\/vnet-a$/);
    const records = call(p, 'GET', `${zone.id}/A`);
    expect(records.operation).toBe('arm:recordSets.listByType');
    expect((records.json['value'] as Record<string, Record<string, unknown>>[])[0]?.['properties']?.['aRecords']).toEqual([{ ipv4Address: '10.50.0.4' }]);
  });

  it('answers 403 AuthorizationFailed for a denied subscription, 404 for an unknown one', () => {
    const p = provider();
    const denied = call(p, 'GET', `/subscriptions/${DENIED}/providers/Microsoft.Network/loadBalancers`);
    expect(denied.res.status).toBe(403);
    expect(denied.json['error']).toMatchObject({ code: 'AuthorizationFailed' });
    expect((denied.json['error'] as { message: string }).message).toContain(`/subscriptions/${DENIED}`);
    const unknown = call(p, 'GET', '/subscriptions/00000000-0000-4000-8000-000000000000/providers/Microsoft.Network/loadBalancers');
    expect(unknown.res.status).toBe(404);
    expect(p.route({ method: 'GET', url: new URL('/subscriptions/x/providers/Microsoft.Compute/virtualMachines', BASE), headers: {}, body: '' })).toBeUndefined();
    const throttled = p.throttled({ operation: 'arm:loadBalancers.listAll', bucket: SUB, throttle: 'arm', handle: () => ({ status: 200 }) }, 3);
    expect(throttled).toMatchObject({ status: 429, headers: { 'retry-after': '3' } });
  });
});

describe('Azure emulation: Resource Graph', () => {
  const query = (format?: string, skipToken?: string): unknown => ({
    subscriptions: [SUB],
    query: "Resources | where type =~ 'microsoft.containerservice/managedclusters' | order by id asc",
    options: { ...(format ? { resultFormat: format } : {}), ...(skipToken ? { $skipToken: skipToken } : {}) },
  });

  it('answers objectArray rows ordered by id, paged with $skipToken, resultTruncated as a string', () => {
    const p = provider(2);
    const first = call(p, 'POST', '/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01', query());
    expect(first).toMatchObject({ operation: 'resourcegraph:resources', bucket: 'principal', throttle: 'resource-graph' });
    expect(first.json).toMatchObject({ totalRecords: 3, count: 2, resultTruncated: 'false' });
    const rows = first.json['data'] as Record<string, unknown>[];
    expect(rows.map((r) => r['type'])).toEqual(['microsoft.containerservice/managedclusters', 'microsoft.containerservice/managedclusters']);
    expect(rows[0]).toMatchObject({ subscriptionId: SUB, resourceGroup: 'rg-a' });
    const second = call(p, 'POST', '/providers/Microsoft.ResourceGraph/resources', query(undefined, first.json['$skipToken'] as string));
    expect(second.json['$skipToken']).toBeUndefined();
    const ids = [...rows, ...(second.json['data'] as Record<string, unknown>[])].map((r) => String(r['id']).toLowerCase());
    expect(ids).toEqual([...ids].sort());
  });

  it('answers the table format when asked', () => {
    const r = call(provider(), 'POST', '/providers/Microsoft.ResourceGraph/resources', query('table'));
    const data = r.json['data'] as { columns: { name: string }[]; rows: unknown[][] };
    expect(data.columns.map((c) => c.name)).toContain('properties');
    expect(data.rows).toHaveLength(3);
  });

  it('keeps record sets in dnsresources, refuses denied subscriptions and unknown queries', () => {
    const p = provider();
    const inResources = call(p, 'POST', '/providers/Microsoft.ResourceGraph/resources', { subscriptions: [SUB], query: "Resources | where type =~ 'microsoft.network/privatednszones/a'" });
    expect(inResources.json['data']).toEqual([]);
    const inDns = call(p, 'POST', '/providers/Microsoft.ResourceGraph/resources', { subscriptions: [SUB], query: "dnsresources | where type =~ 'microsoft.network/privatednszones/a'" });
    expect(inDns.json['data']).toHaveLength(2);
    const denied = call(p, 'POST', '/providers/Microsoft.ResourceGraph/resources', { subscriptions: [SUB, DENIED], query: "Resources | where type =~ 'microsoft.network/virtualnetworks'" });
    expect(denied.res.status).toBe(403);
    const bad = call(p, 'POST', '/providers/Microsoft.ResourceGraph/resources', { subscriptions: [SUB], query: 'Resources | summarize count()' });
    expect(bad.res.status).toBe(400);
  });
});

describe('Azure emulation: Cost Management', () => {
  it('answers columns and rows for the aggregation and grouping asked, with nextLink paging', () => {
    const p = provider(2);
    const body = {
      type: 'ActualCost',
      timeframe: 'Custom',
      dataset: { aggregation: { totalCost: { name: 'Cost', function: 'Sum' }, qty: { name: 'UsageQuantity', function: 'Sum' } }, grouping: [{ type: 'Dimension', name: 'ResourceId' }, { type: 'Dimension', name: 'Meter' }] },
    };
    const first = call(p, 'POST', `/subscriptions/${SUB}/providers/Microsoft.CostManagement/query?api-version=2023-03-01`, body);
    expect(first).toMatchObject({ operation: 'costmanagement:query', bucket: SUB, throttle: 'cost-management' });
    const props = first.json['properties'] as { columns: { name: string }[]; rows: unknown[][]; nextLink: string | null };
    expect(props.columns.map((c) => c.name)).toEqual(['Cost', 'UsageQuantity', 'ResourceId', 'Meter', 'Currency']);
    expect(props.rows[0]).toEqual([1, 100, `/subscriptions/${SUB}/resourcegroups/rg-a/providers/microsoft.network/virtualnetworks/vnet-a`, 'Intra-Region Egress', 'USD']);
    expect(props.rows[1]?.[0]).toBe(0.7);
    expect(props.nextLink).toMatch(/\$skiptoken=/);
    const second = call(p, 'POST', props.nextLink ?? '', body);
    expect((second.json['properties'] as { rows: unknown[][] }).rows).toEqual([[0.35, 10, `/subscriptions/${SUB}/resourcegroups/rg-a/providers/microsoft.network/virtualnetworks/vnet-a`, 'Inter-Region Egress', 'USD']]);
  });
});
