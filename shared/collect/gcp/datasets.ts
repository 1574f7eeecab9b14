import { z } from 'zod';
import type { CloudDnsZone, CloudRouter, GcpDataset, GcpFirewall, GcpInstance, GcpInventory, GcpNetwork, GcpRoute, GcpSubnetwork, GkeCluster } from '../../model/inventory/gcp.js';
import { scopeKey } from '../../model/scope.js';
import { operationsOf, type DatasetDescriptor, type Operation } from '../kit/descriptor.js';
import { ShapeError } from '../kit/errors.js';

/**
 * One descriptor per GCP dataset: the per-project API call and the Cloud Asset type that read it,
 * each with its IAM permission, and one mapper (zod at the edge) that accepts both shapes: gax
 * objects (unset container fields '' / false / null) and Cloud Asset's REST JSON (unset = absent).
 */

export const GCP_OPERATIONS = {
  clustersList: { api: 'container:clusters.list', permission: 'container.clusters.list', description: 'GKE clusters in every location of a project (locations/-)' },
  networksList: { api: 'compute:networks.list', permission: 'compute.networks.list', description: 'VPC networks and their peerings' },
  subnetworksAggregatedList: { api: 'compute:subnetworks.aggregatedList', permission: 'compute.subnetworks.list', description: 'Subnetworks in every region (ranges, Private Google Access)' },
  routersAggregatedList: { api: 'compute:routers.aggregatedList', permission: 'compute.routers.list', description: 'Cloud Routers in every region (BGP advertisements, peers, Cloud NAT)' },
  routesList: { api: 'compute:routes.list', permission: 'compute.routes.list', description: 'Routes (default route, restricted VIP route)' },
  firewallsList: { api: 'compute:firewalls.list', permission: 'compute.firewalls.list', description: 'VPC firewall rules (egress to the VIP)' },
  instancesAggregatedList: { api: 'compute:instances.aggregatedList', permission: 'compute.instances.list', description: 'Instances in every zone (GKE nodes and their external IPs)' },
  managedZonesList: { api: 'dns:managedZones.list', permission: 'dns.managedZones.list', description: 'Cloud DNS managed zones and the networks they are visible to' },
  recordSetsList: { api: 'dns:resourceRecordSets.list', permission: 'dns.resourceRecordSets.list', description: 'Record sets of each managed zone (restricted VIP mapping)' },
  assetsList: { api: 'asset:assets.list', permission: 'cloudasset.assets.listResource', description: 'Cloud Asset Inventory: every dataset above for an organisation, folder or project in few calls (asset path)' },
  projectsList: { api: 'resourcemanager:projects.list', permission: 'resourcemanager.projects.list', description: 'Projects under the configured organisation and folders' },
  foldersList: { api: 'resourcemanager:folders.list', permission: 'resourcemanager.folders.list', description: 'Folders under the configured organisation and folders (walked to find every project)' },
} as const satisfies Record<string, Operation>;

interface GcpPaths {
  /** The per-project call(s). */
  api: Operation[];
  /** The Cloud Asset type holding the same resource, and what else that path needs. */
  asset: { assetType: string; operations: Operation[] };
}

/** What a mapper receives: the item of either path and the project it was read in. */
export interface GcpRaw {
  projectId: string;
  item: unknown;
  /** Record sets of a managed zone (read separately on both paths). */
  records?: unknown[];
}

type GcpDescriptor<N extends GcpDataset> = DatasetDescriptor<'gcp', N, GcpInventory[N][number], GcpPaths>;

// --- shared schema pieces -------------------------------------------------------------------

/** '' and null are how gax spells "unset" for container strings and messages. */
const str = z.preprocess((v) => (v === '' || v === null ? undefined : v), z.string().optional());
const bool = z.preprocess((v) => (v === null ? undefined : v), z.boolean().optional()).transform((v) => v ?? false);
const int = z.preprocess((v) => (v === null ? undefined : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v), z.number().int().optional());
const list = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === null ? undefined : v), z.array(item).optional()).transform((v) => v ?? []);
const msg = <S extends z.ZodRawShape>(shape: S) => z.preprocess((v) => (v === null ? undefined : v), z.object(shape).optional());
const labels = z.preprocess((v) => (v === null ? undefined : v), z.record(z.string(), z.string()).optional()).transform((v) => v ?? {});
const strings = list(z.string());

