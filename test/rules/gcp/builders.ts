/** Small GCP inventory records for rule cases: a private, VPC-native cluster by default. */
import type { ScopeCoverage } from '../../../shared/model/coverage.js';
import type { CloudDnsZone, CloudRouter, GcpFirewall, GcpInstance, GcpNetwork, GcpRoute, GcpSubnetwork, GkeCluster } from '../../../shared/model/inventory/gcp.js';

export const P = 'acme-gke-prod';
export const HOST = 'acme-net-host';
const COMPUTE = 'https://www.googleapis.com/compute/v1';

export const scopeOf = (project: string): string => `gcp/project/${project}`;
export const netUrl = (name = 'prod-vpc', project = P): string => `${COMPUTE}/projects/${project}/global/networks/${name}`;
export const subnetUrl = (name = 'gke-nodes', region = 'europe-west1', project = P): string => `${COMPUTE}/projects/${project}/regions/${region}/subnetworks/${name}`;
const base = (project: string, id: string, name: string) => ({ id, name, scope: scopeOf(project), projectId: project, labels: {} });

export function audited(project: string, failed: string[] = []): ScopeCoverage {
  return { scope: { cloud: 'gcp', kind: 'project', id: project }, complete: failed.length === 0, failed: failed.map((dataset) => ({ dataset, api: `compute:${dataset}.list`, status: 403, message: 'denied' })) };
}

export function cluster(name: string, o: Partial<GkeCluster> = {}): GkeCluster {
  const project = o.projectId ?? P;
  const location = o.location ?? 'europe-west1';
  return {
    ...base(project, `projects/${project}/locations/${location}/clusters/${name}`, name),
    location,
    network: `projects/${project}/global/networks/prod-vpc`,
    subnetwork: `projects/${project}/regions/europe-west1/subnetworks/gke-nodes`,
    privateNodes: true,
    publicEndpointEnabled: false,
    masterIpv4CidrBlock: '172.16.0.0/28',
    peeringName: `gke-n${name}-peer`,
    masterAuthorizedNetworks: { enabled: true, cidrBlocks: ['10.10.0.0/16', '172.20.0.0/14'], gcpPublicCidrsAccessEnabled: false },
    vpcNative: true,
    dnsEndpointAllowsExternalTraffic: false,
    nodePools: [{ name: 'default-pool' }],
    ...o,
  };
}

export function network(name = 'prod-vpc', o: Partial<GcpNetwork> = {}, project = P): GcpNetwork {
  return { ...base(project, `projects/${project}/global/networks/${name}`, name), selfLink: netUrl(name, project), peerings: [], ...o };
}

export function peering(name: string, exportCustomRoutes = true) {
  return { name, network: `${COMPUTE}/projects/gke-prod-europe-west1-1234/global/networks/${name.replace(/-peer$/, '-net')}`, state: 'ACTIVE', exportCustomRoutes, importCustomRoutes: false };
}

export function router(name: string, o: Partial<CloudRouter> = {}, project = P): CloudRouter {
  const region = o.region ?? 'europe-west1';
  return {
    ...base(project, `projects/${project}/regions/${region}/routers/${name}`, name),
    region,
    network: netUrl('prod-vpc', project),
    advertiseMode: 'CUSTOM',
    advertisedGroups: ['ALL_SUBNETS'],
    advertisedIpRanges: ['172.16.0.0/28'],
    bgpPeers: [{ name: 'onprem-1', peerIpAddress: '169.254.10.2' }],
    nats: [],
    ...o,
  };
}

export function subnet(name = 'gke-nodes', o: Partial<GcpSubnetwork> = {}, project = P): GcpSubnetwork {
  const region = o.region ?? 'europe-west1';
  return {
    ...base(project, `projects/${project}/regions/${region}/subnetworks/${name}`, name),
    region,
    selfLink: subnetUrl(name, region, project),
    network: netUrl('prod-vpc', project),
    ipCidrRange: '10.128.0.0/20',
    secondaryIpRanges: [{ rangeName: 'pods', ipCidrRange: '10.132.0.0/16' }, { rangeName: 'services', ipCidrRange: '10.136.0.0/20' }],
    privateIpGoogleAccess: true,
    ...o,
  };
}

export function route(name: string, destRange: string, o: Partial<GcpRoute> = {}, project = P): GcpRoute {
  return { ...base(project, `projects/${project}/global/routes/${name}`, name), network: netUrl('prod-vpc', project), destRange, nextHopGateway: `${COMPUTE}/projects/${project}/global/gateways/default-internet-gateway`, priority: 1000, tags: [], ...o };
}

export function firewall(name: string, o: Partial<GcpFirewall> = {}, project = P): GcpFirewall {
  return {
    ...base(project, `projects/${project}/global/firewalls/${name}`, name),
    network: netUrl('prod-vpc', project),
    direction: 'EGRESS',
    priority: 1000,
    sourceRanges: [],
    destinationRanges: ['0.0.0.0/0'],
    allowed: [],
    denied: [],
    targetTags: [],
    disabled: false,
    ...o,
  };
}

export function instance(name: string, clusterName: string | undefined, externalIps: string[] = [], o: Partial<GcpInstance> = {}): GcpInstance {
  const zone = o.zone ?? 'europe-west1-b';
  return {
    ...base(P, `projects/${P}/zones/${zone}/instances/${name}`, name),
    labels: clusterName ? { 'goog-k8s-cluster-name': clusterName, 'goog-k8s-cluster-location': 'europe-west1', 'goog-k8s-node-pool-name': 'default-pool' } : {},
    zone,
    networkInterfaces: [{ network: netUrl(), subnetwork: subnetUrl(), networkIp: '10.128.0.10', externalIps }],
    ...(clusterName ? { clusterName } : {}),
    ...o,
  };
}

const VIP_A = ['199.36.153.4', '199.36.153.5', '199.36.153.6', '199.36.153.7'];

/** A private zone for `domain` visible to the networks, mapping `*.domain` to the restricted VIP. */
export function vipZone(domain: string, networks: string[] = [netUrl()], o: Partial<CloudDnsZone> = {}): CloudDnsZone {
  const name = `${domain.replace(/\.$/, '').replace(/\./g, '-')}-restricted`;
  const records =
    domain === 'googleapis.com.'
      ? [{ name: 'restricted.googleapis.com.', type: 'A', rrdatas: VIP_A }, { name: '*.googleapis.com.', type: 'CNAME', rrdatas: ['restricted.googleapis.com.'] }]
      : [{ name: domain, type: 'A', rrdatas: VIP_A }, { name: `*.${domain}`, type: 'CNAME', rrdatas: [domain] }];
  return { ...base(P, `projects/${P}/managedZones/${name}`, name), dnsName: domain, visibility: 'private', networkUrls: networks, records, ...o };
}

export const allVipZones = (networks: string[] = [netUrl()]): CloudDnsZone[] => ['googleapis.com.', 'gcr.io.', 'pkg.dev.'].map((d) => vipZone(d, networks));
export const vipRoute = (project = P): GcpRoute => route('restricted-googleapis', '199.36.153.4/30', {}, project);
export const ONPREM = { onPrem: { ranges: ['10.10.0.0/16', '172.20.0.0/14'] } };
