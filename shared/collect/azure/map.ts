import { z } from 'zod';
import type {
  AksAgentPool,
  AksCluster,
  AzureFirewall,
  AzureInventory,
  AzureResource,
  BastionHost,
  ContainerRegistry,
  DnsResolverInboundEndpoint,
  LoadBalancer,
  LoadBalancerRule,
  PeeringCostRecord,
  PrivateDnsARecordSet,
  PrivateDnsZone,
  PrivateDnsZoneLink,
  PublicIpAddress,
  Subnet,
  VirtualNetwork,
  VirtualNetworkGateway,
  VnetPeering,
} from '../../model/inventory/azure.js';
import { scopeKey } from '../../model/scope.js';
import { parseArmId, parentId } from '../../util/arm-id.js';
import { ciArray, ciBool, ciString, getCi, getPathCi } from '../../util/props.js';

/**
 * Pure mappings from Azure payloads to inventory records. Each accepts the three shapes Airlock
 * meets: ARM wire JSON (`properties.*`), Resource Graph rows (wire names under `properties`) and
 * the SDKs' flattened models (`privateFqdn` for `privateFQDN`); keys are matched case-insensitively.
 * An unexpected shape throws an AzureShapeError naming the resource and field.
 */

export class AzureShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AzureShapeError';
  }
}

const armIdSchema = z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i, 'expected an ARM resource id');
const stringList = z.array(z.string());
const optionalString = z.string().optional();

/** A short JSON rendering for messages (JSON.stringify(undefined) is undefined at run time). */
function preview(value: unknown, length: number): string {
  return `${JSON.stringify(value) as string | undefined}`.slice(0, length);
}

function describe(raw: unknown): string {
  const id = getCi(raw, 'id');
  return typeof id === 'string' ? id : preview(raw, 120);
}

function check<T>(schema: z.ZodType<T>, value: unknown, raw: unknown, field: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    throw new AzureShapeError(`unexpected ${field} in ${describe(raw)}: ${result.error.issues.map((i) => i.message).join('; ')}`);
  }
  return result.data;
}

/** The properties bag: `properties` on wire/Resource Graph shapes, the object itself on SDK-flattened models. */
function props(raw: unknown): unknown {
  const p = getCi(raw, 'properties');
  return p !== null && typeof p === 'object' && !Array.isArray(p) ? p : raw;
}

function str(raw: unknown, obj: unknown, path: string): string | undefined {
  const v = getPathCi(obj, path);
  if (v === null || v === undefined) return undefined;
  return check(optionalString, v, raw, path);
}

function strings(raw: unknown, obj: unknown, path: string): string[] {
  const v = getPathCi(obj, path);
  if (v === null || v === undefined) return [];
  return check(stringList, v, raw, path);
}

function bool(raw: unknown, obj: unknown, path: string): boolean {
  const v = getPathCi(obj, path);
  if (v === null || v === undefined) return false;
  const b = ciBool(obj, path);
  if (b === undefined) throw new AzureShapeError(`unexpected ${path} in ${describe(raw)}: expected a boolean, got ${JSON.stringify(v)}`);
  return b;
}

function list(raw: unknown, obj: unknown, path: string): unknown[] {
  const v = getPathCi(obj, path);
  if (v === null || v === undefined) return [];
  if (!Array.isArray(v)) throw new AzureShapeError(`unexpected ${path} in ${describe(raw)}: expected an array`);
  return v as unknown[];
}

function tagsOf(raw: unknown): Record<string, string> {
  const t = getCi(raw, 'tags');
  if (t === null || t === undefined) return {};
  return check(z.record(z.string(), z.string()), t, raw, 'tags');
}

function base(raw: unknown): AzureResource {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new AzureShapeError(`expected a resource object, got ${preview(raw, 80)}`);
  const id = check(armIdSchema, getCi(raw, 'id'), raw, 'id');
  const name = check(z.string().min(1), getCi(raw, 'name'), raw, 'name');
  const parts = parseArmId(id);
  if (!parts) throw new AzureShapeError(`unexpected id in ${id}: no subscription`);
  const location = getCi(raw, 'location');
  return {
    id,
    name,
    scope: scopeKey({ cloud: 'azure', kind: 'subscription', id: parts.subscriptionId }),
    subscriptionId: parts.subscriptionId.toLowerCase(),
    resourceGroup: parts.resourceGroup,
    location: typeof location === 'string' ? location : '',
    tags: tagsOf(raw),
  };
}

