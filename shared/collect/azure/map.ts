import { z } from 'zod';
import type {
  AksCluster,
  AzureFirewall,
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
  VirtualNetwork,
  VirtualNetworkGateway,
} from '../../model/inventory/azure.js';
import { scopeKey } from '../../model/scope.js';
import { parseArmId, parentId } from '../../util/arm-id.js';
import { ciArray, ciString, getCi } from '../../util/props.js';
import { ciObject, mapWith } from '../kit/descriptor.js';
import { ShapeError } from '../kit/errors.js';

/**
 * The schemas of the Azure datasets: each validates one item and normalises it into its inventory
 * record. Items come in three shapes: ARM wire JSON (`properties.*`), Resource Graph rows (wire
 * names under `properties`) and the SDKs' flattened models (`privateFqdn` for `privateFQDN`).
 * Key casing is ciObject's business; the flattened shape is `resource()`'s.
 */

/** The kit's ShapeError under the name the Azure tests and callers know. */
export { ShapeError as AzureShapeError };

// Absent and null read the same in every Azure shape.
const text = z.string().nullish().transform((v) => v ?? undefined);
const texts = z.array(z.string()).nullish().transform((v) => v ?? []);
const flag = z
  .union([z.boolean(), z.string().regex(/^(true|false)$/i, 'expected a boolean').transform((v) => v.toLowerCase() === 'true')])
  .nullish()
  .transform((v) => v ?? false);
const listOf = <T extends z.ZodType>(item: T) => z.array(item).nullish().transform((v) => v ?? []);
/** A nested object that may be absent or null: its fields take their defaults. */
const bag = <S extends z.ZodRawShape>(shape: S) => z.preprocess((v) => v ?? {}, ciObject(shape));
/** `{ id }` of a referenced resource (`subnet`, `publicIPAddress`), optional. */
const ref = bag({ id: text });
const armId = z.string().regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i, 'expected an ARM resource id');
const opt = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> => (value === undefined ? {} : ({ [key]: value } as Record<K, V>));

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** `properties` as its own key: the wire's bag, or the item itself for SDK-flattened models. */
function withProperties(raw: unknown): unknown {
  if (!isObject(raw)) return raw;
  const p = getCi(raw, 'properties');
  const rest = Object.entries(raw).filter(([k]) => k.toLowerCase() !== 'properties');
  return { ...Object.fromEntries(rest), properties: isObject(p) ? p : raw };
}

/** An item with a properties bag (resource or sub-resource): top-level fields and the bag's. */
const withBag = <T extends z.ZodRawShape, P extends z.ZodRawShape>(top: T, props: P) => z.preprocess(withProperties, ciObject({ ...top, properties: ciObject(props) }));

/** A sub-resource listed inside a resource (frontend, rule, subnet, peering). */
const subResource = <P extends z.ZodRawShape>(props: P) => withBag({ id: z.string(), name: z.string() }, props);

const resourceTop = {
  id: armId,
  name: z.string().min(1),
  location: z.unknown().optional().transform((v) => (typeof v === 'string' ? v : '')),
  tags: z.record(z.string(), z.string()).nullish().transform((v) => v ?? {}),
};

function base(r: { id: string; name: string; location: string; tags: Record<string, string> }): AzureResource {
  // The regex above guarantees a subscription segment.
  const parts = parseArmId(r.id) ?? { subscriptionId: '', resourceGroup: '' };
  return {
    id: r.id,
    name: r.name,
    scope: scopeKey({ cloud: 'azure', kind: 'subscription', id: parts.subscriptionId }),
    subscriptionId: parts.subscriptionId.toLowerCase(),
    resourceGroup: parts.resourceGroup,
    location: r.location,
    tags: r.tags,
  };
}

/** A resource schema: the common fields, `top` beside them, `props` in the properties bag. */
const resource = <T extends z.ZodRawShape, P extends z.ZodRawShape>(top: T, props: P) => withBag({ ...resourceTop, ...top }, props);

