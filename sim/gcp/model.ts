import { hex } from '../core/deterministic.js';
import { hostIn, intToIpv4, ipv4ToInt } from '../core/ipv4.js';
import { pushTo } from '../core/multimap.js';
import type { GcpClusterSpec, GcpEstate, GcpNetworkSpec, GcpProjectSpec } from './scenario.js';

/**
 * Turns a GCP estate into the API bodies the emulation serves, once per scenario. Bodies use the
 * REST (JSON) field names of container v1, compute v1 and Cloud DNS v1.
 */

const COMPUTE_URL = 'https://www.googleapis.com/compute/v1';
const CONTAINER_URL = 'https://container.googleapis.com/v1';
const CREATED = '2026-01-12T08:30:00.000-08:00';

export type Json = Record<string, unknown>;

/** A resource body plus what listing and Cloud Asset need to place it. */
export interface GcpItem {
  /** `regions/<r>`, `zones/<z>` or `global`: the aggregatedList key. */
  scope: string;
  body: Json;
}

export interface AssetEntry {
  assetType: string;
  /** `//compute.googleapis.com/projects/...` */
  name: string;
  location: string;
  displayName: string;
  data: Json;
  discoveryName: string;
  discoveryDocumentUri: string;
}

export interface GcpProjectModel {
  id: string;
  number: string;
  denied: boolean;
  /** Folder id, or undefined when the project sits directly under the organisation. */
  folder?: string;
  disabledApis: string[];
  missingZones: string[];
  clusters: GcpItem[];
  networks: GcpItem[];
  routers: GcpItem[];
  subnetworks: GcpItem[];
  routes: GcpItem[];
  firewalls: GcpItem[];
  instances: GcpItem[];
  managedZones: Json[];
  /** Zone name → record sets (sorted by name, type). */
  rrsets: Map<string, Json[]>;
  assets: AssetEntry[];
}

function digits(key: string, length: number): string {
  const n = BigInt(`0x${hex(key, 30)}`).toString();
  return (`1${n}`).padEnd(length, '7').slice(0, length);
}

function projectNumberOf(spec: Pick<GcpProjectSpec, 'id' | 'number'>): string {
  return spec.number ?? digits(`project/${spec.id}`, 12);
}

export function regionOf(location: string): string {
  const parts = location.split('-');
  return parts.length >= 3 ? parts.slice(0, 2).join('-') : location;
}

/** A deterministic public-looking address in 34.64.0.0/10 (Google's range). */
function publicIp(key: string): string {
  const h = parseInt(hex(key, 8), 16);
  return intToIpv4((ipv4ToInt('34.64.0.0') + (h % 4_194_304)) >>> 0);
}

/** Accepts a short name, `projects/<p>/global/networks/<n>` or a full URL; returns the full URL. */
function networkUrl(ref: string, projectId: string): string {
  if (ref.startsWith('https://')) return ref;
  if (ref.startsWith('projects/')) return `${COMPUTE_URL}/${ref}`;
  return `${COMPUTE_URL}/projects/${projectId}/global/networks/${ref}`;
}

interface PeeringInfo {
  peeringName: string;
  peerNetworkUrl: string;
}

/** The control-plane peering GKE creates for a VPC-peering private cluster. */
function clusterPeering(projectId: string, cluster: GcpClusterSpec): PeeringInfo | undefined {
  if (cluster.peering === false || (cluster.peering === undefined && cluster.masterIpv4CidrBlock === undefined)) return undefined;
  const h = hex(`peering/${projectId}/${cluster.location}/${cluster.name}`, 30);
  const stem = `gke-n${h.slice(0, 18)}-${h.slice(18, 22)}-${h.slice(22, 26)}`;
  const region = regionOf(cluster.location);
  return {
    peeringName: `${stem}-peer`,
    peerNetworkUrl: `${COMPUTE_URL}/projects/gke-prod-${region}-${h.slice(26, 30)}/global/networks/${stem}-net`,
  };
}

