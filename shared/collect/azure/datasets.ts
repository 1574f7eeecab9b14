import type { AzureInventory } from '../../model/inventory/azure.js';
import { parseArmId } from '../../util/arm-id.js';
import { getCi } from '../../util/props.js';
import { operationsOf, type DatasetDescriptor, type Operation } from '../kit/descriptor.js';
import { ShapeError } from '../kit/errors.js';
import type { AzureClients } from './clients.js';
import {
  mapARecordSet,
  mapBastionHost,
  mapFirewall,
  mapGateway,
  mapInboundEndpoint,
  mapLoadBalancer,
  mapManagedCluster,
  mapPrivateDnsLink,
  mapPrivateDnsZone,
  mapPublicIp,
  mapRegistry,
  mapVirtualNetwork,
} from './map.js';
import { rawItems } from './pages.js';

/**
 * One descriptor per Azure dataset: where Resource Graph keeps it, how ARM lists it, which RBAC
 * action each call needs and which schema maps it. The Resource Graph queries, the ARM fallback,
 * the permissions document and the allow-list test are all derived from AZURE_DATASETS.
 */

export interface AzureOperation extends Operation {
  /** The built-in role that grants the permission (Reader covers every `*\/read`). */
  role: 'Reader' | 'Cost Management Reader';
}

/** The datasets read as resources (everything but cost, which comes as rows). */
export type ResourceDataset = Exclude<keyof AzureInventory, 'peeringCosts'>;

/** The resource group and name of a parent resource, for a child listing. */
export interface ParentRef {
  resourceGroup: string;
  name: string;
}

/** A listing per subscription. */
interface SubscriptionListing {
  operation: AzureOperation;
  list(clients: AzureClients, subscriptionId: string): AsyncIterable<unknown>;
}

/** Parents that are not a dataset of their own (resource groups, DNS resolvers), listed per subscription. */
interface ParentListing extends SubscriptionListing {
  ref(raw: unknown, subscriptionId: string): ParentRef;
}

/** A listing per parent: the records of another dataset, or the items of a parent listing. */
interface ChildListing {
  operation: AzureOperation;
  parent: ResourceDataset | ParentListing;
  list(clients: AzureClients, subscriptionId: string, parent: ParentRef): AsyncIterable<unknown>;
}

export type ArmPath = SubscriptionListing | ChildListing;

const perSubscription = (operation: AzureOperation, list: SubscriptionListing['list']): SubscriptionListing => ({ operation, list });

export interface AzurePaths {
  /** Resource Graph: one query per dataset over a batch of subscriptions. */
  resourceGraph: { operation: AzureOperation; table: 'Resources' | 'dnsresources'; type: string };
  /** ARM: the per-subscription fallback (and the `arm` inventory source). */
  arm: ArmPath;
}

export type AzureDatasetDescriptor<K extends ResourceDataset> = DatasetDescriptor<'azure', K, AzureInventory[K][number], AzurePaths>;

export const RESOURCE_GRAPH: AzureOperation = {
  api: 'resourcegraph:resources',
  permission: 'Microsoft.ResourceGraph/resources/read',
  role: 'Reader',
  description: 'Resource Graph queries (default path) and management-group expansion; results are limited to what the caller may read',
};

export const COST_QUERY: AzureOperation = {
  api: 'costmanagement:query',
  permission: 'Microsoft.CostManagement/query/action',
  role: 'Cost Management Reader',
  description: 'Peering cost per VNet and meter (ActualCost), for subscriptions with spokes of a hub',
};

const reader = (api: string, permission: string, description: string): AzureOperation => ({ api, permission, role: 'Reader', description });
const graph = (type: string, table: 'Resources' | 'dnsresources' = 'Resources'): AzurePaths['resourceGraph'] => ({ operation: RESOURCE_GRAPH, table, type });

function named(raw: unknown, what: string, subscriptionId: string): string {
  const name = getCi(raw, 'name');
  if (typeof name !== 'string') throw new ShapeError(`${what} without a name in subscription ${subscriptionId}`);
  return name;
}

const resourceGroups: ParentListing = {
  operation: reader('arm:resourceGroups.list', 'Microsoft.Resources/subscriptions/resourceGroups/read', 'Resource groups, to list gateways per group (ARM path)'),
  list: (c, sub) => rawItems(c.network(sub), `${c.endpoint}/subscriptions/${sub}/resourcegroups?api-version=2021-04-01`),
  ref: (raw, sub) => {
    const name = named(raw, 'resource group', sub);
    return { resourceGroup: name, name };
  },
};