/** The mapper of a resource schema: refuses a non-object at once, names the resource on a bad field. */
function resourceMapper<T>(schema: z.ZodType<T>): (raw: unknown) => T {
  const map = mapWith(schema, (raw) => {
    const id = getCi(raw, 'id');
    return typeof id === 'string' ? id : preview(raw, 120);
  });
  return (raw) => {
    if (!isObject(raw)) throw new ShapeError(`expected a resource object, got ${preview(raw, 80)}`);
    return map(raw);
  };
}

/** IP configurations (firewall, bastion, gateway: under properties; resolver endpoints: flat). */
const ipConfigurations = listOf(withBag({ privateIpAddress: text }, { subnet: ref, privateIPAddress: text }));
type IpConfiguration = z.output<typeof ipConfigurations>[number];

/** The VNet of the first IP configuration that names a subnet. */
function vnetOf(configs: readonly IpConfiguration[]): string | undefined {
  const subnet = configs.map((c) => c.properties.subnet.id).find((id) => id !== undefined);
  return subnet === undefined ? undefined : parentId(subnet);
}

const clusterSchema = resource(
  { identity: bag({ type: text }) },
  {
    apiServerAccessProfile: bag({ enablePrivateCluster: flag, privateDNSZone: text, enablePrivateClusterPublicFQDN: flag, authorizedIPRanges: texts, enableVnetIntegration: flag }),
    fqdn: text,
    privateFQDN: text,
    nodeResourceGroup: text,
    publicNetworkAccess: text,
    networkProfile: bag({ networkPlugin: text, networkPolicy: text, outboundType: text, podCidrs: texts, podCidr: text, serviceCidrs: texts, serviceCidr: text }),
    addonProfiles: bag({ aciConnectorLinux: bag({ enabled: flag }) }),
    servicePrincipalProfile: bag({ clientId: text }),
    agentPoolProfiles: listOf(ciObject({ name: z.string(), mode: text, vnetSubnetID: text, podSubnetID: text, enableNodePublicIP: flag })),
  },
).transform((r): AksCluster => {
  const p = r.properties;
  const api = p.apiServerAccessProfile;
  const net = p.networkProfile;
  return {
    ...base(r),
    privateCluster: api.enablePrivateCluster,
    ...opt('privateDnsZone', api.privateDNSZone),
    publicFqdnEnabled: api.enablePrivateClusterPublicFQDN,
    authorizedIpRanges: api.authorizedIPRanges,
    vnetIntegration: api.enableVnetIntegration,
    ...opt('fqdn', p.fqdn),
    ...opt('privateFqdn', p.privateFQDN),
    ...opt('nodeResourceGroup', p.nodeResourceGroup),
    ...opt('publicNetworkAccess', p.publicNetworkAccess),
    ...opt('networkPlugin', net.networkPlugin),
    ...opt('networkPolicy', net.networkPolicy),
    ...opt('outboundType', net.outboundType),
    podCidrs: net.podCidrs.length > 0 ? net.podCidrs : net.podCidr ? [net.podCidr] : [],
    serviceCidrs: net.serviceCidrs.length > 0 ? net.serviceCidrs : net.serviceCidr ? [net.serviceCidr] : [],
    virtualNodesEnabled: p.addonProfiles.aciConnectorLinux.enabled,
    ...opt('servicePrincipalClientId', p.servicePrincipalProfile.clientId),
    ...opt('identityType', r.identity.type),
    agentPools: p.agentPoolProfiles.map((pool) => ({
      name: pool.name,
      ...opt('mode', pool.mode || undefined),
      ...opt('vnetSubnetId', pool.vnetSubnetID || undefined),
      ...opt('podSubnetId', pool.podSubnetID || undefined),
      enableNodePublicIp: pool.enableNodePublicIP,
    })),
  };
});

const sku = bag({ name: text });
const singleFrontendRule = subResource({ frontendIPConfiguration: ref });
const rulesOf = (rules: readonly z.output<typeof singleFrontendRule>[]): LoadBalancerRule[] =>
  rules.map((rule) => ({ id: rule.id, name: rule.name, frontendIpConfigurationIds: [rule.properties.frontendIPConfiguration.id].filter((x): x is string => x !== undefined) }));