/** `projects/...` from a selfLink or URL; the id every rule and finding uses. */
export function resourcePathOf(ref: string): string {
  return ref.replace(/^https?:\/\/[^/]+\//, '').replace(/^(?:compute\/|dns\/)?v1\//, '');
}

const lastSegment = (ref: string): string => ref.split('/').filter((s) => s.length > 0).pop() ?? ref;
const regionOfLocation = (location: string): string => {
  const parts = location.split('-');
  return parts.length >= 3 ? parts.slice(0, 2).join('-') : location;
};

function parse<T>(schema: z.ZodType<T>, raw: unknown, what: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ShapeError(`unexpected ${what}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
}

function envelope(raw: unknown): GcpRaw {
  const r = raw as Partial<GcpRaw> | null;
  if (!r || typeof r.projectId !== 'string') throw new ShapeError('collector bug: GCP item without its project');
  return r as GcpRaw;
}

function base(projectId: string, id: string, name: string, l: Record<string, string>) {
  return { id, name, scope: scopeKey({ cloud: 'gcp', kind: 'project', id: projectId }), projectId, labels: l };
}

// --- clusters -------------------------------------------------------------------------------

const authorizedNetworks = msg({ enabled: bool, cidrBlocks: list(z.object({ cidrBlock: str })), gcpPublicCidrsAccessEnabled: bool });

const clusterSchema = z.object({
  name: z.string().min(1),
  location: z.string().min(1),
  selfLink: str,
  network: str,
  subnetwork: str,
  resourceLabels: labels,
  clusterIpv4Cidr: str,
  servicesIpv4Cidr: str,
  privateClusterConfig: msg({
    enablePrivateNodes: bool,
    enablePrivateEndpoint: bool,
    masterIpv4CidrBlock: str,
    peeringName: str,
    privateEndpoint: str,
    publicEndpoint: str,
  }),
  masterAuthorizedNetworksConfig: authorizedNetworks,
  controlPlaneEndpointsConfig: msg({
    dnsEndpointConfig: msg({ allowExternalTraffic: bool }),
    ipEndpointsConfig: msg({ enabled: bool, enablePublicEndpoint: bool, authorizedNetworksConfig: authorizedNetworks }),
  }),
  ipAllocationPolicy: msg({ useIpAliases: bool, clusterIpv4CidrBlock: str, servicesIpv4CidrBlock: str }),
  networkConfig: msg({ network: str, subnetwork: str, defaultEnablePrivateNodes: bool }),
  nodePools: list(
    z.object({
      name: z.string().min(1),
      networkConfig: msg({ enablePrivateNodes: z.preprocess((v) => (v === null ? undefined : v), z.boolean().optional()), subnetwork: str }),
    }),
  ),
});

function mapCluster(raw: unknown): GkeCluster {
  const { projectId, item } = envelope(raw);
  const c = parse(clusterSchema, item, 'GKE cluster');
  const pcc = c.privateClusterConfig;
  const ip = c.controlPlaneEndpointsConfig?.ipEndpointsConfig;
  const region = regionOfLocation(c.location);
  const network = c.networkConfig?.network ?? `projects/${projectId}/global/networks/${c.network ?? 'default'}`;
  const subnetwork = c.networkConfig?.subnetwork ?? (c.subnetwork ? `projects/${projectId}/regions/${region}/subnetworks/${c.subnetwork}` : undefined);
  const man = c.masterAuthorizedNetworksConfig ?? ip?.authorizedNetworksConfig;
  const clusterCidr = c.ipAllocationPolicy?.clusterIpv4CidrBlock ?? c.clusterIpv4Cidr;
  const servicesCidr = c.ipAllocationPolicy?.servicesIpv4CidrBlock ?? c.servicesIpv4Cidr;
  return {
    ...base(projectId, `projects/${projectId}/locations/${c.location}/clusters/${c.name}`, c.name, c.resourceLabels),
    location: c.location,
    network: resourcePathOf(network),
    ...(subnetwork ? { subnetwork: resourcePathOf(subnetwork) } : {}),
    privateNodes: pcc?.enablePrivateNodes === true || c.networkConfig?.defaultEnablePrivateNodes === true,
    publicEndpointEnabled: ip?.enabled === true ? ip.enablePublicEndpoint : pcc?.enablePrivateEndpoint !== true,
    ...(pcc?.masterIpv4CidrBlock ? { masterIpv4CidrBlock: pcc.masterIpv4CidrBlock } : {}),
    ...(pcc?.peeringName ? { peeringName: pcc.peeringName } : {}),
    ...(pcc?.privateEndpoint ? { privateEndpoint: pcc.privateEndpoint } : {}),
    ...(pcc?.publicEndpoint ? { publicEndpoint: pcc.publicEndpoint } : {}),
    masterAuthorizedNetworks: {
      enabled: man?.enabled ?? false,
      cidrBlocks: (man?.cidrBlocks ?? []).flatMap((b) => (b.cidrBlock ? [b.cidrBlock] : [])),
      gcpPublicCidrsAccessEnabled: man?.gcpPublicCidrsAccessEnabled ?? false,
    },
    vpcNative: c.ipAllocationPolicy?.useIpAliases ?? false,
    ...(clusterCidr ? { clusterIpv4Cidr: clusterCidr } : {}),
    ...(servicesCidr ? { servicesIpv4Cidr: servicesCidr } : {}),
    dnsEndpointAllowsExternalTraffic: c.controlPlaneEndpointsConfig?.dnsEndpointConfig?.allowExternalTraffic ?? false,
    nodePools: c.nodePools.map((p) => ({
      name: p.name,
      ...(p.networkConfig?.enablePrivateNodes === undefined ? {} : { enablePrivateNodes: p.networkConfig.enablePrivateNodes }),
      ...(p.networkConfig?.subnetwork ? { subnetwork: resourcePathOf(p.networkConfig.subnetwork) } : {}),
    })),
  };
}

// --- compute --------------------------------------------------------------------------------

const computeBase = { name: z.string().min(1), selfLink: z.string().min(1), labels };

const networkSchema = z.object({
  ...computeBase,
  peerings: list(z.object({ name: z.string(), network: z.string(), state: str, exportCustomRoutes: bool, importCustomRoutes: bool })),
});

function mapNetwork(raw: unknown): GcpNetwork {
  const { projectId, item } = envelope(raw);
  const n = parse(networkSchema, item, 'network');
  return {
    ...base(projectId, resourcePathOf(n.selfLink), n.name, n.labels),
    selfLink: n.selfLink,
    peerings: n.peerings.map((p) => ({ name: p.name, network: p.network, ...(p.state ? { state: p.state } : {}), exportCustomRoutes: p.exportCustomRoutes, importCustomRoutes: p.importCustomRoutes })),
  };
}

const subnetworkSchema = z.object({
  ...computeBase,
  region: z.string().min(1),
  network: z.string().min(1),
  ipCidrRange: z.string().min(1),
  secondaryIpRanges: list(z.object({ rangeName: z.string(), ipCidrRange: z.string() })),
  privateIpGoogleAccess: bool,
});

function mapSubnetwork(raw: unknown): GcpSubnetwork {
  const { projectId, item } = envelope(raw);
  const s = parse(subnetworkSchema, item, 'subnetwork');
  return {
    ...base(projectId, resourcePathOf(s.selfLink), s.name, s.labels),
    region: lastSegment(s.region),
    selfLink: s.selfLink,
    network: s.network,
    ipCidrRange: s.ipCidrRange,
    secondaryIpRanges: s.secondaryIpRanges,
    privateIpGoogleAccess: s.privateIpGoogleAccess,
  };
}

const routerSchema = z.object({
  ...computeBase,
  region: z.string().min(1),
  network: z.string().min(1),
  bgp: msg({ advertiseMode: str, advertisedGroups: strings, advertisedIpRanges: list(z.object({ range: z.string() })) }),
  bgpPeers: list(
    z.object({
      name: z.string(),
      peerIpAddress: str,
      interfaceName: str,
      advertiseMode: str,
      advertisedIpRanges: list(z.object({ range: z.string() })),
    }),
  ),
  nats: list(
    z.object({
      name: z.string(),
      sourceSubnetworkIpRangesToNat: str,
      subnetworks: list(z.object({ name: z.string(), sourceIpRangesToNat: strings })),
    }),
  ),
});

function mapRouter(raw: unknown): CloudRouter {
  const { projectId, item } = envelope(raw);
  const r = parse(routerSchema, item, 'Cloud Router');
  return {
    ...base(projectId, resourcePathOf(r.selfLink), r.name, r.labels),
    region: lastSegment(r.region),
    network: r.network,
    advertiseMode: r.bgp?.advertiseMode ?? 'DEFAULT',
    advertisedGroups: r.bgp?.advertisedGroups ?? [],
    advertisedIpRanges: (r.bgp?.advertisedIpRanges ?? []).map((x) => x.range),
    bgpPeers: r.bgpPeers.map((p) => ({
      name: p.name,
      ...(p.peerIpAddress ? { peerIpAddress: p.peerIpAddress } : {}),
      ...(p.interfaceName ? { interfaceName: p.interfaceName } : {}),
      ...(p.advertiseMode ? { advertiseMode: p.advertiseMode } : {}),
      ...(p.advertisedIpRanges.length > 0 ? { advertisedIpRanges: p.advertisedIpRanges.map((x) => x.range) } : {}),
    })),
    nats: r.nats.map((n) => ({
      name: n.name,
      // The API's default when the field is unset.
      sourceSubnetworkIpRangesToNat: n.sourceSubnetworkIpRangesToNat ?? 'ALL_SUBNETWORKS_ALL_IP_RANGES',
      subnetworks: n.subnetworks.map((s) => ({ name: s.name, sourceIpRangesToNat: s.sourceIpRangesToNat })),
    })),
  };
}

const routeSchema = z.object({
  ...computeBase,
  network: z.string().min(1),
  destRange: z.string().min(1),
  nextHopGateway: str,
  nextHopIp: str,
  nextHopPeering: str,
  priority: int,
  tags: strings,
});

function mapRoute(raw: unknown): GcpRoute {
  const { projectId, item } = envelope(raw);
  const r = parse(routeSchema, item, 'route');
  return {
    ...base(projectId, resourcePathOf(r.selfLink), r.name, r.labels),
    network: r.network,
    destRange: r.destRange,
    ...(r.nextHopGateway ? { nextHopGateway: r.nextHopGateway } : {}),
    ...(r.nextHopIp ? { nextHopIp: r.nextHopIp } : {}),
    ...(r.nextHopPeering ? { nextHopPeering: r.nextHopPeering } : {}),
    priority: r.priority ?? 1000,
    tags: r.tags,
  };
}

const ruleEntry = z.object({ IPProtocol: z.string().min(1), ports: strings });

const firewallSchema = z.object({
  ...computeBase,
  network: z.string().min(1),
  direction: z.preprocess((v) => (v === null || v === '' ? undefined : v), z.enum(['INGRESS', 'EGRESS']).optional()),
  priority: int,
  sourceRanges: strings,
  destinationRanges: strings,
  allowed: list(ruleEntry),
  denied: list(ruleEntry),
  targetTags: strings,
  disabled: bool,
});

function mapFirewall(raw: unknown): GcpFirewall {
  const { projectId, item } = envelope(raw);
  const f = parse(firewallSchema, item, 'firewall rule');
  return {
    ...base(projectId, resourcePathOf(f.selfLink), f.name, f.labels),
    network: f.network,
    direction: f.direction ?? 'INGRESS',
    priority: f.priority ?? 1000,
    sourceRanges: f.sourceRanges,
    destinationRanges: f.destinationRanges,
    allowed: f.allowed,
    denied: f.denied,
    targetTags: f.targetTags,
    disabled: f.disabled,
  };
}

const instanceSchema = z.object({
  ...computeBase,
  zone: z.string().min(1),
  networkInterfaces: list(z.object({ network: z.string().min(1), subnetwork: str, networkIP: str, accessConfigs: list(z.object({ natIP: str })) })),
});

function mapInstance(raw: unknown): GcpInstance {
  const { projectId, item } = envelope(raw);
  const i = parse(instanceSchema, item, 'instance');
  const clusterName = i.labels['goog-k8s-cluster-name'];
  return {
    ...base(projectId, resourcePathOf(i.selfLink), i.name, i.labels),
    zone: lastSegment(i.zone),
    networkInterfaces: i.networkInterfaces.map((n) => ({
      network: n.network,
      ...(n.subnetwork ? { subnetwork: n.subnetwork } : {}),
      ...(n.networkIP ? { networkIp: n.networkIP } : {}),
      externalIps: n.accessConfigs.flatMap((a) => (a.natIP ? [a.natIP] : [])),
    })),
    ...(clusterName ? { clusterName } : {}),
  };
}

// --- Cloud DNS ------------------------------------------------------------------------------

const zoneSchema = z.object({
  name: z.string().min(1),
  dnsName: z.string().min(1),
  visibility: z.preprocess((v) => (v === null || v === '' ? undefined : typeof v === 'string' ? v.toLowerCase() : v), z.enum(['public', 'private']).optional()),
  privateVisibilityConfig: msg({ networks: list(z.object({ networkUrl: z.string() })) }),
  labels,
});

const recordSchema = z.object({ name: z.string().min(1), type: z.string().min(1), rrdatas: strings });

function mapZone(raw: unknown): CloudDnsZone {
  const { projectId, item, records } = envelope(raw);
  const zone = parse(zoneSchema, item, 'managed zone');
  return {
    ...base(projectId, `projects/${projectId}/managedZones/${zone.name}`, zone.name, zone.labels),
    dnsName: zone.dnsName,
    visibility: zone.visibility ?? 'public',
    networkUrls: (zone.privateVisibilityConfig?.networks ?? []).map((n) => n.networkUrl),
    records: (records ?? []).map((r) => parse(recordSchema, r, 'record set')),
  };
}

// --- descriptors ----------------------------------------------------------------------------

const O = GCP_OPERATIONS;
const assetPath = (assetType: string, ...extra: Operation[]) => ({ assetType, operations: [O.assetsList, ...extra] });

export const GCP_DATASETS: { [N in GcpDataset]: GcpDescriptor<N> } = {
  clusters: { cloud: 'gcp', dataset: 'clusters', paths: { api: [O.clustersList], asset: assetPath('container.googleapis.com/Cluster') }, map: mapCluster },
  networks: { cloud: 'gcp', dataset: 'networks', paths: { api: [O.networksList], asset: assetPath('compute.googleapis.com/Network') }, map: mapNetwork },
  subnetworks: { cloud: 'gcp', dataset: 'subnetworks', paths: { api: [O.subnetworksAggregatedList], asset: assetPath('compute.googleapis.com/Subnetwork') }, map: mapSubnetwork },
  routers: { cloud: 'gcp', dataset: 'routers', paths: { api: [O.routersAggregatedList], asset: assetPath('compute.googleapis.com/Router') }, map: mapRouter },
  routes: { cloud: 'gcp', dataset: 'routes', paths: { api: [O.routesList], asset: assetPath('compute.googleapis.com/Route') }, map: mapRoute },
  firewalls: { cloud: 'gcp', dataset: 'firewalls', paths: { api: [O.firewallsList], asset: assetPath('compute.googleapis.com/Firewall') }, map: mapFirewall },
  instances: { cloud: 'gcp', dataset: 'instances', paths: { api: [O.instancesAggregatedList], asset: assetPath('compute.googleapis.com/Instance') }, map: mapInstance },
  dnsZones: { cloud: 'gcp', dataset: 'dnsZones', paths: { api: [O.managedZonesList, O.recordSetsList], asset: assetPath('dns.googleapis.com/ManagedZone', O.recordSetsList) }, map: mapZone },
};

export const GCP_DATASET_NAMES = Object.keys(GCP_DATASETS) as GcpDataset[];

/** Every operation the GCP collector performs (planning's Resource Manager walk included). */
export const GCP_OPERATIONS_LIST = operationsOf(Object.values(GCP_DATASETS), [GCP_OPERATIONS.projectsList, GCP_OPERATIONS.foldersList]);