const dnsResolvers: ParentListing = {
  operation: reader('arm:dnsResolvers.list', 'Microsoft.Network/dnsResolvers/read', 'DNS private resolvers, to list their inbound endpoints (ARM path)'),
  list: (c, sub) => c.dnsResolver(sub).dnsResolvers.list(),
  ref: (raw, sub) => {
    const id = getCi(raw, 'id');
    if (typeof id !== 'string') throw new ShapeError(`DNS resolver without an id in subscription ${sub}`);
    return { resourceGroup: parseArmId(id)?.resourceGroup ?? '', name: named(raw, 'DNS resolver', sub) };
  },
};

type AzureDatasets = { [K in ResourceDataset]: AzureDatasetDescriptor<K> };

export const AZURE_DATASETS: AzureDatasets = {
  clusters: {
    cloud: 'azure',
    dataset: 'clusters',
    paths: {
      resourceGraph: graph('microsoft.containerservice/managedclusters'),
      arm: perSubscription(reader('arm:managedClusters.list', 'Microsoft.ContainerService/managedClusters/read', 'AKS clusters per subscription (ARM path)'), (c, sub) => c.containerService(sub).managedClusters.list()),
    },
    map: mapManagedCluster,
  },
  loadBalancers: {
    cloud: 'azure',
    dataset: 'loadBalancers',
    paths: {
      resourceGraph: graph('microsoft.network/loadbalancers'),
      arm: perSubscription(reader('arm:loadBalancers.listAll', 'Microsoft.Network/loadBalancers/read', 'Load balancers per subscription (ARM path)'), (c, sub) => c.network(sub).loadBalancers.listAll()),
    },
    map: mapLoadBalancer,
  },
  publicIps: {
    cloud: 'azure',
    dataset: 'publicIps',
    paths: {
      resourceGraph: graph('microsoft.network/publicipaddresses'),
      arm: perSubscription(reader('arm:publicIPAddresses.listAll', 'Microsoft.Network/publicIPAddresses/read', 'Public IP addresses per subscription (ARM path)'), (c, sub) => c.network(sub).publicIPAddresses.listAll()),
    },
    map: mapPublicIp,
  },
  virtualNetworks: {
    cloud: 'azure',
    dataset: 'virtualNetworks',
    paths: {
      resourceGraph: graph('microsoft.network/virtualnetworks'),
      arm: perSubscription(reader('arm:virtualNetworks.listAll', 'Microsoft.Network/virtualNetworks/read', 'VNets with subnets and peerings (ARM path)'), (c, sub) => c.network(sub).virtualNetworks.listAll()),
    },
    map: mapVirtualNetwork,
  },
  privateDnsZones: {
    cloud: 'azure',
    dataset: 'privateDnsZones',
    paths: {
      resourceGraph: graph('microsoft.network/privatednszones'),
      arm: perSubscription(reader('arm:privateZones.list', 'Microsoft.Network/privateDnsZones/read', 'Private DNS zones (ARM path)'), (c, sub) => c.privateDns(sub).privateZones.list()),
    },
    map: mapPrivateDnsZone,
  },
  privateDnsLinks: {
    cloud: 'azure',
    dataset: 'privateDnsLinks',
    paths: {
      resourceGraph: graph('microsoft.network/privatednszones/virtualnetworklinks'),
      arm: {
        operation: reader('arm:virtualNetworkLinks.list', 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/read', 'Private DNS zone VNet links, per zone (ARM path)'),
        parent: 'privateDnsZones',
        list: (c, sub, zone) => c.privateDns(sub).virtualNetworkLinks.list(zone.resourceGroup, zone.name),
      },
    },
    map: mapPrivateDnsLink,
  },
  privateDnsRecords: {
    cloud: 'azure',
    dataset: 'privateDnsRecords',
    paths: {
      // Record sets live in the separate `dnsresources` table.
      resourceGraph: graph('microsoft.network/privatednszones/a', 'dnsresources'),
      arm: {
        operation: reader('arm:recordSets.listByType', 'Microsoft.Network/privateDnsZones/A/read', 'Private DNS A record sets, per zone (ARM path)'),
        parent: 'privateDnsZones',
        list: (c, sub, zone) => c.privateDns(sub).recordSets.listByType(zone.resourceGroup, zone.name, 'A'),
      },
    },
    map: mapARecordSet,
  },
  resolverInboundEndpoints: {
    cloud: 'azure',
    dataset: 'resolverInboundEndpoints',
    paths: {
      resourceGraph: graph('microsoft.network/dnsresolvers/inboundendpoints'),
      arm: {
        operation: reader('arm:inboundEndpoints.list', 'Microsoft.Network/dnsResolvers/inboundEndpoints/read', 'DNS resolver inbound endpoints, per resolver (ARM path)'),
        parent: dnsResolvers,
        list: (c, sub, resolver) => c.dnsResolver(sub).inboundEndpoints.list(resolver.resourceGroup, resolver.name),
      },
    },
    map: mapInboundEndpoint,
  },
  registries: {
    cloud: 'azure',
    dataset: 'registries',
    paths: {
      resourceGraph: graph('microsoft.containerregistry/registries'),
      arm: perSubscription(reader('arm:registries.list', 'Microsoft.ContainerRegistry/registries/read', 'Container registries (ARM path)'), (c, sub) => c.registry(sub).registries.list()),
    },
    map: mapRegistry,
  },
  bastionHosts: {
    cloud: 'azure',
    dataset: 'bastionHosts',
    paths: {
      resourceGraph: graph('microsoft.network/bastionhosts'),
      arm: perSubscription(reader('arm:bastionHosts.list', 'Microsoft.Network/bastionHosts/read', 'Bastion hosts (ARM path)'), (c, sub) => c.network(sub).bastionHosts.list()),
    },
    map: mapBastionHost,
  },
  firewalls: {
    cloud: 'azure',
    dataset: 'firewalls',
    paths: {
      resourceGraph: graph('microsoft.network/azurefirewalls'),
      arm: perSubscription(reader('arm:azureFirewalls.listAll', 'Microsoft.Network/azureFirewalls/read', 'Azure Firewalls (ARM path)'), (c, sub) => c.network(sub).azureFirewalls.listAll()),
    },
    map: mapFirewall,
  },
  gateways: {
    cloud: 'azure',
    dataset: 'gateways',
    paths: {
      resourceGraph: graph('microsoft.network/virtualnetworkgateways'),
      arm: {
        operation: reader('arm:virtualNetworkGateways.list', 'Microsoft.Network/virtualNetworkGateways/read', 'VPN / ExpressRoute gateways, per resource group (ARM path)'),
        // Gateways are listed per resource group only.
        parent: resourceGroups,
        list: (c, sub, rg) => c.network(sub).virtualNetworkGateways.list(rg.name),
      },
    },
    map: mapGateway,
  },
};

/** Every descriptor, in the order the collector reads them. */
export const AZURE_DATASET_LIST: readonly AzureDatasetDescriptor<ResourceDataset>[] = Object.values(AZURE_DATASETS);

/** Every operation the Azure collector performs (cost and planning included), each once. */
export const AZURE_OPERATIONS_LIST = operationsOf(AZURE_DATASET_LIST, [COST_QUERY]) as AzureOperation[];

/** Planning (subscriptions of a management group) is recorded under this dataset name. */
export const PLANNING_DATASET = '*';

/**
 * The datasets each operation's CallRecords may name: a child listing's parent listing is counted
 * under the child's dataset, and Resource Graph also serves planning.
 */
export function datasetsByOperation(): ReadonlyMap<string, readonly string[]> {
  const out = new Map<string, string[]>([[RESOURCE_GRAPH.api, [PLANNING_DATASET]], [COST_QUERY.api, ['peeringCosts']]]);
  const add = (op: Operation, dataset: string): void => {
    const list = out.get(op.api) ?? [];
    if (!list.includes(dataset)) list.push(dataset);
    out.set(op.api, list);
  };
  for (const d of AZURE_DATASET_LIST) {
    add(d.paths.resourceGraph.operation, d.dataset);
    add(d.paths.arm.operation, d.dataset);
    if ('parent' in d.paths.arm && typeof d.paths.arm.parent !== 'string') add(d.paths.arm.parent.operation, d.dataset);
  }
  return out;
}