function idOf(raw: unknown, obj: unknown, path: string): string | undefined {
  return str(raw, obj, `${path}.id`);
}

/** The id and name of a sub-resource listed under `path` (frontend, rule, subnet, peering). */
function child(raw: unknown, item: unknown, path: string): { id: string; name: string } {
  return { id: check(z.string(), getCi(item, 'id'), raw, `${path}[].id`), name: check(z.string(), getCi(item, 'name'), raw, `${path}[].name`) };
}

export function mapManagedCluster(raw: unknown): AksCluster {
  const r = base(raw);
  const p = props(raw);
  const api = getCi(p, 'apiServerAccessProfile');
  const net = getCi(p, 'networkProfile');
  const addons = getCi(p, 'addonProfiles');
  const aci = addons && typeof addons === 'object' ? getCi(addons, 'aciConnectorLinux') : undefined;
  const pools = list(raw, p, 'agentPoolProfiles').map((pool): AksAgentPool => {
    const name = check(z.string(), getCi(pool, 'name'), raw, 'agentPoolProfiles[].name');
    const mode = str(raw, pool, 'mode');
    const vnetSubnetId = str(raw, pool, 'vnetSubnetID');
    const podSubnetId = str(raw, pool, 'podSubnetID');
    return { name, ...(mode ? { mode } : {}), ...(vnetSubnetId ? { vnetSubnetId } : {}), ...(podSubnetId ? { podSubnetId } : {}), enableNodePublicIp: bool(raw, pool, 'enableNodePublicIP') };
  });
  const podCidrs = strings(raw, net, 'podCidrs');
  const podCidr = str(raw, net, 'podCidr');
  const serviceCidrs = strings(raw, net, 'serviceCidrs');
  const serviceCidr = str(raw, net, 'serviceCidr');
  const opt = (key: string, value: string | undefined): Record<string, string> => (value === undefined ? {} : { [key]: value });
  return {
    ...r,
    privateCluster: bool(raw, api, 'enablePrivateCluster'),
    ...opt('privateDnsZone', str(raw, api, 'privateDNSZone')),
    publicFqdnEnabled: bool(raw, api, 'enablePrivateClusterPublicFQDN'),
    authorizedIpRanges: strings(raw, api, 'authorizedIPRanges'),
    vnetIntegration: bool(raw, api, 'enableVnetIntegration'),
    ...opt('fqdn', str(raw, p, 'fqdn')),
    ...opt('privateFqdn', str(raw, p, 'privateFQDN')),
    ...opt('nodeResourceGroup', str(raw, p, 'nodeResourceGroup')),
    ...opt('publicNetworkAccess', str(raw, p, 'publicNetworkAccess')),
    ...opt('networkPlugin', str(raw, net, 'networkPlugin')),
    ...opt('networkPolicy', str(raw, net, 'networkPolicy')),
    ...opt('outboundType', str(raw, net, 'outboundType')),
    podCidrs: podCidrs.length > 0 ? podCidrs : podCidr ? [podCidr] : [],
    serviceCidrs: serviceCidrs.length > 0 ? serviceCidrs : serviceCidr ? [serviceCidr] : [],
    virtualNodesEnabled: aci !== undefined && aci !== null && bool(raw, aci, 'enabled'),
    ...opt('servicePrincipalClientId', str(raw, p, 'servicePrincipalProfile.clientId')),
    ...opt('identityType', str(raw, raw, 'identity.type')),
    agentPools: pools,
  };
}

function rulesOf(raw: unknown, p: unknown, key: string, frontendPath: 'frontendIPConfiguration' | 'frontendIPConfigurations'): LoadBalancerRule[] {
  return list(raw, p, key).map((rule) => {
    const rp = props(rule);
    const ids =
      frontendPath === 'frontendIPConfiguration'
        ? [idOf(raw, rp, 'frontendIPConfiguration')].filter((x): x is string => x !== undefined)
        : list(raw, rp, 'frontendIPConfigurations').map((f) => check(z.string(), getCi(f, 'id'), raw, `${key}[].frontendIPConfigurations[].id`));
    return { ...child(raw, rule, key), frontendIpConfigurationIds: ids };
  });
}

