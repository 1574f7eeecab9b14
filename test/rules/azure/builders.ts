/**
 * Small builders for Azure inventory records, so rule cases read as the estate they describe.
 * Defaults describe a well-configured private cluster in a spoke VNet; cases override what they test.
 */
import type { ScopeCoverage } from '../../../shared/model/coverage.js';
import type {
  AksAgentPool,
  AksCluster,
  BastionHost,
  ContainerRegistry,
  DnsResolverInboundEndpoint,
  LoadBalancer,
  LoadBalancerFrontend,
  LoadBalancerRule,
  PeeringCostRecord,
  PrivateDnsARecordSet,
  PrivateDnsZone,
  PrivateDnsZoneLink,
  PublicIpAddress,
  VirtualNetwork,
  VnetPeering,
} from '../../../shared/model/inventory/azure.js';
import { scopeKey } from '../../../shared/model/scope.js';

/** Overrides for a builder: a key set to `undefined` removes that optional field (the API omitted it). */
export type Over<T> = { [K in keyof T]?: T[K] | undefined };

function merge<T extends object>(defaults: T, over: object): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) Reflect.deleteProperty(out, key);
    else out[key] = value;
  }
  return out as T;
}

export const SUB = '1b2c3d4e-0000-4000-8000-000000000001';
export const SUB2 = '1b2c3d4e-0000-4000-8000-000000000002';
const REGION = 'westeurope';
/** The GUID label AKS puts in a system zone's name: unique per cluster, as in Azure. */
function zoneGuid(clusterName: string): string {
  const hex = Buffer.from(clusterName).toString('hex').slice(0, 12).padEnd(12, '0');
  return `7c8e06f7-212d-4c41-900e-${hex}`;
}

export const scopeOf = (sub: string = SUB): string => scopeKey({ cloud: 'azure', kind: 'subscription', id: sub });