const loadBalancerSchema = resource(
  { sku },
  {
    frontendIPConfigurations: listOf(subResource({ privateIPAddress: text, subnet: ref, publicIPAddress: ref })),
    loadBalancingRules: listOf(singleFrontendRule),
    inboundNatRules: listOf(singleFrontendRule),
    outboundRules: listOf(subResource({ frontendIPConfigurations: listOf(ciObject({ id: z.string() })) })),
  },
).transform((r): LoadBalancer => ({
  ...base(r),
  ...opt('sku', r.sku.name || undefined),
  frontends: r.properties.frontendIPConfigurations.map((f) => ({
    id: f.id,
    name: f.name,
    ...opt('privateIpAddress', f.properties.privateIPAddress || undefined),
    ...opt('subnetId', f.properties.subnet.id || undefined),
    ...opt('publicIpAddressId', f.properties.publicIPAddress.id || undefined),
  })),
  loadBalancingRules: rulesOf(r.properties.loadBalancingRules),
  inboundNatRules: rulesOf(r.properties.inboundNatRules),
  outboundRules: r.properties.outboundRules.map((rule) => ({ id: rule.id, name: rule.name, frontendIpConfigurationIds: rule.properties.frontendIPConfigurations.map((f) => f.id) })),
}));

const publicIpSchema = resource({ sku }, { ipAddress: text, ipConfiguration: ref }).transform(
  (r): PublicIpAddress => ({
    ...base(r),
    ...opt('ipAddress', r.properties.ipAddress || undefined),
    ...opt('ipConfigurationId', r.properties.ipConfiguration.id || undefined),
    ...opt('sku', r.sku.name || undefined),
  }),
);

const virtualNetworkSchema = resource(
  {},
  {
    addressSpace: bag({ addressPrefixes: texts }),
    dhcpOptions: bag({ dnsServers: texts }),
    subnets: listOf(subResource({ addressPrefixes: texts, addressPrefix: text, routeTable: ref, natGateway: ref })),
    virtualNetworkPeerings: listOf(
      subResource({
        remoteVirtualNetwork: ciObject({ id: z.string() }),
        allowGatewayTransit: flag,
        useRemoteGateways: flag,
        allowForwardedTraffic: flag,
        peeringState: text,
        remoteAddressSpace: bag({ addressPrefixes: texts }),
      }),
    ),
  },
).transform(
  (r): VirtualNetwork => ({
    ...base(r),
    addressPrefixes: r.properties.addressSpace.addressPrefixes,
    dnsServers: r.properties.dhcpOptions.dnsServers,
    subnets: r.properties.subnets.map((s) => ({
      id: s.id,
      name: s.name,
      addressPrefixes: s.properties.addressPrefixes.length > 0 ? s.properties.addressPrefixes : s.properties.addressPrefix ? [s.properties.addressPrefix] : [],
      ...opt('routeTableId', s.properties.routeTable.id || undefined),
      ...opt('natGatewayId', s.properties.natGateway.id || undefined),
    })),
    peerings: r.properties.virtualNetworkPeerings.map((pr) => ({
      id: pr.id,
      name: pr.name,
      remoteVirtualNetworkId: pr.properties.remoteVirtualNetwork.id,
      allowGatewayTransit: pr.properties.allowGatewayTransit,
      useRemoteGateways: pr.properties.useRemoteGateways,
      allowForwardedTraffic: pr.properties.allowForwardedTraffic,
      ...opt('peeringState', pr.properties.peeringState || undefined),
      remoteAddressPrefixes: pr.properties.remoteAddressSpace.addressPrefixes,
    })),
  }),
);

// Counts are informative only: anything but a number is left out rather than refused.
const count = z.unknown().optional().transform((v) => (typeof v === 'number' ? v : undefined));
const privateDnsZoneSchema = resource({}, { numberOfRecordSets: count, numberOfVirtualNetworkLinks: count }).transform(
  (r): PrivateDnsZone => ({ ...base(r), ...opt('numberOfRecordSets', r.properties.numberOfRecordSets), ...opt('numberOfVirtualNetworkLinks', r.properties.numberOfVirtualNetworkLinks) }),
);

const privateDnsLinkSchema = resource({}, { virtualNetwork: ciObject({ id: z.string() }), registrationEnabled: flag, virtualNetworkLinkState: text }).transform((r): PrivateDnsZoneLink => {
  const b = base(r);
  return { ...b, zoneId: parentId(b.id), virtualNetworkId: r.properties.virtualNetwork.id, registrationEnabled: r.properties.registrationEnabled, ...opt('state', r.properties.virtualNetworkLinkState || undefined) };
});