export function mapLoadBalancer(raw: unknown): LoadBalancer {
  const r = base(raw);
  const p = props(raw);
  const sku = str(raw, raw, 'sku.name');
  return {
    ...r,
    ...(sku ? { sku } : {}),
    frontends: list(raw, p, 'frontendIPConfigurations').map((f) => {
      const fp = props(f);
      const privateIpAddress = str(raw, fp, 'privateIPAddress');
      const subnetId = idOf(raw, fp, 'subnet');
      const publicIpAddressId = idOf(raw, fp, 'publicIPAddress');
      return {
        ...child(raw, f, 'frontendIPConfigurations'),
        ...(privateIpAddress ? { privateIpAddress } : {}),
        ...(subnetId ? { subnetId } : {}),
        ...(publicIpAddressId ? { publicIpAddressId } : {}),
      };
    }),
    loadBalancingRules: rulesOf(raw, p, 'loadBalancingRules', 'frontendIPConfiguration'),
    inboundNatRules: rulesOf(raw, p, 'inboundNatRules', 'frontendIPConfiguration'),
    outboundRules: rulesOf(raw, p, 'outboundRules', 'frontendIPConfigurations'),
  };
}

export function mapPublicIp(raw: unknown): PublicIpAddress {
  const r = base(raw);
  const p = props(raw);
  const ipAddress = str(raw, p, 'ipAddress');
  const ipConfigurationId = idOf(raw, p, 'ipConfiguration');
  const sku = str(raw, raw, 'sku.name');
  return { ...r, ...(ipAddress ? { ipAddress } : {}), ...(ipConfigurationId ? { ipConfigurationId } : {}), ...(sku ? { sku } : {}) };
}

export function mapVirtualNetwork(raw: unknown): VirtualNetwork {
  const r = base(raw);
  const p = props(raw);
  const subnets = list(raw, p, 'subnets').map((s): Subnet => {
    const sp = props(s);
    const prefixes = strings(raw, sp, 'addressPrefixes');
    const prefix = str(raw, sp, 'addressPrefix');
    const routeTableId = idOf(raw, sp, 'routeTable');
    const natGatewayId = idOf(raw, sp, 'natGateway');
    return {
      ...child(raw, s, 'subnets'),
      addressPrefixes: prefixes.length > 0 ? prefixes : prefix ? [prefix] : [],
      ...(routeTableId ? { routeTableId } : {}),
      ...(natGatewayId ? { natGatewayId } : {}),
    };
  });
  const peerings = list(raw, p, 'virtualNetworkPeerings').map((pr): VnetPeering => {
    const pp = props(pr);
    const peeringState = str(raw, pp, 'peeringState');
    return {
      ...child(raw, pr, 'virtualNetworkPeerings'),
      remoteVirtualNetworkId: check(z.string(), getPathCi(pp, 'remoteVirtualNetwork.id'), raw, 'virtualNetworkPeerings[].remoteVirtualNetwork.id'),
      allowGatewayTransit: bool(raw, pp, 'allowGatewayTransit'),
      useRemoteGateways: bool(raw, pp, 'useRemoteGateways'),
      allowForwardedTraffic: bool(raw, pp, 'allowForwardedTraffic'),
      ...(peeringState ? { peeringState } : {}),
      remoteAddressPrefixes: strings(raw, pp, 'remoteAddressSpace.addressPrefixes'),
    };
  });
  return { ...r, addressPrefixes: strings(raw, p, 'addressSpace.addressPrefixes'), dnsServers: strings(raw, p, 'dhcpOptions.dnsServers'), subnets, peerings };
}

export function mapPrivateDnsZone(raw: unknown): PrivateDnsZone {
  const r = base(raw);
  const p = props(raw);
  const num = (key: string): Record<string, number> => {
    const v = getCi(p, key);
    return typeof v === 'number' ? { [key]: v } : {};
  };
  return { ...r, ...num('numberOfRecordSets'), ...num('numberOfVirtualNetworkLinks') };
}

