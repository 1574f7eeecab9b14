import { AssetServiceClient } from '@google-cloud/asset';
import { FirewallsClient, InstancesClient, NetworksClient, RoutersClient, RoutesClient, SubnetworksClient } from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { DNS } from '@google-cloud/dns';
import { OAuth2Client } from 'google-auth-library';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpProvider } from '../../../sim/gcp/index.js';
import { serveProvider, type Harness } from '../harness.js';
import { loadScenarioEstate } from '../scenario-estates.js';

// Through the real Google clients, REST fallback, plain HTTP on 127.0.0.1 (api-notes §8, §12).

function authClient(): OAuth2Client {
  const client = new OAuth2Client();
  client.setCredentials({ access_token: 'sim-token', expiry_date: Date.now() + 3_600_000 });
  return client;
}

let sim: Harness;
type GaxOptions = NonNullable<ConstructorParameters<typeof NetworksClient>[0]>;
let opts: GaxOptions & { authClient: OAuth2Client };

beforeAll(async () => {
  const estate = loadScenarioEstate('gcp', 'conformant');
  estate.projects.push({ id: 'acme-locked-down', denied: true, disabledApis: [], missingZones: [], networks: [], clusters: [], instances: [], dnsZones: [] });
  sim = await serveProvider((env) => createGcpProvider(estate, env), { pageSize: 2 });
  // google-gax pins its own google-auth-library (10.5) so the top-level OAuth2Client type differs
  // nominally; at runtime any AuthClient with fetch() works.
  opts = { apiEndpoint: '127.0.0.1', port: sim.port, protocol: 'http', fallback: true, authClient: authClient() as unknown as GaxOptions['authClient'] & OAuth2Client };
});

afterAll(async () => {
  await sim.stop();
});

