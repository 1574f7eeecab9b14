import { createHash } from 'node:crypto';
import { pushTo } from '../core/multimap.js';
import type { AzureClusterSpec, AzureEstate, AzureSubscriptionSpec } from './scenario.js';

/**
 * Renders an Azure estate to ARM wire JSON (what `GET` on the resource provider returns:
 * `properties.*` nesting and wire names such as `privateFQDN`), once per scenario.
 */

export type Json = Record<string, unknown>;

/** The list operations the provider serves, keyed by ARM resource kind. */
export type ArmKind =
  | 'managedClusters'
  | 'loadBalancers'
  | 'publicIPAddresses'
  | 'virtualNetworks'
  | 'privateDnsZones'
  | 'virtualNetworkLinks'
  | 'aRecordSets'
  | 'dnsResolvers'
  | 'inboundEndpoints'
  | 'registries'
  | 'bastionHosts'
  | 'azureFirewalls'
  | 'virtualNetworkGateways'
  | 'resourceGroups';

const ARM_TYPES: Record<ArmKind, string> = {
  managedClusters: 'Microsoft.ContainerService/ManagedClusters',
  loadBalancers: 'Microsoft.Network/loadBalancers',
  publicIPAddresses: 'Microsoft.Network/publicIPAddresses',
  virtualNetworks: 'Microsoft.Network/virtualNetworks',
  privateDnsZones: 'Microsoft.Network/privateDnsZones',
  virtualNetworkLinks: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks',
  aRecordSets: 'Microsoft.Network/privateDnsZones/A',
  dnsResolvers: 'Microsoft.Network/dnsResolvers',
  inboundEndpoints: 'Microsoft.Network/dnsResolvers/inboundEndpoints',
  registries: 'Microsoft.ContainerRegistry/registries',
  bastionHosts: 'Microsoft.Network/bastionHosts',
  azureFirewalls: 'Microsoft.Network/azureFirewalls',
  virtualNetworkGateways: 'Microsoft.Network/virtualNetworkGateways',
  resourceGroups: 'Microsoft.Resources/resourceGroups',
};

interface RenderedResource {
  kind: ArmKind;
  subscriptionId: string;
  resourceGroup: string;
  /** The wire body as ARM returns it. */
  body: Json;
}

export interface CostRow {
  resourceId: string;
  meter: string;
  quantityGb: number;
  cost: number;
}

export interface RenderedSubscription {
  id: string;
  name: string;
  denied: boolean;
  managementGroups: string[];
  resources: RenderedResource[];
  costRows: CostRow[];
}

interface RenderedEstate {
  tenantId: string;
  subscriptions: RenderedSubscription[];
}

const PRICES: Record<string, number> = {
  'Intra-Region Ingress': 0.01,
  'Intra-Region Egress': 0.01,
  'Inter-Region Ingress': 0.035,
  'Inter-Region Egress': 0.035,
};