export function mapPrivateDnsLink(raw: unknown): PrivateDnsZoneLink {
  const r = base(raw);
  const p = props(raw);
  const state = str(raw, p, 'virtualNetworkLinkState');
  return {
    ...r,
    zoneId: parentId(r.id),
    virtualNetworkId: check(z.string(), getPathCi(p, 'virtualNetwork.id'), raw, 'virtualNetwork.id'),
    registrationEnabled: bool(raw, p, 'registrationEnabled'),
    ...(state ? { state } : {}),
  };
}

export function mapARecordSet(raw: unknown): PrivateDnsARecordSet {
  const r = base(raw);
  const p = props(raw);
  return {
    ...r,
    zoneId: parentId(r.id),
    relativeName: r.name,
    ipv4Addresses: list(raw, p, 'aRecords').map((a) => check(z.string(), getCi(a, 'ipv4Address'), raw, 'aRecords[].ipv4Address')),
  };
}

/** The VNet of the first IP configuration that names a subnet. */
function vnetOfIpConfigurations(raw: unknown, p: unknown): string | undefined {
  for (const c of list(raw, p, 'ipConfigurations')) {
    const subnetId = str(raw, props(c), 'subnet.id');
    if (subnetId) return parentId(subnetId);
  }
  return undefined;
}

function mapInboundEndpoint(raw: unknown): DnsResolverInboundEndpoint {
  const r = base(raw);
  const p = props(raw);
  return {
    ...r,
    resolverId: parentId(r.id),
    virtualNetworkId: vnetOfIpConfigurations(raw, p) ?? '',
    privateIpAddresses: list(raw, p, 'ipConfigurations')
      .map((c) => str(raw, c, 'privateIpAddress'))
      .filter((x): x is string => x !== undefined),
  };
}

function mapRegistry(raw: unknown): ContainerRegistry {
  const r = base(raw);
  const p = props(raw);
  const publicNetworkAccess = str(raw, p, 'publicNetworkAccess');
  const loginServer = str(raw, p, 'loginServer');
  return {
    ...r,
    sku: check(z.string(), getPathCi(raw, 'sku.name'), raw, 'sku.name'),
    ...(publicNetworkAccess ? { publicNetworkAccess } : {}),
    adminUserEnabled: bool(raw, p, 'adminUserEnabled'),
    privateEndpointConnections: list(raw, p, 'privateEndpointConnections').length,
    ...(loginServer ? { loginServer } : {}),
  };
}

function mapBastionHost(raw: unknown): BastionHost {
  const r = base(raw);
  const p = props(raw);
  const sku = str(raw, raw, 'sku.name');
  const virtualNetworkId = vnetOfIpConfigurations(raw, p) ?? idOf(raw, p, 'virtualNetwork');
  return { ...r, ...(sku ? { sku } : {}), ...(virtualNetworkId ? { virtualNetworkId } : {}) };
}

function mapFirewall(raw: unknown): AzureFirewall {
  const r = base(raw);
  const p = props(raw);
  const sku = str(raw, p, 'sku.tier') ?? ciString(raw, 'sku.tier');
  const virtualNetworkId = vnetOfIpConfigurations(raw, p);
  const privateIpAddress = list(raw, p, 'ipConfigurations')
    .map((c) => str(raw, props(c), 'privateIPAddress'))
    .find((x) => x !== undefined);
  return { ...r, ...(sku ? { sku } : {}), ...(virtualNetworkId ? { virtualNetworkId } : {}), ...(privateIpAddress ? { privateIpAddress } : {}) };
}

function mapGateway(raw: unknown): VirtualNetworkGateway {
  const r = base(raw);
  const p = props(raw);
  const gatewayType = str(raw, p, 'gatewayType');
  const sku = str(raw, p, 'sku.name');
  const virtualNetworkId = vnetOfIpConfigurations(raw, p);
  return { ...r, ...(gatewayType ? { gatewayType } : {}), ...(sku ? { sku } : {}), ...(virtualNetworkId ? { virtualNetworkId } : {}) };
}

