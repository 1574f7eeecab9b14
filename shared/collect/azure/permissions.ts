/**
 * Every Azure API operation the collector calls, the inventory dataset it feeds and the RBAC
 * action it needs. The permissions generator builds the least-privilege role from this table.
 */
export interface AzureOperation {
  /** Operation name as counted in CallRecord.api, e.g. `arm:managedClusters.list`. */
  api: string;
  /** The RBAC action the caller needs. */
  action: string;
  /** The built-in role that grants it (Reader covers every `*\/read`). */
  role: 'Reader' | 'Cost Management Reader';
  description: string;
}

export const AZURE_OPERATIONS = {
  managedClustersList: { api: 'arm:managedClusters.list', action: 'Microsoft.ContainerService/managedClusters/read', role: 'Reader', description: 'AKS clusters per subscription (ARM path)' },
  loadBalancersListAll: { api: 'arm:loadBalancers.listAll', action: 'Microsoft.Network/loadBalancers/read', role: 'Reader', description: 'Load balancers per subscription (ARM path)' },
  publicIpsListAll: { api: 'arm:publicIPAddresses.listAll', action: 'Microsoft.Network/publicIPAddresses/read', role: 'Reader', description: 'Public IP addresses per subscription (ARM path)' },
  virtualNetworksListAll: { api: 'arm:virtualNetworks.listAll', action: 'Microsoft.Network/virtualNetworks/read', role: 'Reader', description: 'VNets with subnets and peerings (ARM path)' },
  bastionHostsList: { api: 'arm:bastionHosts.list', action: 'Microsoft.Network/bastionHosts/read', role: 'Reader', description: 'Bastion hosts (ARM path)' },
  azureFirewallsListAll: { api: 'arm:azureFirewalls.listAll', action: 'Microsoft.Network/azureFirewalls/read', role: 'Reader', description: 'Azure Firewalls (ARM path)' },
  resourceGroupsList: { api: 'arm:resourceGroups.list', action: 'Microsoft.Resources/subscriptions/resourceGroups/read', role: 'Reader', description: 'Resource groups, to list gateways per group (ARM path)' },
  virtualNetworkGatewaysList: { api: 'arm:virtualNetworkGateways.list', action: 'Microsoft.Network/virtualNetworkGateways/read', role: 'Reader', description: 'VPN / ExpressRoute gateways per resource group (ARM path)' },
  privateZonesList: { api: 'arm:privateZones.list', action: 'Microsoft.Network/privateDnsZones/read', role: 'Reader', description: 'Private DNS zones (ARM path)' },
  virtualNetworkLinksList: { api: 'arm:virtualNetworkLinks.list', action: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/read', role: 'Reader', description: 'Private DNS zone VNet links (ARM path)' },
  recordSetsListByType: { api: 'arm:recordSets.listByType', action: 'Microsoft.Network/privateDnsZones/A/read', role: 'Reader', description: 'Private DNS A record sets (ARM path)' },
  dnsResolversList: { api: 'arm:dnsResolvers.list', action: 'Microsoft.Network/dnsResolvers/read', role: 'Reader', description: 'DNS private resolvers (ARM path)' },
  inboundEndpointsList: { api: 'arm:inboundEndpoints.list', action: 'Microsoft.Network/dnsResolvers/inboundEndpoints/read', role: 'Reader', description: 'DNS resolver inbound endpoints (ARM path)' },
  registriesList: { api: 'arm:registries.list', action: 'Microsoft.ContainerRegistry/registries/read', role: 'Reader', description: 'Container registries (ARM path)' },
  resourceGraphResources: { api: 'resourcegraph:resources', action: 'Microsoft.ResourceGraph/resources/read', role: 'Reader', description: 'Resource Graph queries (default path); results are limited to what the caller may read' },
  costManagementQuery: { api: 'costmanagement:query', action: 'Microsoft.CostManagement/query/action', role: 'Cost Management Reader', description: 'Peering cost per VNet and meter (ActualCost)' },
} as const satisfies Record<string, AzureOperation>;


/** The distinct RBAC actions the Azure collector needs, sorted. */
export function azureRequiredActions(): string[] {
  return [...new Set(Object.values(AZURE_OPERATIONS).map((o) => o.action))].sort();
}