describe('GCP emulation through the official clients', () => {
  it('lists GKE clusters across locations with the location wildcard', async () => {
    const client = new ClusterManagerClient(opts);
    const [res] = await client.listClusters({ parent: 'projects/acme-gke-prod/locations/-' });
    const clusters = res.clusters ?? [];
    expect(clusters.map((c) => c.name).sort()).toEqual(['batch-euw1-b', 'payments-euw1']);
    const payments = clusters.find((c) => c.name === 'payments-euw1');
    expect(payments?.privateClusterConfig?.enablePrivateNodes).toBe(true);
    expect(payments?.privateClusterConfig?.enablePrivateEndpoint).toBe(true);
    expect(payments?.privateClusterConfig?.masterIpv4CidrBlock).toBe('172.16.0.0/28');
    expect(payments?.privateClusterConfig?.peeringName).toMatch(/^gke-n[0-9a-f]+-[0-9a-f]{4}-[0-9a-f]{4}-peer$/);
    expect(payments?.masterAuthorizedNetworksConfig?.cidrBlocks?.map((b) => b.cidrBlock)).toEqual(['10.10.0.0/16', '172.20.0.0/14']);
    expect(payments?.ipAllocationPolicy?.useIpAliases).toBe(true);
    expect(payments?.ipAllocationPolicy?.clusterIpv4CidrBlock).toBe('10.132.0.0/16');
    expect(payments?.networkConfig?.network).toBe('projects/acme-gke-prod/global/networks/prod-vpc');
    expect(payments?.network).toBe('prod-vpc');
    const batch = clusters.find((c) => c.name === 'batch-euw1-b');
    // Private Service Connect cluster: no peering; the REST client fills unset strings with ''.
    expect(batch?.privateClusterConfig?.peeringName).toBe('');
    expect(batch?.controlPlaneEndpointsConfig?.ipEndpointsConfig?.enablePublicEndpoint).toBe(false);
  });

  it('lists networks with their peerings, paging one at a time', async () => {
    const client = new NetworksClient(opts);
    const networks = [];
    for await (const n of client.listAsync({ project: 'acme-gke-prod', maxResults: 1 })) networks.push(n);
    expect(networks.map((n) => n.name)).toEqual(['prod-vpc']);
    const peering = networks[0]?.peerings?.[0];
    expect(peering?.name).toMatch(/-peer$/);
    expect(peering?.exportCustomRoutes).toBe(true);
    expect(peering?.state).toBe('ACTIVE');
  });

  it('pages an aggregated subnetwork list keyed by region', async () => {
    const client = new SubnetworksClient(opts);
    const seen: { scope: string; name: string; pga: boolean }[] = [];
    for await (const [scope, scoped] of client.aggregatedListAsync({ project: 'acme-gke-prod', maxResults: 1 })) {
      for (const s of scoped.subnetworks ?? []) seen.push({ scope, name: s.name ?? '', pga: s.privateIpGoogleAccess ?? false });
    }
    expect(seen).toEqual([
      { scope: 'regions/europe-west1', name: 'gke-nodes-euw1', pga: true },
      { scope: 'regions/europe-west1', name: 'gke-svc-euw1', pga: true },
      { scope: 'regions/europe-west1', name: 'build-agents-euw1', pga: false },
    ]);
    expect(sim.counts.get('compute:subnetworks.aggregatedList')).toBeGreaterThanOrEqual(2);
  });

  it('reads routers (aggregated and per region), routes, firewalls and instances', async () => {
    const routers = new RoutersClient(opts);
    const agg = [];
    for await (const [scope, scoped] of routers.aggregatedListAsync({ project: 'acme-gke-prod' })) agg.push(...(scoped.routers ?? []).map((r) => ({ scope, r })));
    expect(agg).toHaveLength(1);
    expect(agg[0]?.scope).toBe('regions/europe-west1');
    expect(agg[0]?.r.bgp?.advertiseMode).toBe('CUSTOM');
    expect(agg[0]?.r.bgp?.advertisedIpRanges?.map((r) => r.range)).toEqual(['172.16.0.0/28', '172.16.0.16/28', '172.16.0.32/28']);
    expect(agg[0]?.r.bgpPeers?.map((p) => p.peerIpAddress)).toEqual(['169.254.10.2', '169.254.11.2']);
    const regional = [];
    for await (const r of routers.listAsync({ project: 'acme-gke-data', region: 'us-east4' })) regional.push(r.name);
    expect(regional).toEqual(['cr-interconnect-use4']);
    // A region with no routers: compute leaves `items` out; the client yields nothing.
    const none = [];
    for await (const r of routers.listAsync({ project: 'acme-gke-data', region: 'asia-east1' })) none.push(r.name);
    expect(none).toEqual([]);

    const routes = [];
    for await (const r of new RoutesClient(opts).listAsync({ project: 'acme-gke-prod' })) routes.push(r);
    const vip = routes.find((r) => r.destRange === '199.36.153.4/30');
    expect(vip?.nextHopGateway).toBe('https://www.googleapis.com/compute/v1/projects/acme-gke-prod/global/gateways/default-internet-gateway');
    expect(routes.filter((r) => r.routeType === 'SUBNET')).toHaveLength(3);

    const firewalls = [];
    for await (const f of new FirewallsClient(opts).listAsync({ project: 'acme-gke-prod' })) firewalls.push(f);
    const deny = firewalls.find((f) => f.name === 'deny-egress-all');
    expect(deny?.direction).toBe('EGRESS');
    expect(deny?.priority).toBe(65534);
    expect(deny?.denied?.[0]?.IPProtocol).toBe('all');

    const instances = [];
    for await (const [, scoped] of new InstancesClient(opts).aggregatedListAsync({ project: 'acme-gke-prod', maxResults: 2 })) instances.push(...(scoped.instances ?? []));
    expect(instances).toHaveLength(6);
    const nodes = instances.filter((i) => i.labels?.['goog-k8s-cluster-name'] === 'payments-euw1');
    expect(nodes).toHaveLength(3);
    expect(nodes.every((n) => (n.networkInterfaces?.[0]?.accessConfigs ?? []).length === 0)).toBe(true);
  });

  it('reads Cloud DNS zones and record sets with the handwritten client pointed at the simulator', async () => {
    const dns = new DNS({ projectId: 'acme-gke-prod', apiEndpoint: `127.0.0.1:${sim.port}`, authClient: opts.authClient });
    // The client hard-codes https://<apiEndpoint>/dns/v1; the simulator speaks plain HTTP.
    dns.baseUrl = `${sim.url}/dns/v1`;
    const before = sim.counts.get('dns:managedZones.list') ?? 0;
    const [zones] = await dns.getZones();
    // Four zones at two per page: the client followed nextPageToken.
    expect((sim.counts.get('dns:managedZones.list') ?? 0) - before).toBe(2);
    expect(zones.map((z) => z.name)).toEqual(['googleapis-restricted', 'gcr-io-restricted', 'pkg-dev-restricted', 'acme-internal']);
    const googleapis = zones[0];
    const metadata = googleapis?.metadata as { visibility?: string; privateVisibilityConfig?: { networks?: { networkUrl?: string }[] } } | undefined;
    expect(metadata?.visibility).toBe('private');
    expect(metadata?.privateVisibilityConfig?.networks?.[0]?.networkUrl).toBe('https://www.googleapis.com/compute/v1/projects/acme-gke-prod/global/networks/prod-vpc');
    const [records] = await (googleapis as NonNullable<typeof googleapis>).getRecords();
    const byType = new Map(records.map((r) => [`${r.type} ${(r.metadata as { name?: string }).name ?? ''}`, r.data]));
    expect(byType.get('CNAME *.googleapis.com.')).toEqual(['restricted.googleapis.com.']);
    expect(byType.get('A restricted.googleapis.com.')).toEqual(['199.36.153.4', '199.36.153.5', '199.36.153.6', '199.36.153.7']);
    expect(byType.has('SOA googleapis.com.')).toBe(true);
  });

  it('lists Cloud Asset resources at organisation scope, paged, without the denied project', async () => {
    const client = new AssetServiceClient(opts);
    const assets = [];
    for await (const a of client.listAssetsAsync({
      parent: 'organizations/428130094411',
      assetTypes: ['container.googleapis.com/Cluster', 'compute.googleapis.com/Subnetwork'],
      contentType: 'RESOURCE',
      pageSize: 2,
    })) assets.push(a);
    expect(assets.map((a) => a.name).sort()).toEqual([
      '//compute.googleapis.com/projects/acme-gke-data/regions/us-east4/subnetworks/gke-nodes-use4',
      '//compute.googleapis.com/projects/acme-gke-edge/regions/europe-west4/subnetworks/gke-nodes-euw4',
      '//compute.googleapis.com/projects/acme-gke-prod/regions/europe-west1/subnetworks/build-agents-euw1',
      '//compute.googleapis.com/projects/acme-gke-prod/regions/europe-west1/subnetworks/gke-nodes-euw1',
      '//compute.googleapis.com/projects/acme-gke-prod/regions/europe-west1/subnetworks/gke-svc-euw1',
      '//container.googleapis.com/projects/acme-gke-data/locations/us-east4/clusters/analytics-use4',
      '//container.googleapis.com/projects/acme-gke-edge/locations/europe-west4/clusters/edge-euw4',
      '//container.googleapis.com/projects/acme-gke-prod/locations/europe-west1-b/clusters/batch-euw1-b',
      '//container.googleapis.com/projects/acme-gke-prod/locations/europe-west1/clusters/payments-euw1',
      '//container.googleapis.com/projects/acme-gke-svc/locations/europe-west1/clusters/svc-euw1',
    ]);
    const subnet = assets.find((a) => a.name?.endsWith('/gke-nodes-euw1'));
    expect(subnet?.resource?.data?.fields?.['privateIpGoogleAccess']?.boolValue).toBe(true);
    expect(sim.counts.get('asset:assets.list')).toBeGreaterThanOrEqual(3);

    const found = [];
    for await (const r of client.searchAllResourcesAsync({ scope: 'projects/acme-gke-data', assetTypes: ['compute.googleapis.com/Router'], pageSize: 5 })) found.push(r.name);
    expect(found).toEqual(['//compute.googleapis.com/projects/acme-gke-data/regions/us-east4/routers/cr-interconnect-use4']);
  });

  it('answers 403 PERMISSION_DENIED for a denied project', async () => {
    const client = new NetworksClient(opts);
    // Through an AuthClient the REST fallback rejects with the HTTP error (code = HTTP status).
    await expect(client.list({ project: 'acme-locked-down' })).rejects.toMatchObject({ code: 403, message: expect.stringContaining('PERMISSION_DENIED') as unknown });
    const container = new ClusterManagerClient(opts);
    await expect(container.listClusters({ parent: 'projects/acme-locked-down/locations/-' })).rejects.toMatchObject({ code: 403 });
  });

  it('retries a throttled call when the caller retries on the rate-limit reason', async () => {
    const client = new FirewallsClient(opts);
    sim.throttleNext('compute:firewalls.list', 2);
    const before = sim.counts.get('compute:firewalls.list') ?? 0;
    // gax's default retry codes (UNAVAILABLE, DEADLINE_EXCEEDED) do not cover 403 rateLimitExceeded,
    // and through an AuthClient the error code gax compares is the HTTP status.
    const [firewalls] = await client.list(
      { project: 'acme-gke-data' },
      { retry: { retryCodes: [403], backoffSettings: { initialRetryDelayMillis: 5, retryDelayMultiplier: 1, maxRetryDelayMillis: 5, initialRpcTimeoutMillis: 5000, rpcTimeoutMultiplier: 1, maxRpcTimeoutMillis: 5000, totalTimeoutMillis: 20000 } } },
    );
    expect(firewalls.length).toBe(5);
    // Two throttled answers, then three pages of two.
    expect((sim.counts.get('compute:firewalls.list') ?? 0) - before).toBe(5);
  });

  it('surfaces a throttled call without retry as a rateLimitExceeded error', async () => {
    sim.throttleNext('compute:routes.list', 1);
    const err: unknown = await new RoutesClient(opts).list({ project: 'acme-gke-data' }).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 403 });
    expect((err as Error).message).toMatch(/rateLimitExceeded/);
  });

  it('surfaces an injected server error', async () => {
    sim.fail('container:clusters.list', 'server-error');
    try {
      await expect(new ClusterManagerClient(opts).listClusters({ parent: 'projects/acme-gke-data/locations/-' })).rejects.toMatchObject({ code: 500 });
    } finally {
      sim.fail('container:clusters.list', undefined);
    }
  });

  it('routes every request the clients made', () => {
    expect(sim.unrouted).toEqual([]);
  });
});
