import type { ScopeKey } from '../scope.js';

/**
 * Azure inventory: plain records holding only what the rules need. Field names follow the
 * REST wire names in camelCase; ids are ARM resource ids as the API returned them (compare
 * them case-insensitively, ARM does).
 */
export interface AzureResource {
  id: string;
  name: string;
  /** The subscription scope the record was read from. */
  scope: ScopeKey;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  tags: Record<string, string>;
}

export interface AksAgentPool {
  name: string;
  mode?: string;
  vnetSubnetId?: string;
  podSubnetId?: string;
  enableNodePublicIp: boolean;
}

export interface AksCluster extends AzureResource {
  /** `apiServerAccessProfile.enablePrivateCluster`. */
  privateCluster: boolean;
  /** `apiServerAccessProfile.privateDNSZone`: `system`, `none`, a zone resource id, or absent. */
  privateDnsZone?: string;
  /** `apiServerAccessProfile.enablePrivateClusterPublicFQDN`. */
  publicFqdnEnabled: boolean;
  /** `apiServerAccessProfile.authorizedIPRanges`. */
  authorizedIpRanges: string[];
  /** `apiServerAccessProfile.enableVnetIntegration`. */
  vnetIntegration: boolean;
  fqdn?: string;
  privateFqdn?: string;
  nodeResourceGroup?: string;
  /** `publicNetworkAccess`: Enabled | Disabled. */
  publicNetworkAccess?: string;
  networkPlugin?: string;
  /** `networkProfile.networkPolicy`; absent means none. */
  networkPolicy?: string;
  /** `networkProfile.outboundType`; absent means the API default, loadBalancer. */
  outboundType?: string;
  podCidrs: string[];
  serviceCidrs: string[];
  /** `addonProfiles.aciConnectorLinux.enabled` (keys matched case-insensitively). */
  virtualNodesEnabled: boolean;
  /** `servicePrincipalProfile.clientId`; `msi` (or absent with a managed identity) means managed identity. */
  servicePrincipalClientId?: string;
  /** `identity.type`: SystemAssigned | UserAssigned | None. */
  identityType?: string;
  agentPools: AksAgentPool[];
}

export interface LoadBalancerFrontend {
  id: string;
  name: string;
  privateIpAddress?: string;
  subnetId?: string;
  publicIpAddressId?: string;
}

export interface LoadBalancerRule {
  id: string;
  name: string;
  /** Frontend ip configuration ids the rule listens on. */
  frontendIpConfigurationIds: string[];
}

export interface LoadBalancer extends AzureResource {
  sku?: string;
  frontends: LoadBalancerFrontend[];
  /** Inbound: load-balancing rules and inbound NAT rules. */
  loadBalancingRules: LoadBalancerRule[];
  inboundNatRules: LoadBalancerRule[];
  outboundRules: LoadBalancerRule[];
}

export interface PublicIpAddress extends AzureResource {
  ipAddress?: string;
  /** The ip configuration it is attached to (LB frontend, NIC, gateway, bastion...); absent when orphaned. */
  ipConfigurationId?: string;
  sku?: string;
}

export interface Subnet {
  id: string;
  name: string;
  addressPrefixes: string[];
  /** Route table id, when one is associated. */
  routeTableId?: string;
  natGatewayId?: string;
}

export interface VnetPeering {
  id: string;
  name: string;
  remoteVirtualNetworkId: string;
  allowGatewayTransit: boolean;
  useRemoteGateways: boolean;
  allowForwardedTraffic: boolean;
  /** Initiated | Connected | Disconnected. */
  peeringState?: string;
  /** `remoteAddressSpace.addressPrefixes`. */
  remoteAddressPrefixes: string[];
}

export interface VirtualNetwork extends AzureResource {
  addressPrefixes: string[];
  /** `dhcpOptions.dnsServers`; empty means Azure-provided DNS. */
  dnsServers: string[];
  subnets: Subnet[];
  peerings: VnetPeering[];
}

export interface PrivateDnsZone extends AzureResource {
  numberOfRecordSets?: number;
  numberOfVirtualNetworkLinks?: number;
}

export interface PrivateDnsZoneLink extends AzureResource {
  zoneId: string;
  virtualNetworkId: string;
  registrationEnabled: boolean;
  /** InProgress | Completed. */
  state?: string;
}

export interface PrivateDnsARecordSet extends AzureResource {
  zoneId: string;
  /** Relative name within the zone, e.g. `aks1-3f9a1c2b`; `@` for the apex. */
  relativeName: string;
  ipv4Addresses: string[];
}

export interface DnsResolverInboundEndpoint extends AzureResource {
  resolverId: string;
  /** The VNet the resolver lives in. */
  virtualNetworkId: string;
  privateIpAddresses: string[];
}

export interface ContainerRegistry extends AzureResource {
  /** Basic | Standard | Premium. */
  sku: string;
  publicNetworkAccess?: string;
  adminUserEnabled: boolean;
  privateEndpointConnections: number;
  loginServer?: string;
}

export interface BastionHost extends AzureResource {
  sku?: string;
  virtualNetworkId?: string;
}

export interface AzureFirewall extends AzureResource {
  sku?: string;
  virtualNetworkId?: string;
  privateIpAddress?: string;
}

export interface VirtualNetworkGateway extends AzureResource {
  /** Vpn | ExpressRoute. */
  gatewayType?: string;
  sku?: string;
  virtualNetworkId?: string;
}

/** Cost Management `ActualCost` for one resource and meter over the window. */
export interface PeeringCostRecord {
  scope: ScopeKey;
  /** The resource billed: the VNet that owns the peering. */
  resourceId: string;
  /** e.g. `Intra-Region Ingress`, `Inter-Region Egress`. */
  meter: string;
  quantityGb: number;
  cost: number;
  currency: string;
  periodStart: string;
  periodEnd: string;
}

export interface AzureInventory {
  clusters: AksCluster[];
  loadBalancers: LoadBalancer[];
  publicIps: PublicIpAddress[];
  virtualNetworks: VirtualNetwork[];
  privateDnsZones: PrivateDnsZone[];
  privateDnsLinks: PrivateDnsZoneLink[];
  privateDnsRecords: PrivateDnsARecordSet[];
  resolverInboundEndpoints: DnsResolverInboundEndpoint[];
  registries: ContainerRegistry[];
  bastionHosts: BastionHost[];
  firewalls: AzureFirewall[];
  gateways: VirtualNetworkGateway[];
  peeringCosts: PeeringCostRecord[];
}

export type AzureDataset = keyof AzureInventory;

export function emptyAzureInventory(): AzureInventory {
  return {
    clusters: [],
    loadBalancers: [],
    publicIps: [],
    virtualNetworks: [],
    privateDnsZones: [],
    privateDnsLinks: [],
    privateDnsRecords: [],
    resolverInboundEndpoints: [],
    registries: [],
    bastionHosts: [],
    firewalls: [],
    gateways: [],
    peeringCosts: [],
  };
}