function peeringBody(name: string, network: string, state: 'ACTIVE' | 'INACTIVE', exportCustomRoutes: boolean, importCustomRoutes: boolean): Json {
  return {
    name,
    network,
    state,
    stateDetails: state === 'ACTIVE' ? '[2026-01-12T08:31:00.000-08:00]: Connected.' : 'Peer network not configured.',
    autoCreateRoutes: true,
    exportCustomRoutes,
    importCustomRoutes,
    exchangeSubnetRoutes: true,
    exportSubnetRoutesWithPublicIp: false,
    importSubnetRoutesWithPublicIp: false,
    stackType: 'IPV4_ONLY',
  };
}

/** The node instances of a cluster as `{ name, zone, externalIp }`. */
export function clusterNodes(cluster: GcpClusterSpec): { name: string; zone: string; externalIp?: string }[] {
  const region = regionOf(cluster.location);
  const defaultZone = cluster.location === region ? `${region}-b` : cluster.location;
  if (typeof cluster.nodes === 'number') {
    const poolHash = hex(`pool/${cluster.location}/${cluster.name}`, 8);
    const zones = cluster.location === region ? [`${region}-a`, `${region}-b`, `${region}-c`] : [cluster.location];
    return Array.from({ length: cluster.nodes }, (_, i) => ({
      name: `gke-${cluster.name}-default-pool-${poolHash}-${hex(`node/${cluster.name}/${i}`, 4)}`,
      zone: zones[i % zones.length] ?? defaultZone,
    }));
  }
  return cluster.nodes.map((n) => ({ name: n.name, zone: n.zone ?? defaultZone, ...(n.externalIp ? { externalIp: n.externalIp } : {}) }));
}

function compute(projectId: string, path: string): string {
  return `${COMPUTE_URL}/projects/${projectId}/${path}`;
}

/** A Cloud Asset entry; the service (`compute.googleapis.com`) is the asset type's prefix. */
function asset(assetType: string, path: string, location: string, displayName: string, data: Json): AssetEntry {
  const [service = assetType, discoveryName = assetType] = assetType.split('/');
  return {
    assetType,
    name: `//${service}/${path}`,
    location,
    displayName,
    data,
    discoveryName,
    discoveryDocumentUri: `https://www.googleapis.com/discovery/v1/apis/${service.split('.')[0] ?? service}/v1/rest`,
  };
}

function subnetBody(projectId: string, net: GcpNetworkSpec, s: GcpNetworkSpec['subnetworks'][number]): Json {
  return {
    kind: 'compute#subnetwork',
    id: digits(`subnet/${projectId}/${s.region}/${s.name}`, 19),
    creationTimestamp: CREATED,
    name: s.name,
    network: compute(projectId, `global/networks/${net.name}`),
    ipCidrRange: s.ipCidrRange,
    gatewayAddress: hostIn(s.ipCidrRange, 1),
    region: compute(projectId, `regions/${s.region}`),
    selfLink: compute(projectId, `regions/${s.region}/subnetworks/${s.name}`),
    privateIpGoogleAccess: s.privateIpGoogleAccess,
    secondaryIpRanges: s.secondaryIpRanges.map((r) => ({ rangeName: r.rangeName, ipCidrRange: r.ipCidrRange })),
    fingerprint: hex(`fp/subnet/${projectId}/${s.name}`, 11),
    purpose: 'PRIVATE',
    stackType: 'IPV4_ONLY',
  };
}

type ProjectSpecs = ReadonlyMap<string, GcpProjectSpec>;

/** The project and network a cluster's `network` names: its own, or a Shared VPC host's. */
export function clusterNetwork(p: GcpProjectSpec, c: GcpClusterSpec, specs: ProjectSpecs): { hostId: string; net: GcpNetworkSpec } {
  const shared = /^projects\/([^/]+)\/global\/networks\/([^/]+)$/.exec(c.network);
  const hostId = shared?.[1] ?? p.id;
  const netName = shared?.[2] ?? c.network;
  const host = hostId === p.id ? p : specs.get(hostId);
  if (!host) throw new Error(`gcp estate: cluster ${p.id}/${c.name} names Shared VPC host project ${hostId}, which the estate does not have`);
  const net = host.networks.find((n) => n.name === netName);
  if (!net) throw new Error(`gcp estate: cluster ${p.id}/${c.name} names network "${c.network}", which project ${hostId} does not have`);
  return { hostId, net };
}

