import type { ScopeKey } from '../scope.js';

/**
 * GCP inventory. Network references are kept as the API gives them (paths on clusters, URLs
 * elsewhere); the rules join them by resource path (shared/rules/gcp/topology.ts `resourcePath`).
 * Shared VPC: a service project's cluster names the host project's network (`networkConfig.network`
 * = `projects/<host>/global/networks/<n>`); that network's subnetworks, routers, routes and
 * firewalls are records of the host project's scope, read when the host project is audited.
 */
export interface GcpResource {
  /** Resource path, e.g. `projects/p/locations/europe-west1/clusters/c1` or a compute selfLink path. */
  id: string;
  name: string;
  scope: ScopeKey;
  projectId: string;
  labels: Record<string, string>;
}

export interface GkeCluster extends GcpResource {
  location: string;
  /**
   * Network path `projects/<p>/global/networks/<n>` from `networkConfig.network` (never the short
   * `network`, which cannot name a Shared VPC host project).
   */
  network: string;
  /** Subnetwork path `projects/<p>/regions/<r>/subnetworks/<s>` from `networkConfig.subnetwork`. */
  subnetwork?: string;
  /** `privateClusterConfig.enablePrivateNodes === true || networkConfig.defaultEnablePrivateNodes === true`. */
  privateNodes: boolean;
  /**
   * True when the control plane answers on its public IP endpoint: when
   * `controlPlaneEndpointsConfig.ipEndpointsConfig.enabled` is true, its `enablePublicEndpoint`;
   * otherwise `privateClusterConfig.enablePrivateEndpoint !== true` (the deprecated field). The REST
   * client fills unset booleans with false, so an unpopulated `ipEndpointsConfig` decides nothing.
   */
  publicEndpointEnabled: boolean;
  /** `privateClusterConfig.masterIpv4CidrBlock`; absent when '' (unset). */
  masterIpv4CidrBlock?: string;
  /** `privateClusterConfig.peeringName`; absent or '' for Private Service Connect clusters. */
  peeringName?: string;
  privateEndpoint?: string;
  publicEndpoint?: string;
  /**
   * `masterAuthorizedNetworksConfig` (or, when absent, `controlPlaneEndpointsConfig.ipEndpointsConfig.authorizedNetworksConfig`):
   * `enabled`, `cidrBlocks[].cidrBlock`, `gcpPublicCidrsAccessEnabled`, each false/empty when unset.
   */
  masterAuthorizedNetworks: {
    enabled: boolean;
    cidrBlocks: string[];
    gcpPublicCidrsAccessEnabled: boolean;
  };
  /** `ipAllocationPolicy.useIpAliases` (VPC-native). */
  vpcNative: boolean;
  clusterIpv4Cidr?: string;
  servicesIpv4Cidr?: string;
  /** `controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic`. */
  dnsEndpointAllowsExternalTraffic: boolean;
  /** `nodePools[]`: each pool's network settings (empty for Autopilot or when the API lists none). */
  nodePools: GkeNodePool[];
}

export interface GkeNodePool {
  /** `nodePools[].name`. */
  name: string;
  /**
   * `nodePools[].networkConfig.enablePrivateNodes` (proto3 optional: absent when the pool inherits
   * the cluster's `privateNodes`); false gives this pool's nodes external IPs.
   */
  enablePrivateNodes?: boolean;
  /** `nodePools[].networkConfig.subnetwork` path, when the pool uses another subnetwork than the cluster's. */
  subnetwork?: string;
}

export interface GcpNetworkPeering {
  name: string;
  /** URL of the peer network. */
  network: string;
  state?: string;
  exportCustomRoutes: boolean;
  importCustomRoutes: boolean;
}

export interface GcpNetwork extends GcpResource {
  selfLink: string;
  peerings: GcpNetworkPeering[];
}

export interface CloudRouter extends GcpResource {
  region: string;
  /** Network URL. */
  network: string;
  /** DEFAULT | CUSTOM. */
  advertiseMode: string;
  advertisedGroups: string[];
  /** `bgp.advertisedIpRanges[].range` (a bare address means /32). */
  advertisedIpRanges: string[];
  /**
   * `bgpPeers[]`. A peer with `advertiseMode` CUSTOM advertises its own `advertisedIpRanges[].range`
   * instead of the router's; absent or DEFAULT inherits the router's advertisements.
   */
  bgpPeers: { name: string; peerIpAddress?: string; interfaceName?: string; advertiseMode?: string; advertisedIpRanges?: string[] }[];
  /** `nats[]`: Cloud NAT gateways on this router (empty when none). */
  nats: CloudNat[];
}

export interface CloudNat {
  /** `nats[].name`. */
  name: string;
  /** `nats[].sourceSubnetworkIpRangesToNat`: ALL_SUBNETWORKS_ALL_IP_RANGES | ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES | LIST_OF_SUBNETWORKS. */
  sourceSubnetworkIpRangesToNat: string;
  /** `nats[].subnetworks[]` (LIST_OF_SUBNETWORKS): `name` is the subnetwork URL, `sourceIpRangesToNat` e.g. ALL_IP_RANGES. */
  subnetworks: { name: string; sourceIpRangesToNat: string[] }[];
}

export interface GcpSubnetwork extends GcpResource {
  region: string;
  selfLink: string;
  network: string;
  ipCidrRange: string;
  secondaryIpRanges: { rangeName: string; ipCidrRange: string }[];
  privateIpGoogleAccess: boolean;
}

export interface GcpRoute extends GcpResource {
  network: string;
  destRange: string;
  /** e.g. `.../global/gateways/default-internet-gateway`. */
  nextHopGateway?: string;
  nextHopIp?: string;
  nextHopPeering?: string;
  priority: number;
  tags: string[];
}

export interface GcpFirewall extends GcpResource {
  network: string;
  direction: 'INGRESS' | 'EGRESS';
  priority: number;
  sourceRanges: string[];
  destinationRanges: string[];
  allowed: { IPProtocol: string; ports: string[] }[];
  denied: { IPProtocol: string; ports: string[] }[];
  targetTags: string[];
  disabled: boolean;
}

/** Instances; GKE nodes carry the labels `goog-k8s-cluster-name`, `goog-k8s-cluster-location`, `goog-k8s-node-pool-name`. */
export interface GcpInstance extends GcpResource {
  zone: string;
  /** `networkInterfaces[]`: `network`/`subnetwork` URLs, `networkIP`, and `accessConfigs[].natIP` as `externalIps`. */
  networkInterfaces: { network: string; subnetwork?: string; networkIp?: string; externalIps: string[] }[];
  /** From the `goog-k8s-cluster-name` label, when the instance is a GKE node. */
  clusterName?: string;
}

export interface CloudDnsZone extends GcpResource {
  /** With trailing dot, e.g. `googleapis.com.`. */
  dnsName: string;
  visibility: 'public' | 'private';
  /** `privateVisibilityConfig.networks[].networkUrl`. */
  networkUrls: string[];
  records: { name: string; type: string; rrdatas: string[] }[];
}

export interface GcpInventory {
  clusters: GkeCluster[];
  networks: GcpNetwork[];
  routers: CloudRouter[];
  subnetworks: GcpSubnetwork[];
  routes: GcpRoute[];
  firewalls: GcpFirewall[];
  instances: GcpInstance[];
  dnsZones: CloudDnsZone[];
}

export type GcpDataset = keyof GcpInventory;

export function emptyGcpInventory(): GcpInventory {
  return { clusters: [], networks: [], routers: [], subnetworks: [], routes: [], firewalls: [], instances: [], dnsZones: [] };
}