const aRecordSetSchema = resource({}, { aRecords: listOf(ciObject({ ipv4Address: z.string() })) }).transform((r): PrivateDnsARecordSet => {
  const b = base(r);
  return { ...b, zoneId: parentId(b.id), relativeName: b.name, ipv4Addresses: r.properties.aRecords.map((a) => a.ipv4Address) };
});

const inboundEndpointSchema = resource({}, { ipConfigurations }).transform((r): DnsResolverInboundEndpoint => {
  const b = base(r);
  return {
    ...b,
    resolverId: parentId(b.id),
    virtualNetworkId: vnetOf(r.properties.ipConfigurations) ?? '',
    privateIpAddresses: r.properties.ipConfigurations.map((c) => c.privateIpAddress).filter((x): x is string => x !== undefined),
  };
});

const registrySchema = resource(
  { sku: ciObject({ name: z.string() }) },
  { publicNetworkAccess: text, adminUserEnabled: flag, privateEndpointConnections: listOf(z.unknown()), loginServer: text },
).transform(
  (r): ContainerRegistry => ({
    ...base(r),
    sku: r.sku.name,
    ...opt('publicNetworkAccess', r.properties.publicNetworkAccess || undefined),
    adminUserEnabled: r.properties.adminUserEnabled,
    privateEndpointConnections: r.properties.privateEndpointConnections.length,
    ...opt('loginServer', r.properties.loginServer || undefined),
  }),
);

const bastionHostSchema = resource({ sku }, { ipConfigurations, virtualNetwork: ref }).transform((r): BastionHost => {
  const virtualNetworkId = vnetOf(r.properties.ipConfigurations) ?? r.properties.virtualNetwork.id;
  return { ...base(r), ...opt('sku', r.sku.name || undefined), ...opt('virtualNetworkId', virtualNetworkId || undefined) };
});

const firewallSchema = resource({ sku: z.unknown().optional() }, { sku: bag({ tier: text }), ipConfigurations }).transform((r): AzureFirewall => {
  const skuTier = r.properties.sku.tier ?? ciString(r.sku, 'tier');
  const privateIpAddress = r.properties.ipConfigurations.map((c) => c.properties.privateIPAddress).find((x) => x !== undefined);
  return { ...base(r), ...opt('sku', skuTier || undefined), ...opt('virtualNetworkId', vnetOf(r.properties.ipConfigurations)), ...opt('privateIpAddress', privateIpAddress || undefined) };
});

const gatewaySchema = resource({}, { gatewayType: text, sku, ipConfigurations }).transform(
  (r): VirtualNetworkGateway => ({
    ...base(r),
    ...opt('gatewayType', r.properties.gatewayType || undefined),
    ...opt('sku', r.properties.sku.name || undefined),
    ...opt('virtualNetworkId', vnetOf(r.properties.ipConfigurations)),
  }),
);

export const mapManagedCluster = resourceMapper(clusterSchema);
export const mapLoadBalancer = resourceMapper(loadBalancerSchema);
export const mapPublicIp = resourceMapper(publicIpSchema);
export const mapVirtualNetwork = resourceMapper(virtualNetworkSchema);
export const mapPrivateDnsZone = resourceMapper(privateDnsZoneSchema);
export const mapPrivateDnsLink = resourceMapper(privateDnsLinkSchema);
export const mapARecordSet = resourceMapper(aRecordSetSchema);
export const mapInboundEndpoint = resourceMapper(inboundEndpointSchema);
export const mapRegistry = resourceMapper(registrySchema);
export const mapBastionHost = resourceMapper(bastionHostSchema);
export const mapFirewall = resourceMapper(firewallSchema);
export const mapGateway = resourceMapper(gatewaySchema);

/** A short JSON rendering for messages (JSON.stringify(undefined) is undefined at run time). */
function preview(value: unknown, length: number): string {
  return `${JSON.stringify(value) as string | undefined}`.slice(0, length);
}