function clusterBody(p: GcpProjectSpec, c: GcpClusterSpec, specs: ProjectSpecs): Json {
  const region = regionOf(c.location);
  const { hostId, net } = clusterNetwork(p, c, specs);
  const subnet = net.subnetworks.find((s) => s.name === c.subnetwork && s.region === region);
  if (!subnet) {
    throw new Error(`gcp estate: cluster ${p.id}/${c.name} names subnetwork "${c.subnetwork}", which network ${c.network} does not have in ${region}`);
  }
  const pods = subnet.secondaryIpRanges.find((r) => r.rangeName === c.podsRange);
  const services = subnet.secondaryIpRanges.find((r) => r.rangeName === c.servicesRange);
  const clusterCidr = c.vpcNative ? pods?.ipCidrRange : c.clusterIpv4Cidr;
  const servicesCidr = c.vpcNative ? services?.ipCidrRange : c.servicesIpv4Cidr;
  if (c.vpcNative && (!pods || !services)) {
    throw new Error(`gcp estate: VPC-native cluster ${p.id}/${c.name} needs secondary ranges "${c.podsRange}" and "${c.servicesRange}" on subnetwork ${c.subnetwork}`);
  }
  const peering = clusterPeering(p.id, c);
  const privateEndpointIp = c.masterIpv4CidrBlock ? hostIn(c.masterIpv4CidrBlock, 2) : hostIn(subnet.ipCidrRange, 2);
  const publicEndpointIp = publicIp(`endpoint/${p.id}/${c.name}`);
  const num = projectNumberOf(p);
  const authorized = {
    enabled: c.authorizedNetworks.enabled,
    cidrBlocks: c.authorizedNetworks.enabled ? c.authorizedNetworks.cidrBlocks.map((b, i) => ({ displayName: `range-${i + 1}`, cidrBlock: b })) : [],
    gcpPublicCidrsAccessEnabled: c.authorizedNetworks.gcpPublicCidrsAccessEnabled,
  };
  return {
    name: c.name,
    description: '',
    initialNodeCount: 0,
    network: net.name,
    subnetwork: c.subnetwork,
    clusterIpv4Cidr: clusterCidr ?? '',
    servicesIpv4Cidr: servicesCidr ?? '',
    location: c.location,
    zone: c.location,
    locations: clusterNodes(c).map((n) => n.zone).filter((z, i, all) => all.indexOf(z) === i),
    endpoint: c.privateEndpoint ? privateEndpointIp : publicEndpointIp,
    selfLink: `${CONTAINER_URL}/projects/${p.id}/locations/${c.location}/clusters/${c.name}`,
    id: hex(`cluster/${p.id}/${c.name}`, 32),
    currentMasterVersion: '1.31.5-gke.1068000',
    currentNodeVersion: '1.31.5-gke.1068000',
    createTime: '2026-01-12T16:30:00+00:00',
    // RUNNING; the REST client asks for integer enums ($alt=json;enum-encoding=int).
    status: 2,
    resourceLabels: c.labels,
    privateClusterConfig: {
      enablePrivateNodes: c.privateNodes,
      enablePrivateEndpoint: c.privateEndpoint,
      masterIpv4CidrBlock: c.masterIpv4CidrBlock ?? '',
      privateEndpoint: privateEndpointIp,
      publicEndpoint: publicEndpointIp,
      peeringName: peering?.peeringName ?? '',
      masterGlobalAccessConfig: { enabled: true },
    },
    masterAuthorizedNetworksConfig: authorized,
    controlPlaneEndpointsConfig: {
      dnsEndpointConfig: {
        endpoint: `gke-${hex(`dns/${p.id}/${c.name}`, 32)}-${num}.${region}.gke.goog`,
        allowExternalTraffic: c.dnsEndpointExternal,
      },
      ipEndpointsConfig: {
        enabled: true,
        enablePublicEndpoint: !c.privateEndpoint,
        globalAccess: true,
        authorizedNetworksConfig: authorized,
        publicEndpoint: publicEndpointIp,
        privateEndpoint: privateEndpointIp,
      },
    },
    ipAllocationPolicy: {
      useIpAliases: c.vpcNative,
      clusterIpv4Cidr: clusterCidr ?? '',
      clusterIpv4CidrBlock: clusterCidr ?? '',
      servicesIpv4Cidr: servicesCidr ?? '',
      servicesIpv4CidrBlock: servicesCidr ?? '',
      clusterSecondaryRangeName: c.vpcNative ? c.podsRange : '',
      servicesSecondaryRangeName: c.vpcNative ? c.servicesRange : '',
    },
    networkConfig: {
      network: `projects/${hostId}/global/networks/${net.name}`,
      subnetwork: `projects/${hostId}/regions/${region}/subnetworks/${c.subnetwork}`,
      defaultEnablePrivateNodes: c.privateNodes,
    },
    nodePools: [
      {
        name: 'default-pool',
        config: { machineType: 'e2-standard-4', diskSizeGb: 100 },
        initialNodeCount: typeof c.nodes === 'number' ? c.nodes : c.nodes.length,
        status: 2,
        version: '1.31.5-gke.1068000',
      },
    ],
  };
}