/** The datasets read as resources (everything but cost, which comes as rows). */
export type ResourceDataset = Exclude<keyof AzureInventory, 'peeringCosts'>;

/** Mapper per inventory dataset (everything but cost, which comes as rows). */
export const AZURE_MAPPERS: { [K in ResourceDataset]: (raw: unknown) => AzureInventory[K][number] } = {
  clusters: mapManagedCluster,
  loadBalancers: mapLoadBalancer,
  publicIps: mapPublicIp,
  virtualNetworks: mapVirtualNetwork,
  privateDnsZones: mapPrivateDnsZone,
  privateDnsLinks: mapPrivateDnsLink,
  privateDnsRecords: mapARecordSet,
  resolverInboundEndpoints: mapInboundEndpoint,
  registries: mapRegistry,
  bastionHosts: mapBastionHost,
  firewalls: mapFirewall,
  gateways: mapGateway,
};

/** Resource Graph `data` in either result format → row objects. */
export function resourceGraphRows(data: unknown): unknown[] {
  if (Array.isArray(data)) return data as unknown[];
  const columns = getCi(data, 'columns');
  const rows = getCi(data, 'rows');
  if (Array.isArray(columns) && Array.isArray(rows)) {
    const names = columns.map((c, i) => {
      const n = getCi(c, 'name');
      if (typeof n !== 'string') throw new AzureShapeError(`Resource Graph table result: column ${i} has no name`);
      return n;
    });
    return rows.map((row, i) => {
      if (!Array.isArray(row)) throw new AzureShapeError(`Resource Graph table result: row ${i} is not an array`);
      return Object.fromEntries(names.map((n, j) => [n, (row as unknown[])[j]]));
    });
  }
  throw new AzureShapeError(`Resource Graph result: data is neither an object array nor a table (columns/rows): ${preview(data, 120)}`);
}

export const PEERING_METERS = ['Intra-Region Ingress', 'Intra-Region Egress', 'Inter-Region Ingress', 'Inter-Region Egress'] as const;

/** Cost Management query rows (columns/rows) → peering cost records of one subscription scope. */
export function mapCostRows(result: unknown, scope: string, period: { start: string; end: string }): PeeringCostRecord[] {
  const p = props(result);
  const columns = ciArray(p, 'columns');
  const rows = getCi(p, 'rows');
  if (rows === undefined || rows === null) return [];
  if (!Array.isArray(rows)) throw new AzureShapeError(`Cost Management result for ${scope}: rows is not an array`);
  const index = (name: string): number => columns.findIndex((c) => ciString(c, 'name')?.toLowerCase() === name.toLowerCase());
  const cost = [index('Cost'), index('PreTaxCost'), index('CostUSD')].find((i) => i >= 0) ?? -1;
  const qty = index('UsageQuantity');
  const rid = index('ResourceId');
  const meter = index('Meter');
  const currency = index('Currency');
  if (cost < 0 || rid < 0 || meter < 0) throw new AzureShapeError(`Cost Management result for ${scope}: expected columns Cost, ResourceId and Meter, got ${columns.map((c) => ciString(c, 'name') ?? '?').join(', ')}`);
  const out: PeeringCostRecord[] = [];
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new AzureShapeError(`Cost Management result for ${scope}: row ${i} is not an array`);
    const cells = row as unknown[];
    const meterName = cells[meter];
    if (typeof meterName !== 'string' || !(PEERING_METERS as readonly string[]).includes(meterName)) return;
    const num = (j: number): number => {
      const v = j >= 0 ? cells[j] : 0;
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) throw new AzureShapeError(`Cost Management result for ${scope}: row ${i} has a non-numeric value ${JSON.stringify(v)}`);
      return n;
    };
    const resourceId = cells[rid];
    if (typeof resourceId !== 'string') throw new AzureShapeError(`Cost Management result for ${scope}: row ${i} has no ResourceId`);
    const cur = currency >= 0 ? cells[currency] : 'USD';
    out.push({ scope, resourceId, meter: meterName, quantityGb: qty >= 0 ? num(qty) : 0, cost: num(cost), currency: typeof cur === 'string' ? cur : 'USD', periodStart: period.start, periodEnd: period.end });
  });
  return out;
}