function hashHex(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

function guidFrom(text: string): string {
  const h = hashHex(text, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function rgId(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function resourceId(sub: string, rg: string, typePath: string): string {
  return `${rgId(sub, rg)}/providers/${typePath}`;
}

type RefKind = 'vnet' | 'subnet' | 'zone' | 'publicIp' | 'routeTable' | 'natGateway';

const REF_TYPES: Record<RefKind, string[]> = {
  vnet: ['Microsoft.Network/virtualNetworks'],
  subnet: ['Microsoft.Network/virtualNetworks', 'subnets'],
  zone: ['Microsoft.Network/privateDnsZones'],
  publicIp: ['Microsoft.Network/publicIPAddresses'],
  routeTable: ['Microsoft.Network/routeTables'],
  natGateway: ['Microsoft.Network/natGateways'],
};

/** Resolves a reference: a full ARM id, or `[<subscription id or name>:]<rg>/<name>[/<child>]`. */
function resolveRef(estate: AzureEstate, currentSub: string, ref: string, kind: RefKind): string {
  if (ref.toLowerCase().startsWith('/subscriptions/')) return ref;
  let subId = currentSub;
  let rest = ref;
  const colon = ref.indexOf(':');
  if (colon > 0) {
    const key = ref.slice(0, colon);
    const sub = estate.subscriptions.find((s) => s.id.toLowerCase() === key.toLowerCase() || s.name === key);
    if (!sub) throw new Error(`reference "${ref}": no subscription "${key}" in the estate`);
    subId = sub.id;
    rest = ref.slice(colon + 1);
  }
  const parts = rest.split('/');
  const types = REF_TYPES[kind];
  if (parts.length !== types.length + 1 || parts.some((p) => p.length === 0)) {
    throw new Error(`reference "${ref}" for a ${kind}: expected <rg>/${types.length === 2 ? '<vnet>/<subnet>' : '<name>'} or an ARM id`);
  }
  const [rg, ...names] = parts as [string, ...string[]];
  const [first, ...childTypes] = types as [string, ...string[]];
  let path = `${first}/${names[0] ?? ''}`;
  childTypes.forEach((t, i) => (path += `/${t}/${names[i + 1] ?? ''}`));
  return resourceId(subId, rg, path);
}

function lastSegment(id: string): string {
  const segs = id.split('/');
  return segs[segs.length - 1] ?? id;
}

function parentOf(id: string): string {
  return id.split('/').slice(0, -2).join('/');
}

function subnetHostIp(prefix: string | undefined, host: number): string {
  const base = (prefix ?? '10.0.0.0/24').split('/')[0] ?? '10.0.0.0';
  const octets = base.split('.').map(Number);
  octets[3] = (octets[3] ?? 0) + host;
  return octets.join('.');
}

interface ClusterNames {
  location: string;
  dnsPrefix: string;
  hash8: string;
  nodeResourceGroup: string;
  systemZoneName: string;
}

function clusterNames(sub: string, rg: string, rgLocation: string, c: AzureClusterSpec): ClusterNames {
  const location = c.location ?? rgLocation;
  return {
    location,
    dnsPrefix: c.dnsPrefix ?? `${c.name}-dns`,
    hash8: hashHex(`${sub}/${rg}/${c.name}`.toLowerCase(), 8),
    nodeResourceGroup: c.nodeResourceGroup ?? `MC_${rg}_${c.name}_${location}`,
    systemZoneName: `${guidFrom(`zone:${sub}/${rg}/${c.name}`.toLowerCase())}.privatelink.${location}.azmk8s.io`,
  };
}

interface ZoneExtra {
  links: { name: string; vnetId: string }[];
  records: { name: string; ip: string }[];
}

/** Renders the whole estate; throws with the offending reference when the estate is inconsistent. */
export function renderEstate(estate: AzureEstate): RenderedEstate {
  const vnetPrefixes = new Map<string, string[]>();
  const subnetPrefixes = new Map<string, string>();
  for (const sub of estate.subscriptions) {
    for (const rg of sub.resourceGroups) {
      for (const v of rg.vnets) {
        const id = resourceId(sub.id, rg.name, `Microsoft.Network/virtualNetworks/${v.name}`);
        vnetPrefixes.set(id.toLowerCase(), v.addressPrefixes);
        for (const s of v.subnets) subnetPrefixes.set(`${id}/subnets/${s.name}`.toLowerCase(), s.prefix);
      }
    }
  }

  // Zones declared in the scenario receive the A records AKS writes for BYO-zone clusters.
  const byoRecords = new Map<string, { name: string; ip: string }[]>();
  // System zones AKS creates in node resource groups, per subscription.
  const systemZones = new Map<string, { rg: string; name: string; extra: ZoneExtra }[]>();
  const clusterBodies = new Map<string, Json[]>();

  for (const sub of estate.subscriptions) {
    for (const rg of sub.resourceGroups) {
      for (const c of rg.clusters) {
        const body = renderCluster(estate, sub, rg.name, rg.location, c, subnetPrefixes, byoRecords, systemZones);
        pushTo(clusterBodies, `${sub.id}|${rg.name}`, body);
      }
    }
  }

  return {
    tenantId: estate.tenantId,
    subscriptions: estate.subscriptions.map((sub) => renderSubscription(estate, sub, vnetPrefixes, byoRecords, systemZones, clusterBodies)),
  };
}

function renderCluster(
  estate: AzureEstate,
  sub: AzureSubscriptionSpec,
  rg: string,
  rgLocation: string,
  c: AzureClusterSpec,
  subnetPrefixes: Map<string, string>,
  byoRecords: Map<string, { name: string; ip: string }[]>,
  systemZones: Map<string, { rg: string; name: string; extra: ZoneExtra }[]>,
): Json {
  const n = clusterNames(sub.id, rg, rgLocation, c);
  const id = resourceId(sub.id, rg, `Microsoft.ContainerService/managedClusters/${c.name}`);
  const pools = c.pools ?? [{ name: 'system', mode: 'System' as const, nodePublicIp: false, count: 3 }];
  const poolSubnet = (p: { subnet?: string | undefined }): string | undefined => {
    const r = p.subnet ?? c.subnet;
    return r === undefined ? undefined : resolveRef(estate, sub.id, r, 'subnet');
  };
  const firstSubnet = pools[0] ? poolSubnet(pools[0]) : undefined;
  const apiIp = subnetHostIp(firstSubnet ? subnetPrefixes.get(firstSubnet.toLowerCase()) : undefined, 4);
  const host = `${n.dnsPrefix}-${n.hash8}`;

  let privateFqdn: string | undefined;
  let privateDnsZone: string | undefined;
  if (c.private) {
    if (c.privateDnsZone.toLowerCase() === 'system') {
      privateDnsZone = 'system';
      privateFqdn = `${host}.${n.systemZoneName}`;
      if (c.systemZone.exists) {
        const links: ZoneExtra['links'] = [];
        const clusterVnet = firstSubnet ? parentOf(firstSubnet) : undefined;
        if (c.systemZone.linkClusterVnet && clusterVnet) links.push({ name: `${n.hash8}-link`, vnetId: clusterVnet });
        for (const extra of c.systemZone.extraLinks) {
          const vnetId = resolveRef(estate, sub.id, extra, 'vnet');
          links.push({ name: `link-${lastSegment(vnetId)}`, vnetId });
        }
        const records = c.systemZone.aRecord ? [{ name: host, ip: apiIp }] : [];
        pushTo(systemZones, sub.id, { rg: n.nodeResourceGroup, name: n.systemZoneName, extra: { links, records } });
      }
    } else if (c.privateDnsZone.toLowerCase() === 'none') {
      privateDnsZone = 'none';
    } else {
      const zoneId = resolveRef(estate, sub.id, c.privateDnsZone, 'zone');
      privateDnsZone = zoneId;
      const zoneName = lastSegment(zoneId);
      // A subzone (`<sub>.privatelink...`) BYO zone keeps the host label directly under it.
      privateFqdn = `${host}.${zoneName}`;
      if (c.byoZoneRecord) {
        pushTo(byoRecords, zoneId.toLowerCase(), { name: host, ip: apiIp });
      }
    }
  }
  const publicFqdn = !c.private || c.publicFqdn || c.privateDnsZone.toLowerCase() === 'none';
  const podCidr = c.podCidr ?? (c.networkPlugin === 'kubenet' ? '10.244.0.0/16' : undefined);
  const apiServerAccessProfile: Json = c.private
    ? {
        enablePrivateCluster: true,
        privateDNSZone: privateDnsZone,
        enablePrivateClusterPublicFQDN: c.publicFqdn,
        privateClusterVersion: 'v1',
        ...(c.vnetIntegration ? { enableVnetIntegration: true } : {}),
      }
    : {
        enablePrivateCluster: false,
        ...(c.authorizedIpRanges.length > 0 ? { authorizedIPRanges: c.authorizedIpRanges } : {}),
        ...(c.vnetIntegration ? { enableVnetIntegration: true } : {}),
      };
  const networkProfile: Json = {
    networkPlugin: c.networkPlugin,
    ...(c.networkPolicy === 'none' ? {} : { networkPolicy: c.networkPolicy }),
    loadBalancerSku: 'standard',
    ...(podCidr ? { podCidr, podCidrs: [podCidr] } : {}),
    serviceCidr: c.serviceCidr,
    dnsServiceIP: subnetHostIp(c.serviceCidr, 10),
    outboundType: c.outboundType,
    serviceCidrs: [c.serviceCidr],
    ipFamilies: ['IPv4'],
  };
  const managedIdentity = c.servicePrincipal === undefined;
  const identityType = c.identityType ?? (managedIdentity ? 'SystemAssigned' : undefined);
  return {
    id,
    location: n.location,
    name: c.name,
    tags: c.tags,
    type: 'Microsoft.ContainerService/ManagedClusters',
    properties: {
      provisioningState: 'Succeeded',
      powerState: { code: 'Running' },
      kubernetesVersion: '1.30.5',
      dnsPrefix: n.dnsPrefix,
      ...(publicFqdn ? { fqdn: `${host}.hcp.${n.location}.azmk8s.io` } : {}),
      azurePortalFQDN: `${hashHex(id, 32)}-priv.portal.hcp.${n.location}.azmk8s.io`,
      ...(privateFqdn ? { privateFQDN: privateFqdn } : {}),
      agentPoolProfiles: pools.map((p) => {
        const subnetId = poolSubnet(p);
        return {
          name: p.name,
          count: p.count,
          vmSize: 'Standard_D4s_v5',
          osDiskSizeGB: 128,
          type: 'VirtualMachineScaleSets',
          mode: p.mode,
          ...(subnetId ? { vnetSubnetID: subnetId } : {}),
          ...(p.podSubnet ? { podSubnetID: resolveRef(estate, sub.id, p.podSubnet, 'subnet') } : {}),
          enableNodePublicIP: p.nodePublicIp,
          osType: 'Linux',
          provisioningState: 'Succeeded',
        };
      }),
      servicePrincipalProfile: { clientId: c.servicePrincipal ?? 'msi' },
      addonProfiles: {
        azurepolicy: { enabled: true, config: null },
        ...(c.virtualNodes ? { aciConnectorLinux: { enabled: true, config: { SubnetName: 'snet-virtual-nodes' } } } : {}),
      },
      nodeResourceGroup: n.nodeResourceGroup,
      enableRBAC: true,
      networkProfile,
      apiServerAccessProfile,
      ...(c.publicNetworkAccess ? { publicNetworkAccess: c.publicNetworkAccess } : {}),
      disableLocalAccounts: true,
    },
    ...(identityType
      ? { identity: { type: identityType, ...(identityType === 'SystemAssigned' ? { principalId: guidFrom(`mi:${id}`), tenantId: estate.tenantId } : {}) } }
      : {}),
    sku: { name: 'Base', tier: 'Standard' },
  };
}

function renderSubscription(
  estate: AzureEstate,
  sub: AzureSubscriptionSpec,
  vnetPrefixes: Map<string, string[]>,
  byoRecords: Map<string, { name: string; ip: string }[]>,
  systemZones: Map<string, { rg: string; name: string; extra: ZoneExtra }[]>,
  clusterBodies: Map<string, Json[]>,
): RenderedSubscription {
  const out: RenderedResource[] = [];
  const push = (kind: ArmKind, resourceGroup: string, body: Json): void => {
    out.push({ kind, subscriptionId: sub.id, resourceGroup, body });
  };
  const ref = (r: string, kind: RefKind): string => resolveRef(estate, sub.id, r, kind);
  const rgNames = new Map<string, string>();

  for (const rg of sub.resourceGroups) {
    rgNames.set(rg.name.toLowerCase(), rg.location);
    const idOf = (kind: ArmKind, name: string): string => resourceId(sub.id, rg.name, `${ARM_TYPES[kind]}/${name}`);
    /** Adds a resource of this group with id, name, type and location first, as ARM orders them. */
    const pushResource = (kind: ArmKind, id: string, name: string, location: string | undefined, rest: Json): void => {
      push(kind, rg.name, { id, name, type: ARM_TYPES[kind], location: location ?? rg.location, ...rest });
    };
    for (const body of clusterBodies.get(`${sub.id}|${rg.name}`) ?? []) push('managedClusters', rg.name, body);

    // Public IPs referenced by LB frontends carry the frontend as their ip configuration.
    const ipConfigOf = new Map<string, string>();
    for (const lb of rg.loadBalancers) {
      const lbId = idOf('loadBalancers', lb.name);
      for (const f of lb.frontends) if (f.publicIp) ipConfigOf.set(ref(f.publicIp, 'publicIp').toLowerCase(), `${lbId}/frontendIPConfigurations/${f.name}`);
    }
    for (const lb of rg.loadBalancers) {
      const lbId = idOf('loadBalancers', lb.name);
      const feId = (name: string): string => `${lbId}/frontendIPConfigurations/${name}`;
      const ruleRefs = (rules: { name: string; frontend: string }[], type: string, fe: string): Json[] =>
        rules.filter((r) => r.frontend === fe).map((r) => ({ id: `${lbId}/${type}/${r.name}` }));
      pushResource('loadBalancers', lbId, lb.name, lb.location, {
        tags: lb.tags,
        sku: { name: lb.sku, tier: 'Regional' },
        properties: {
          provisioningState: 'Succeeded',
          frontendIPConfigurations: lb.frontends.map((f) => ({
            id: feId(f.name),
            name: f.name,
            type: 'Microsoft.Network/loadBalancers/frontendIPConfigurations',
            properties: {
              provisioningState: 'Succeeded',
              ...(f.privateIp ? { privateIPAddress: f.privateIp, privateIPAllocationMethod: 'Static' } : {}),
              ...(f.subnet ? { subnet: { id: ref(f.subnet, 'subnet') } } : {}),
              ...(f.publicIp ? { publicIPAddress: { id: ref(f.publicIp, 'publicIp') } } : {}),
              loadBalancingRules: ruleRefs(lb.rules, 'loadBalancingRules', f.name),
              inboundNatRules: ruleRefs(lb.natRules, 'inboundNatRules', f.name),
              outboundRules: ruleRefs(lb.outboundRules, 'outboundRules', f.name),
            },
          })),
          backendAddressPools: [{ id: `${lbId}/backendAddressPools/${lb.name}`, name: lb.name, properties: {} }],
          loadBalancingRules: lb.rules.map((r) => ({
            id: `${lbId}/loadBalancingRules/${r.name}`,
            name: r.name,
            properties: { frontendIPConfiguration: { id: feId(r.frontend) }, protocol: 'Tcp', frontendPort: 443, backendPort: 443 },
          })),
          inboundNatRules: lb.natRules.map((r) => ({
            id: `${lbId}/inboundNatRules/${r.name}`,
            name: r.name,
            properties: { frontendIPConfiguration: { id: feId(r.frontend) }, protocol: 'Tcp', frontendPort: 50001, backendPort: 22 },
          })),
          outboundRules: lb.outboundRules.map((r) => ({
            id: `${lbId}/outboundRules/${r.name}`,
            name: r.name,
            properties: { frontendIPConfigurations: [{ id: feId(r.frontend) }], protocol: 'All', allocatedOutboundPorts: 0 },
          })),
          probes: [],
        },
      });
    }
    for (const ip of rg.publicIps) {
      const id = idOf('publicIPAddresses', ip.name);
      const ipConfiguration = ip.ipConfiguration ?? ipConfigOf.get(id.toLowerCase());
      pushResource('publicIPAddresses', id, ip.name, ip.location, {
        tags: ip.tags,
        sku: { name: ip.sku, tier: 'Regional' },
        properties: {
          provisioningState: 'Succeeded',
          publicIPAddressVersion: 'IPv4',
          publicIPAllocationMethod: 'Static',
          idleTimeoutInMinutes: 4,
          ...(ip.ipAddress ? { ipAddress: ip.ipAddress } : {}),
          ...(ipConfiguration ? { ipConfiguration: { id: ipConfiguration } } : {}),
        },
      });
    }
    for (const v of rg.vnets) {
      const id = idOf('virtualNetworks', v.name);
      pushResource('virtualNetworks', id, v.name, v.location, {
        tags: v.tags,
        properties: {
          provisioningState: 'Succeeded',
          addressSpace: { addressPrefixes: v.addressPrefixes },
          ...(v.dnsServers.length > 0 ? { dhcpOptions: { dnsServers: v.dnsServers } } : {}),
          subnets: v.subnets.map((s) => ({
            id: `${id}/subnets/${s.name}`,
            name: s.name,
            type: 'Microsoft.Network/virtualNetworks/subnets',
            properties: {
              provisioningState: 'Succeeded',
              addressPrefix: s.prefix,
              ...(s.routeTable ? { routeTable: { id: ref(s.routeTable, 'routeTable') } } : {}),
              ...(s.natGateway ? { natGateway: { id: ref(s.natGateway, 'natGateway') } } : {}),
              privateEndpointNetworkPolicies: 'Disabled',
            },
          })),
          virtualNetworkPeerings: v.peerings.map((p) => {
            const remoteId = ref(p.remote, 'vnet');
            const name = p.name ?? `peer-${v.name}-to-${lastSegment(remoteId)}`;
            const remotePrefixes = p.remoteAddressPrefixes ?? vnetPrefixes.get(remoteId.toLowerCase()) ?? [];
            return {
              id: `${id}/virtualNetworkPeerings/${name}`,
              name,
              type: 'Microsoft.Network/virtualNetworks/virtualNetworkPeerings',
              properties: {
                provisioningState: 'Succeeded',
                peeringState: p.state,
                peeringSyncLevel: 'FullyInSync',
                remoteVirtualNetwork: { id: remoteId },
                allowVirtualNetworkAccess: true,
                allowForwardedTraffic: p.allowForwardedTraffic,
                allowGatewayTransit: p.allowGatewayTransit,
                useRemoteGateways: p.useRemoteGateways,
                remoteAddressSpace: { addressPrefixes: remotePrefixes },
                remoteVirtualNetworkAddressSpace: { addressPrefixes: remotePrefixes },
              },
            };
          }),
          enableDdosProtection: false,
        },
      });
    }
    for (const z of rg.privateDnsZones) {
      const zoneId = idOf('privateDnsZones', z.name);
      const records = [...z.aRecords.map((r) => ({ name: r.name, ips: r.ips, ttl: r.ttl })), ...(byoRecords.get(zoneId.toLowerCase()) ?? []).map((r) => ({ name: r.name, ips: [r.ip], ttl: 300 }))];
      const links = z.links.map((l) => {
        const vnetId = ref(l.vnet, 'vnet');
        return { name: l.name ?? `link-${lastSegment(vnetId)}`, vnetId, registrationEnabled: l.registrationEnabled, state: l.state };
      });
      pushZone(push, rg.name, zoneId, z.name, z.tags, links, records);
    }
    for (const r of rg.dnsResolvers) {
      const id = idOf('dnsResolvers', r.name);
      const vnetId = ref(r.vnet, 'vnet');
      pushResource('dnsResolvers', id, r.name, r.location, {
        tags: {},
        etag: `"${hashHex(id, 16)}"`,
        properties: { virtualNetwork: { id: vnetId }, dnsResolverState: 'Connected', provisioningState: 'Succeeded', resourceGuid: guidFrom(id) },
      });
      for (const e of r.inboundEndpoints) {
        const eid = `${id}/inboundEndpoints/${e.name}`;
        pushResource('inboundEndpoints', eid, e.name, r.location, {
          tags: {},
          etag: `"${hashHex(eid, 16)}"`,
          properties: {
            ipConfigurations: [{ subnet: { id: `${vnetId}/subnets/${e.subnet}` }, privateIpAddress: e.ip, privateIpAllocationMethod: 'Static' }],
            provisioningState: 'Succeeded',
            resourceGuid: guidFrom(eid),
          },
        });
      }
    }
    for (const r of rg.registries) {
      const id = idOf('registries', r.name);
      pushResource('registries', id, r.name, r.location, {
        tags: {},
        sku: { name: r.sku, tier: r.sku },
        properties: {
          loginServer: `${r.name.toLowerCase()}.azurecr.io`,
          creationDate: '2025-03-01T09:00:00.0000000Z',
          provisioningState: 'Succeeded',
          adminUserEnabled: r.adminUserEnabled,
          publicNetworkAccess: r.publicNetworkAccess,
          networkRuleBypassOptions: 'AzureServices',
          privateEndpointConnections: Array.from({ length: r.privateEndpoints }, (_, i) => ({
            id: `${id}/privateEndpointConnections/pe-${r.name}-${i}`,
            name: `pe-${r.name}-${i}`,
            properties: { privateLinkServiceConnectionState: { status: 'Approved' }, provisioningState: 'Succeeded' },
          })),
        },
      });
    }
    for (const b of rg.bastionHosts) {
      const id = idOf('bastionHosts', b.name);
      const vnetId = ref(b.vnet, 'vnet');
      pushResource('bastionHosts', id, b.name, b.location, {
        tags: {},
        sku: { name: b.sku },
        properties: {
          provisioningState: 'Succeeded',
          dnsName: `bst-${hashHex(id, 8)}.bastion.azure.com`,
          ipConfigurations: [{ id: `${id}/bastionHostIpConfigurations/IpConf`, name: 'IpConf', properties: { subnet: { id: `${vnetId}/subnets/AzureBastionSubnet` }, privateIPAllocationMethod: 'Dynamic' } }],
        },
      });
    }
    for (const f of rg.firewalls) {
      const id = idOf('azureFirewalls', f.name);
      const vnetId = ref(f.vnet, 'vnet');
      pushResource('azureFirewalls', id, f.name, f.location, {
        tags: {},
        properties: {
          provisioningState: 'Succeeded',
          sku: { name: 'AZFW_VNet', tier: f.sku },
          threatIntelMode: 'Alert',
          ipConfigurations: [{ id: `${id}/azureFirewallIpConfigurations/ipconfig`, name: 'ipconfig', properties: { privateIPAddress: f.privateIp, subnet: { id: `${vnetId}/subnets/AzureFirewallSubnet` } } }],
        },
      });
    }
    for (const g of rg.gateways) {
      const id = idOf('virtualNetworkGateways', g.name);
      const vnetId = ref(g.vnet, 'vnet');
      pushResource('virtualNetworkGateways', id, g.name, g.location, {
        tags: {},
        properties: {
          provisioningState: 'Succeeded',
          gatewayType: g.type,
          ...(g.type === 'Vpn' ? { vpnType: 'RouteBased' } : {}),
          sku: { name: g.sku, tier: g.sku },
          activeActive: false,
          enableBgp: true,
          ipConfigurations: [{ id: `${id}/ipConfigurations/default`, name: 'default', properties: { subnet: { id: `${vnetId}/subnets/GatewaySubnet` }, privateIPAllocationMethod: 'Dynamic' } }],
        },
      });
    }
  }

  for (const z of systemZones.get(sub.id) ?? []) {
    const zoneId = resourceId(sub.id, z.rg, `Microsoft.Network/privateDnsZones/${z.name}`);
    pushZone(
      push,
      z.rg,
      zoneId,
      z.name,
      {},
      z.extra.links.map((l) => ({ ...l, registrationEnabled: false, state: 'Completed' })),
      z.extra.records.map((r) => ({ name: r.name, ips: [r.ip], ttl: 300 })),
    );
    if (!rgNames.has(z.rg.toLowerCase())) rgNames.set(z.rg.toLowerCase(), 'westeurope');
  }
  // Node resource groups exist even when the scenario declares nothing in them.
  for (const r of out) if (!rgNames.has(r.resourceGroup.toLowerCase())) rgNames.set(r.resourceGroup.toLowerCase(), 'westeurope');
  const declared = new Map(sub.resourceGroups.map((rg) => [rg.name.toLowerCase(), rg.name]));
  for (const [lower, location] of rgNames) {
    const name = declared.get(lower) ?? out.find((r) => r.resourceGroup.toLowerCase() === lower)?.resourceGroup ?? lower;
    push('resourceGroups', name, { id: rgId(sub.id, name), name, type: ARM_TYPES.resourceGroups, location, properties: { provisioningState: 'Succeeded' } });
  }

  const costRows = sub.peeringCosts.map((c) => {
    const vnetId = resolveRef(estate, sub.id, c.vnet, 'vnet');
    return { resourceId: vnetId.toLowerCase(), meter: c.meter, quantityGb: c.quantityGb, cost: c.cost ?? round2(c.quantityGb * (PRICES[c.meter] ?? 0.01)) };
  });
  return { id: sub.id, name: sub.name, denied: sub.denied, managementGroups: sub.managementGroups, resources: out, costRows };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function pushZone(
  push: (kind: ArmKind, rg: string, body: Json) => void,
  rg: string,
  zoneId: string,
  name: string,
  tags: Record<string, string>,
  links: { name: string; vnetId: string; registrationEnabled: boolean; state: string }[],
  records: { name: string; ips: string[]; ttl: number }[],
): void {
  push('privateDnsZones', rg, {
    id: zoneId,
    name,
    type: ARM_TYPES.privateDnsZones,
    location: 'global',
    tags,
    etag: `${hashHex(zoneId, 8)}-0000-0000-0000-000000000000`,
    properties: {
      maxNumberOfRecordSets: 25000,
      maxNumberOfVirtualNetworkLinks: 1000,
      maxNumberOfVirtualNetworkLinksWithRegistration: 100,
      numberOfRecordSets: records.length + 1,
      numberOfVirtualNetworkLinks: links.length,
      numberOfVirtualNetworkLinksWithRegistration: links.filter((l) => l.registrationEnabled).length,
      provisioningState: 'Succeeded',
    },
  });
  for (const l of links) {
    push('virtualNetworkLinks', rg, {
      id: `${zoneId}/virtualNetworkLinks/${l.name}`,
      name: l.name,
      type: ARM_TYPES.virtualNetworkLinks,
      location: 'global',
      tags: {},
      etag: `"${hashHex(`${zoneId}/${l.name}`, 8)}-0000-0000-0000-000000000000"`,
      properties: {
        virtualNetwork: { id: l.vnetId },
        registrationEnabled: l.registrationEnabled,
        resolutionPolicy: 'Default',
        virtualNetworkLinkState: l.state,
        provisioningState: 'Succeeded',
      },
    });
  }
  for (const r of records) {
    push('aRecordSets', rg, {
      id: `${zoneId}/A/${r.name}`,
      name: r.name,
      type: ARM_TYPES.aRecordSets,
      etag: hashHex(`${zoneId}/A/${r.name}`, 32),
      properties: { fqdn: `${r.name}.${name}.`, ttl: r.ttl, aRecords: r.ips.map((ip) => ({ ipv4Address: ip })), isAutoRegistered: false },
    });
  }
}