/** Resource Graph `data` in either result format → row objects. */
export function resourceGraphRows(data: unknown): unknown[] {
  if (Array.isArray(data)) return data as unknown[];
  const columns = getCi(data, 'columns');
  const rows = getCi(data, 'rows');
  if (Array.isArray(columns) && Array.isArray(rows)) {
    const names = columns.map((c, i) => {
      const n = getCi(c, 'name');
      if (typeof n !== 'string') throw new ShapeError(`Resource Graph table result: column ${i} has no name`);
      return n;
    });
    return rows.map((row, i) => {
      if (!Array.isArray(row)) throw new ShapeError(`Resource Graph table result: row ${i} is not an array`);
      return Object.fromEntries(names.map((n, j) => [n, (row as unknown[])[j]]));
    });
  }
  throw new ShapeError(`Resource Graph result: data is neither an object array nor a table (columns/rows): ${preview(data, 120)}`);
}

export const PEERING_METERS = ['Intra-Region Ingress', 'Intra-Region Egress', 'Inter-Region Ingress', 'Inter-Region Egress'] as const;

/**
 * The rows of a Cost Management query result → peering cost records. `scope` is the scope the query
 * ran at (`azure/subscription/<id>`, `azure/management-group/<id>`, a billing scope): each record
 * belongs to the subscription of its ResourceId (at subscription scope, the queried one).
 */
export function mapCostRows(result: unknown, scope: string, period: { start: string; end: string }): PeeringCostRecord[] {
  const where = `Cost Management result for ${scope}`;
  if (!isObject(result)) throw new ShapeError(`${where}: expected an object with properties.columns and properties.rows, got ${preview(result, 80)}`);
  const p = withProperties(result) as { properties: unknown };
  const columns = ciArray(p.properties, 'columns');
  const rows = getCi(p.properties, 'rows');
  if (rows === undefined || rows === null) return [];
  if (!Array.isArray(rows)) throw new ShapeError(`${where}: expected rows to be an array, got ${preview(rows, 80)}`);
  const index = (name: string): number => columns.findIndex((c) => ciString(c, 'name')?.toLowerCase() === name.toLowerCase());
  const cost = [index('Cost'), index('PreTaxCost'), index('CostUSD')].find((i) => i >= 0) ?? -1;
  const qty = index('UsageQuantity');
  const rid = index('ResourceId');
  const meter = index('Meter');
  const currency = index('Currency');
  if (cost < 0 || rid < 0 || meter < 0) throw new ShapeError(`${where}: expected columns Cost, ResourceId and Meter, got ${columns.map((c) => ciString(c, 'name') ?? '?').join(', ')}`);
  const atSubscription = scope.startsWith('azure/subscription/');
  const out: PeeringCostRecord[] = [];
  rows.forEach((row, i) => {
    if (!Array.isArray(row)) throw new ShapeError(`${where}: row ${i} is not an array`);
    const cells = row as unknown[];
    const meterName = cells[meter];
    if (typeof meterName !== 'string' || !(PEERING_METERS as readonly string[]).includes(meterName)) return;
    const num = (j: number): number => {
      const v = j >= 0 ? cells[j] : 0;
      const n = typeof v === 'number' ? v : Number(v);
      if (!Number.isFinite(n)) throw new ShapeError(`${where}: row ${i} has a non-numeric value ${JSON.stringify(v)}`);
      return n;
    };
    const resourceId = cells[rid];
    if (typeof resourceId !== 'string') throw new ShapeError(`${where}: row ${i} has no ResourceId`);
    const subscriptionId = atSubscription ? undefined : parseArmId(resourceId)?.subscriptionId;
    if (!atSubscription && subscriptionId === undefined) throw new ShapeError(`${where}: row ${i}: expected a ResourceId under /subscriptions/<id>, got ${preview(resourceId, 120)}`);
    const owner = subscriptionId === undefined ? scope : scopeKey({ cloud: 'azure', kind: 'subscription', id: subscriptionId });
    const cur = currency >= 0 ? cells[currency] : 'USD';
    out.push({ scope: owner, resourceId, meter: meterName, quantityGb: qty >= 0 ? num(qty) : 0, cost: num(cost), currency: typeof cur === 'string' ? cur : 'USD', periodStart: period.start, periodEnd: period.end });
  });
  return out;
}