function armId(rg: string, type: string, name: string, sub: string = SUB): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${name}`;
}

export const vnetId = (rg: string, name: string, sub: string = SUB): string => armId(rg, 'Microsoft.Network/virtualNetworks', name, sub);
export const subnetId = (rg: string, vnet: string, subnet: string, sub: string = SUB): string => `${vnetId(rg, vnet, sub)}/subnets/${subnet}`;

interface Place {
  rg?: string;
  sub?: string;
  location?: string;
}

function base(id: string, name: string, rg: string, sub: string, location: string) {
  return { id, name, scope: scopeOf(sub), subscriptionId: sub, resourceGroup: rg, location, tags: {} };
}

/** The spoke VNet the default cluster's nodes sit in. */
const SPOKE_RG = 'rg-net';
const SPOKE_VNET = 'vnet-spoke';
export const SPOKE_VNET_ID = vnetId(SPOKE_RG, SPOKE_VNET);
export const AKS_SUBNET_ID = subnetId(SPOKE_RG, SPOKE_VNET, 'snet-aks');

export function pool(name = 'system', over: Over<AksAgentPool> = {}): AksAgentPool {
  return merge<AksAgentPool>({ name, mode: 'System', vnetSubnetId: AKS_SUBNET_ID, enableNodePublicIp: false }, over);
}

export const nodeRgOf = (name: string, rg = 'rg-aks', location = REGION): string => `MC_${rg}_${name}_${location}`;

/** A private cluster with a system zone, UDR egress, network policy and a managed identity. */
export function cluster(name = 'aks1', over: Over<AksCluster> & Place = {}): AksCluster {
  const { rg = 'rg-aks', sub = SUB, location = REGION, ...rest } = over;
  return merge<AksCluster>({
    ...base(armId(rg, 'Microsoft.ContainerService/managedClusters', name, sub), name, rg, sub, location),
    privateCluster: true,
    privateDnsZone: 'system',
    publicFqdnEnabled: false,
    authorizedIpRanges: [],
    vnetIntegration: false,
    privateFqdn: `${name}-1a2b3c4d.${zoneGuid(name)}.privatelink.${location}.azmk8s.io`,
    nodeResourceGroup: nodeRgOf(name, rg, location),
    networkPlugin: 'azure',
    networkPolicy: 'azure',
    outboundType: 'userDefinedRouting',
    podCidrs: [],
    serviceCidrs: ['172.16.0.0/16'],
    virtualNodesEnabled: false,
    servicePrincipalClientId: 'msi',
    identityType: 'SystemAssigned',
    agentPools: [pool()],
  }, rest);
}

export function vnet(name = SPOKE_VNET, prefixes: string[] = ['10.20.0.0/16'], over: Partial<VirtualNetwork> & Place = {}): VirtualNetwork {
  const { rg = SPOKE_RG, sub = SUB, location = REGION, ...rest } = over;
  return {
    ...base(vnetId(rg, name, sub), name, rg, sub, location),
    addressPrefixes: prefixes,
    dnsServers: [],
    subnets: [],
    peerings: [],
    ...rest,
  };
}

export function peering(from: VirtualNetwork, to: VirtualNetwork | string, over: Partial<VnetPeering> = {}): VnetPeering {
  const remoteId = typeof to === 'string' ? to : to.id;
  const remoteName = remoteId.split('/').pop() ?? 'remote';
  return {
    id: `${from.id}/virtualNetworkPeerings/${from.name}-to-${remoteName}`,
    name: `${from.name}-to-${remoteName}`,
    remoteVirtualNetworkId: remoteId,
    allowGatewayTransit: false,
    useRemoteGateways: false,
    allowForwardedTraffic: true,
    peeringState: 'Connected',
    remoteAddressPrefixes: typeof to === 'string' ? [] : to.addressPrefixes,
    ...over,
  };
}

export function publicIp(name: string, over: Partial<PublicIpAddress> & Place = {}): PublicIpAddress {
  const { rg = nodeRgOf('aks1'), sub = SUB, location = REGION, ...rest } = over;
  return { ...base(armId(rg, 'Microsoft.Network/publicIPAddresses', name, sub), name, rg, sub, location), sku: 'Standard', ...rest };
}

export interface LbSpec extends Place {
  frontends?: { name: string; publicIp?: PublicIpAddress; subnetId?: string; privateIpAddress?: string }[];
  /** Load-balancing rules: rule name → frontend names. */
  rules?: Record<string, string[]>;
  natRules?: Record<string, string[]>;
  outboundRules?: Record<string, string[]>;
}

/** A load balancer; rules refer to frontends by name. */
export function lb(name = 'kubernetes', spec: LbSpec = {}): LoadBalancer {
  const { rg = nodeRgOf('aks1'), sub = SUB, location = REGION } = spec;
  const id = armId(rg, 'Microsoft.Network/loadBalancers', name, sub);
  const feId = (fe: string): string => `${id}/frontendIPConfigurations/${fe}`;
  const frontends: LoadBalancerFrontend[] = (spec.frontends ?? []).map((f) => ({
    id: feId(f.name),
    name: f.name,
    ...(f.publicIp ? { publicIpAddressId: f.publicIp.id } : {}),
    ...(f.subnetId ? { subnetId: f.subnetId } : {}),
    ...(f.privateIpAddress ? { privateIpAddress: f.privateIpAddress } : {}),
  }));
  const rules = (kind: string, map: Record<string, string[]> = {}): LoadBalancerRule[] =>
    Object.entries(map).map(([rule, fes]) => ({ id: `${id}/${kind}/${rule}`, name: rule, frontendIpConfigurationIds: fes.map(feId) }));
  return {
    ...base(id, name, rg, sub, location),
    sku: 'Standard',
    frontends,
    loadBalancingRules: rules('loadBalancingRules', spec.rules),
    inboundNatRules: rules('inboundNatRules', spec.natRules),
    outboundRules: rules('outboundRules', spec.outboundRules),
  };
}

export function zone(name: string, over: Partial<PrivateDnsZone> & Place = {}): PrivateDnsZone {
  const { rg = nodeRgOf('aks1'), sub = SUB, ...rest } = over;
  return { ...base(armId(rg, 'Microsoft.Network/privateDnsZones', name, sub), name, rg, sub, 'global'), ...rest };
}

/** The zone AKS creates for a `system` cluster built by `cluster()`. */
export function systemZone(c: AksCluster): PrivateDnsZone {
  return zone(`${zoneGuid(c.name)}.privatelink.${c.location}.azmk8s.io`, { rg: c.nodeResourceGroup ?? 'rg', sub: c.subscriptionId });
}

export function link(z: PrivateDnsZone, vnetIdOrRecord: string | VirtualNetwork, name?: string): PrivateDnsZoneLink {
  const vid = typeof vnetIdOrRecord === 'string' ? vnetIdOrRecord : vnetIdOrRecord.id;
  const linkName = name ?? `link-${vid.split('/').pop() ?? 'vnet'}`;
  return {
    ...base(`${z.id}/virtualNetworkLinks/${linkName}`, linkName, z.resourceGroup, z.subscriptionId, 'global'),
    zoneId: z.id,
    virtualNetworkId: vid,
    registrationEnabled: false,
    state: 'Completed',
  };
}

export function aRecord(z: PrivateDnsZone, relativeName: string, ips: string[] = ['10.20.1.4']): PrivateDnsARecordSet {
  return { ...base(`${z.id}/A/${relativeName}`, relativeName, z.resourceGroup, z.subscriptionId, 'global'), zoneId: z.id, relativeName, ipv4Addresses: ips };
}

/** The A record of the API server of a cluster built by `cluster()`, in its system zone. */
export function apiRecord(c: AksCluster, ips?: string[]): PrivateDnsARecordSet {
  return aRecord(systemZone(c), `${c.name}-1a2b3c4d`, ips);
}

export function resolverEndpoint(name: string, vnetRecordOrId: VirtualNetwork | string, ips: string[] = ['10.0.0.4'], over: Place = {}): DnsResolverInboundEndpoint {
  const { rg = 'rg-dns', sub = SUB, location = REGION } = over;
  const resolverId = armId(rg, 'Microsoft.Network/dnsResolvers', 'resolver', sub);
  return {
    ...base(`${resolverId}/inboundEndpoints/${name}`, name, rg, sub, location),
    resolverId,
    virtualNetworkId: typeof vnetRecordOrId === 'string' ? vnetRecordOrId : vnetRecordOrId.id,
    privateIpAddresses: ips,
  };
}

export function registry(name: string, over: Over<ContainerRegistry> & Place = {}): ContainerRegistry {
  const { rg = 'rg-acr', sub = SUB, location = REGION, ...rest } = over;
  return merge<ContainerRegistry>({
    ...base(armId(rg, 'Microsoft.ContainerRegistry/registries', name, sub), name, rg, sub, location),
    sku: 'Premium',
    publicNetworkAccess: 'Disabled',
    adminUserEnabled: false,
    privateEndpointConnections: 1,
    loginServer: `${name}.azurecr.io`,
  }, rest);
}

export function bastion(name: string, over: Partial<BastionHost> & Place = {}): BastionHost {
  const { rg = 'rg-hub', sub = SUB, location = REGION, ...rest } = over;
  return { ...base(armId(rg, 'Microsoft.Network/bastionHosts', name, sub), name, rg, sub, location), ...rest };
}

export function peeringCost(vnetRecord: VirtualNetwork, meter: string, quantityGb: number, cost: number, over: Partial<PeeringCostRecord> = {}): PeeringCostRecord {
  return {
    scope: vnetRecord.scope,
    resourceId: vnetRecord.id,
    meter,
    quantityGb,
    cost,
    currency: 'USD',
    periodStart: '2026-10-01',
    periodEnd: '2026-10-30',
    ...over,
  };
}

/** Coverage of one subscription where the listed datasets could not be read. */
export function unreadable(datasets: string[], sub: string = SUB): ScopeCoverage {
  return {
    scope: { cloud: 'azure', kind: 'subscription', id: sub },
    complete: false,
    failed: datasets.map((dataset) => ({ dataset, api: 'resourcegraph:resources', status: 403, message: 'AuthorizationFailed' })),
  };
}

export function readable(sub: string = SUB): ScopeCoverage {
  return { scope: { cloud: 'azure', kind: 'subscription', id: sub }, complete: true, failed: [] };
}
