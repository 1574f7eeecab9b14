import type { ScopeKey } from '../scope.js';

/**
 * GCP inventory. Network references are kept as the API gives them (short names on clusters,
 * URLs elsewhere); use `networkKey()` from shared/util/gcp-names to join them.
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
  /** Network path `projects/<p>/global/networks/<n>` (from `networkConfig.network`, or built from the short name). */
  network: string;
  /** Subnetwork path `projects/<p>/regions/<r>/subnetworks/<s>`. */
  subnetwork?: string;
  /** `privateClusterConfig.enablePrivateNodes` or `networkConfig.defaultEnablePrivateNodes`. */
  privateNodes: boolean;
  /** True when the control plane answers on a public endpoint (inverse of `enablePrivateEndpoint`). */
  publicEndpointEnabled: boolean;
  masterIpv4CidrBlock?: string;
  /** `privateClusterConfig.peeringName`; empty for Private Service Connect clusters. */
  peeringName?: string;
  privateEndpoint?: string;
  publicEndpoint?: string;
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
  advertisedIpRanges: string[];
  bgpPeers: { name: string; peerIpAddress?: string; interfaceName?: string }[];
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

export interface GcpInstance extends GcpResource {
  zone: string;
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