function instanceBody(projectId: string, zone: string, nm: string, netUrl: string, subnetUrl: string, ip: string, externalIp: string | undefined, labels: Record<string, string>): Json {
  return {
    kind: 'compute#instance',
    id: digits(`instance/${projectId}/${zone}/${nm}`, 19),
    creationTimestamp: CREATED,
    name: nm,
    machineType: compute(projectId, `zones/${zone}/machineTypes/e2-standard-4`),
    status: 'RUNNING',
    zone: compute(projectId, `zones/${zone}`),
    labels,
    networkInterfaces: [
      {
        kind: 'compute#networkInterface',
        name: 'nic0',
        network: netUrl,
        subnetwork: subnetUrl,
        networkIP: ip,
        fingerprint: hex(`fp/nic/${projectId}/${nm}`, 11),
        stackType: 'IPV4_ONLY',
        ...(externalIp
          ? { accessConfigs: [{ kind: 'compute#accessConfig', type: 'ONE_TO_ONE_NAT', name: 'external-nat', natIP: externalIp, networkTier: 'PREMIUM' }] }
          : {}),
      },
    ],
    selfLink: compute(projectId, `zones/${zone}/instances/${nm}`),
  };
}

function buildProject(p: GcpProjectSpec, specs: ProjectSpecs, extraPeerings: ReadonlyMap<string, Json[]>): GcpProjectModel {
  const id = p.id;
  const number = projectNumberOf(p);
  const m: GcpProjectModel = {
    id,
    number,
    denied: p.denied,
    ...(p.folder ? { folder: p.folder } : {}),
    disabledApis: p.disabledApis,
    missingZones: p.missingZones,
    clusters: [],
    networks: [],
    routers: [],
    subnetworks: [],
    routes: [],
    firewalls: [],
    instances: [],
    managedZones: [],
    rrsets: new Map(),
    assets: [],
  };

  for (const net of p.networks) {
    const netUrl = compute(id, `global/networks/${net.name}`);
    const body: Json = {
      kind: 'compute#network',
      id: digits(`network/${id}/${net.name}`, 19),
      creationTimestamp: CREATED,
      name: net.name,
      selfLink: netUrl,
      selfLinkWithId: compute(id, `global/networks/${digits(`network/${id}/${net.name}`, 19)}`),
      autoCreateSubnetworks: false,
      subnetworks: net.subnetworks.map((s) => compute(id, `regions/${s.region}/subnetworks/${s.name}`)),
      peerings: [
        ...net.peerings.map((pe) => peeringBody(pe.name, networkUrl(pe.network, id), pe.state, pe.exportCustomRoutes, pe.importCustomRoutes)),
        // GKE puts a Shared VPC cluster's control-plane peering on the host project's network.
        ...(extraPeerings.get(`${id}/${net.name}`) ?? []),
      ],
      routingConfig: { routingMode: 'GLOBAL' },
      networkFirewallPolicyEnforcementOrder: 'AFTER_CLASSIC_FIREWALL',
    };
    m.networks.push({ scope: 'global', body });
    m.assets.push(asset('compute.googleapis.com/Network', `projects/${id}/global/networks/${net.name}`, 'global', net.name, body));

    for (const s of net.subnetworks) {
      const sb = subnetBody(id, net, s);
      m.subnetworks.push({ scope: `regions/${s.region}`, body: sb });
      m.assets.push(asset('compute.googleapis.com/Subnetwork', `projects/${id}/regions/${s.region}/subnetworks/${s.name}`, s.region, s.name, sb));
      // The subnet route GCP creates for every subnetwork.
      const rn = `default-route-${hex(`subnet-route/${id}/${net.name}/${s.name}`, 16)}`;
      const rb: Json = {
        kind: 'compute#route',
        id: digits(`route/${id}/${rn}`, 19),
        creationTimestamp: CREATED,
        name: rn,
        description: `Default local route to the subnetwork ${s.ipCidrRange}.`,
        network: netUrl,
        destRange: s.ipCidrRange,
        priority: 0,
        nextHopNetwork: netUrl,
        routeType: 'SUBNET',
        selfLink: compute(id, `global/routes/${rn}`),
      };
      m.routes.push({ scope: 'global', body: rb });
      m.assets.push(asset('compute.googleapis.com/Route', `projects/${id}/global/routes/${rn}`, 'global', rn, rb));
    }

    for (const r of net.routers) {
      const body: Json = {
        kind: 'compute#router',
        id: digits(`router/${id}/${r.region}/${r.name}`, 19),
        creationTimestamp: CREATED,
        name: r.name,
        region: compute(id, `regions/${r.region}`),
        network: netUrl,
        bgp: {
          asn: r.asn,
          advertiseMode: r.advertiseMode,
          ...(r.advertiseMode === 'CUSTOM'
            ? { advertisedGroups: r.advertisedGroups, advertisedIpRanges: r.advertisedIpRanges.map((range) => ({ range, description: '' })) }
            : {}),
          keepaliveInterval: 20,
        },
        bgpPeers: r.bgpPeers.map((peer, i) => ({
          name: peer.name,
          interfaceName: peer.interfaceName ?? `if-${peer.name}`,
          ipAddress: `169.254.${10 + i}.1`,
          peerIpAddress: peer.peerIpAddress,
          peerAsn: peer.peerAsn,
          advertisedRoutePriority: 100,
          enable: 'TRUE',
          managementType: 'MANAGED_BY_USER',
        })),
        interfaces: r.bgpPeers.map((peer, i) => ({
          name: peer.interfaceName ?? `if-${peer.name}`,
          ipRange: `169.254.${10 + i}.1/30`,
          linkedVpnTunnel: compute(id, `regions/${r.region}/vpnTunnels/${peer.name}-tunnel`),
          managementType: 'MANAGED_BY_USER',
        })),
        ...(r.nats.length > 0
          ? {
              nats: r.nats.map((n) => ({
                name: n.name,
                sourceSubnetworkIpRangesToNat: n.sourceSubnetworkIpRangesToNat,
                ...(n.sourceSubnetworkIpRangesToNat === 'LIST_OF_SUBNETWORKS'
                  ? { subnetworks: n.subnetworks.map((sn) => ({ name: compute(id, `regions/${r.region}/subnetworks/${sn}`), sourceIpRangesToNat: ['ALL_IP_RANGES'] })) }
                  : {}),
                natIpAllocateOption: 'AUTO_ONLY',
                enableEndpointIndependentMapping: false,
                logConfig: { enable: false, filter: 'ALL' },
              })),
            }
          : {}),
        selfLink: compute(id, `regions/${r.region}/routers/${r.name}`),
        encryptedInterconnectRouter: false,
      };
      m.routers.push({ scope: `regions/${r.region}`, body });
      m.assets.push(asset('compute.googleapis.com/Router', `projects/${id}/regions/${r.region}/routers/${r.name}`, r.region, r.name, body));
    }

    for (const r of net.routes) {
      const gateway = r.nextHopGateway === undefined ? undefined : r.nextHopGateway.startsWith('https://') ? r.nextHopGateway : compute(id, `global/gateways/${r.nextHopGateway}`);
      const body: Json = {
        kind: 'compute#route',
        id: digits(`route/${id}/${r.name}`, 19),
        creationTimestamp: CREATED,
        name: r.name,
        network: netUrl,
        destRange: r.destRange,
        priority: r.priority,
        ...(r.tags.length > 0 ? { tags: r.tags } : {}),
        ...(gateway ? { nextHopGateway: gateway } : {}),
        ...(r.nextHopIp ? { nextHopIp: r.nextHopIp } : {}),
        routeType: 'STATIC',
        selfLink: compute(id, `global/routes/${r.name}`),
      };
      m.routes.push({ scope: 'global', body });
      m.assets.push(asset('compute.googleapis.com/Route', `projects/${id}/global/routes/${r.name}`, 'global', r.name, body));
    }

    for (const f of net.firewalls) {
      const body: Json = {
        kind: 'compute#firewall',
        id: digits(`firewall/${id}/${f.name}`, 19),
        creationTimestamp: CREATED,
        name: f.name,
        network: netUrl,
        priority: f.priority,
        direction: f.direction,
        ...(f.direction === 'INGRESS' ? { sourceRanges: f.sourceRanges.length > 0 ? f.sourceRanges : ['0.0.0.0/0'] } : {}),
        ...(f.direction === 'EGRESS' ? { destinationRanges: f.destinationRanges.length > 0 ? f.destinationRanges : ['0.0.0.0/0'] } : {}),
        ...(f.allowed.length > 0 ? { allowed: f.allowed.map((a) => ({ IPProtocol: a.IPProtocol, ...(a.ports.length > 0 ? { ports: a.ports } : {}) })) } : {}),
        ...(f.denied.length > 0 ? { denied: f.denied.map((a) => ({ IPProtocol: a.IPProtocol, ...(a.ports.length > 0 ? { ports: a.ports } : {}) })) } : {}),
        ...(f.targetTags.length > 0 ? { targetTags: f.targetTags } : {}),
        disabled: f.disabled,
        logConfig: { enable: false },
        selfLink: compute(id, `global/firewalls/${f.name}`),
      };
      m.firewalls.push({ scope: 'global', body });
      m.assets.push(asset('compute.googleapis.com/Firewall', `projects/${id}/global/firewalls/${f.name}`, 'global', f.name, body));
    }
  }

  for (const c of p.clusters) {
    const body = clusterBody(p, c, specs);
    m.clusters.push({ scope: `locations/${c.location}`, body });
    m.assets.push(asset('container.googleapis.com/Cluster', `projects/${id}/locations/${c.location}/clusters/${c.name}`, c.location, c.name, body));
    const region = regionOf(c.location);
    const { hostId, net } = clusterNetwork(p, c, specs);
    const subnet = net.subnetworks.find((s) => s.name === c.subnetwork && s.region === region);
    clusterNodes(c).forEach((n, i) => {
      const ib = instanceBody(
        id,
        n.zone,
        n.name,
        compute(hostId, `global/networks/${net.name}`),
        compute(hostId, `regions/${region}/subnetworks/${c.subnetwork}`),
        hostIn(subnet?.ipCidrRange ?? '10.0.0.0/24', 10 + i),
        n.externalIp,
        { 'goog-k8s-cluster-name': c.name, 'goog-k8s-cluster-location': c.location, 'goog-k8s-node-pool-name': 'default-pool' },
      );
      m.instances.push({ scope: `zones/${n.zone}`, body: ib });
      m.assets.push(asset('compute.googleapis.com/Instance', `projects/${id}/zones/${n.zone}/instances/${n.name}`, n.zone, n.name, ib));
    });
  }

  p.instances.forEach((inst, i) => {
    const region = regionOf(inst.zone);
    const net = p.networks.find((n) => n.name === inst.network);
    const subnet = net?.subnetworks.find((s) => s.name === inst.subnetwork && s.region === region);
    if (!subnet) throw new Error(`gcp estate: instance ${p.id}/${inst.name} names subnetwork ${inst.network}/${inst.subnetwork}, which is not in ${region}`);
    const ib = instanceBody(id, inst.zone, inst.name, compute(id, `global/networks/${inst.network}`), compute(id, `regions/${region}/subnetworks/${inst.subnetwork}`), hostIn(subnet.ipCidrRange, 100 + i), inst.externalIp, inst.labels);
    m.instances.push({ scope: `zones/${inst.zone}`, body: ib });
    m.assets.push(asset('compute.googleapis.com/Instance', `projects/${id}/zones/${inst.zone}/instances/${inst.name}`, inst.zone, inst.name, ib));
  });

  for (const z of p.dnsZones) {
    const dnsName = z.dnsName.endsWith('.') ? z.dnsName : `${z.dnsName}.`;
    const zoneId = digits(`zone/${id}/${z.name}`, 19);
    const body: Json = {
      kind: 'dns#managedZone',
      name: z.name,
      dnsName,
      description: '',
      id: zoneId,
      nameServers: ['ns-gcp-private.googledomains.com.'],
      creationTime: '2026-01-12T16:30:00.000Z',
      visibility: z.visibility,
      ...(z.visibility === 'private'
        ? { privateVisibilityConfig: { kind: 'dns#managedZonePrivateVisibilityConfig', networks: z.networks.map((n) => ({ kind: 'dns#managedZonePrivateVisibilityConfigNetwork', networkUrl: networkUrl(n, id) })) } }
        : {}),
      cloudLoggingConfig: { kind: 'dns#managedZoneCloudLoggingConfig' },
    };
    m.managedZones.push(body);
    m.assets.push(asset('dns.googleapis.com/ManagedZone', `projects/${id}/managedZones/${z.name}`, 'global', z.name, body));
    const records: Json[] = [
      { kind: 'dns#resourceRecordSet', name: dnsName, type: 'NS', ttl: 21600, rrdatas: ['ns-gcp-private.googledomains.com.'] },
      { kind: 'dns#resourceRecordSet', name: dnsName, type: 'SOA', ttl: 21600, rrdatas: ['ns-gcp-private.googledomains.com. cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300'] },
      ...z.records.map((r) => {
        const fq = r.name.endsWith('.') ? r.name : r.name === '@' ? dnsName : `${r.name}.${dnsName}`;
        return { kind: 'dns#resourceRecordSet', name: fq, type: r.type, ttl: r.ttl, rrdatas: r.rrdatas };
      }),
    ];
    records.sort((a, b) => `${String(a['name'])} ${String(a['type'])}`.localeCompare(`${String(b['name'])} ${String(b['type'])}`));
    m.rrsets.set(z.name, records);
    // Cloud Asset lists each record set too, named under its zone: //dns.googleapis.com/projects/<p>/managedZones/<zone>/rrsets/<name>/<type>.
    for (const r of records) {
      const name = String(r['name']);
      m.assets.push(asset('dns.googleapis.com/ResourceRecordSet', `projects/${id}/managedZones/${z.name}/rrsets/${name}/${String(r['type'])}`, 'global', name, r));
    }
  }
  return m;
}

export function buildEstate(estate: GcpEstate): Map<string, GcpProjectModel> {
  const specs = new Map<string, GcpProjectSpec>();
  for (const p of estate.projects) {
    if (specs.has(p.id)) throw new Error(`gcp estate: project ${p.id} is declared twice`);
    specs.set(p.id, p);
  }
  // Control-plane peerings land on the cluster's network, which may be a Shared VPC host's.
  const extraPeerings = new Map<string, Json[]>();
  for (const p of estate.projects) {
    for (const c of p.clusters) {
      const peering = clusterPeering(p.id, c);
      if (!peering) continue;
      const { hostId, net } = clusterNetwork(p, c, specs);
      pushTo(extraPeerings, `${hostId}/${net.name}`, peeringBody(peering.peeringName, peering.peerNetworkUrl, 'ACTIVE', c.peeringExportCustomRoutes, false));
    }
  }
  const projects = new Map<string, GcpProjectModel>();
  for (const p of estate.projects) projects.set(p.id, buildProject(p, specs, extraPeerings));
  return projects;
}
