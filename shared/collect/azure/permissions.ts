import type { AzureInventory } from '../../model/inventory/azure.js';

/**
 * Every Azure API operation the collector calls, the inventory datasets it feeds and the RBAC
 * action it needs. docs/permissions.md is rendered from this table (`npm run permissions`), and a
 * test fails when the collector calls an operation that is not declared here.
 */
export interface AzureOperation {
  /** Operation name as counted in CallRecord.api, e.g. `arm:managedClusters.list`. */
  api: string;
  /** The RBAC action the caller needs. */
  action: string;
  /** The built-in role that grants it (Reader covers every `*\/read`). */
  role: 'Reader' | 'Cost Management Reader';
  /** The datasets its CallRecords name; `*` is planning (subscriptions under a management group). */
  datasets: readonly (keyof AzureInventory | '*')[];
  description: string;
}

const RESOURCE_GRAPH_DATASETS = [
  'clusters',
  'loadBalancers',
  'publicIps',
  'virtualNetworks',
  'privateDnsZones',
  'privateDnsLinks',
  'privateDnsRecords',
  'resolverInboundEndpoints',
  'registries',
  'bastionHosts',
  'firewalls',
  'gateways',
  '*',
] as const;

export const AZURE_OPERATIONS = {
  resourceGraphResources: { api: 'resourcegraph:resources', action: 'Microsoft.ResourceGraph/resources/read', role: 'Reader', datasets: RESOURCE_GRAPH_DATASETS, description: 'Resource Graph queries (default path) and management-group expansion; results are limited to what the caller may read' },
  costManagementQuery: { api: 'costmanagement:query', action: 'Microsoft.CostManagement/query/action', role: 'Cost Management Reader', datasets: ['peeringCosts'], description: 'Peering cost per VNet and meter (ActualCost), for subscriptions whose VNets use a remote gateway' },
  managedClustersList: { api: 'arm:managedClusters.list', action: 'Microsoft.ContainerService/managedClusters/read', role: 'Reader', datasets: ['clusters'], description: 'AKS clusters per subscription (ARM path)' },
  loadBalancersListAll: { api: 'arm:loadBalancers.listAll', action: 'Microsoft.Network/loadBalancers/read', role: 'Reader', datasets: ['loadBalancers'], description: 'Load balancers per subscription (ARM path)' },
  publicIpsListAll: { api: 'arm:publicIPAddresses.listAll', action: 'Microsoft.Network/publicIPAddresses/read', role: 'Reader', datasets: ['publicIps'], description: 'Public IP addresses per subscription (ARM path)' },
  virtualNetworksListAll: { api: 'arm:virtualNetworks.listAll', action: 'Microsoft.Network/virtualNetworks/read', role: 'Reader', datasets: ['virtualNetworks'], description: 'VNets with subnets and peerings (ARM path)' },
  bastionHostsList: { api: 'arm:bastionHosts.list', action: 'Microsoft.Network/bastionHosts/read', role: 'Reader', datasets: ['bastionHosts'], description: 'Bastion hosts (ARM path)' },
  azureFirewallsListAll: { api: 'arm:azureFirewalls.listAll', action: 'Microsoft.Network/azureFirewalls/read', role: 'Reader', datasets: ['firewalls'], description: 'Azure Firewalls (ARM path)' },
  resourceGroupsList: { api: 'arm:resourceGroups.list', action: 'Microsoft.Resources/subscriptions/resourceGroups/read', role: 'Reader', datasets: ['gateways'], description: 'Resource groups, to list gateways per group (ARM path)' },
  virtualNetworkGatewaysList: { api: 'arm:virtualNetworkGateways.list', action: 'Microsoft.Network/virtualNetworkGateways/read', role: 'Reader', datasets: ['gateways'], description: 'VPN / ExpressRoute gateways per resource group (ARM path)' },
  privateZonesList: { api: 'arm:privateZones.list', action: 'Microsoft.Network/privateDnsZones/read', role: 'Reader', datasets: ['privateDnsZones'], description: 'Private DNS zones (ARM path)' },
  virtualNetworkLinksList: { api: 'arm:virtualNetworkLinks.list', action: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/read', role: 'Reader', datasets: ['privateDnsLinks'], description: 'Private DNS zone VNet links (ARM path)' },
  recordSetsListByType: { api: 'arm:recordSets.listByType', action: 'Microsoft.Network/privateDnsZones/A/read', role: 'Reader', datasets: ['privateDnsRecords'], description: 'Private DNS A record sets (ARM path)' },
  dnsResolversList: { api: 'arm:dnsResolvers.list', action: 'Microsoft.Network/dnsResolvers/read', role: 'Reader', datasets: ['resolverInboundEndpoints'], description: 'DNS private resolvers, to list their inbound endpoints (ARM path)' },
  inboundEndpointsList: { api: 'arm:inboundEndpoints.list', action: 'Microsoft.Network/dnsResolvers/inboundEndpoints/read', role: 'Reader', datasets: ['resolverInboundEndpoints'], description: 'DNS resolver inbound endpoints (ARM path)' },
  registriesList: { api: 'arm:registries.list', action: 'Microsoft.ContainerRegistry/registries/read', role: 'Reader', datasets: ['registries'], description: 'Container registries (ARM path)' },
} as const satisfies Record<string, AzureOperation>;

/** The distinct RBAC actions the Azure collector needs, sorted. */
export function azureRequiredActions(operations: readonly AzureOperation[] = Object.values(AZURE_OPERATIONS)): string[] {
  return [...new Set(operations.map((o) => o.action))].sort();
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

/** docs/permissions.md: the roles to grant, then every operation with the dataset it feeds and its action. */
export function renderAzurePermissionsMarkdown(operations: readonly AzureOperation[] = Object.values(AZURE_OPERATIONS)): string {
  const datasets = (o: AzureOperation): string => o.datasets.map((d) => (d === '*' ? 'subscriptions of management groups (planning)' : `\`${d}\``)).join(', ');
  const lines = [
    '# Azure permissions',
    '',
    '<!-- Generated from shared/collect/azure/permissions.ts by `npm run permissions`; do not edit by hand. -->',
    '',
    'Airlock only reads Azure. Grant the identity it runs as (managed identity, workload identity or service principal):',
    '',
    '- **Reader** on each audited subscription, or on the management groups listed in `clouds.azure.managementGroups` (their subscriptions are found through Resource Graph). Reader grants every `*/read` action below, including Resource Graph and the ARM fallback listings.',
    '- **Cost Management Reader** on the same subscriptions or management groups, for the peering cost of spokes that use a hub gateway (`Microsoft.CostManagement/query/action`, which Reader does not include).',
    '',
    'A subscription Resource Graph cannot read is listed through ARM, so both paths need the same scope of Reader.',
    '',
    '## Operations',
    '',
    '| Operation | Feeds | RBAC action | Built-in role | Purpose |',
    '| --- | --- | --- | --- | --- |',
    ...operations.map((o) => `| \`${o.api}\` | ${datasets(o)} | \`${o.action}\` | ${o.role} | ${cell(o.description)} |`),
    '',
    '## Actions for a custom role',
    '',
    'The least-privilege alternative to the built-in roles, as `actions` of a custom role definition. Resource Graph returns only the resources the caller may read, so the resource `read` actions are needed on the Resource Graph path too.',
    '',
    '```json',
    JSON.stringify(azureRequiredActions(operations), null, 2),
    '```',
    '',
  ];
  return lines.join('\n');
}
