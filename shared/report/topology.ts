/**
 * The network picture of a run: a compact graph per cloud drawn from the inventory (hubs and
 * spokes, gateways, DNS, clusters, on-prem). It is what the HTML report lays out, and it is stored
 * with the run so that `airlock report` can draw it again without calling any cloud.
 */
import type { Inventory, VirtualNetwork } from '../model/inventory/index.js';
import type { Cloud } from '../model/scope.js';

type NodeKind = 'onprem' | 'hub' | 'vnet' | 'gateway' | 'firewall' | 'bastion' | 'resolver' | 'dns-zone' | 'cluster' | 'registry' | 'lb' | 'public-ip' | 'network' | 'router' | 'vpc' | 'tgw' | 'collapsed';

export interface TopoNode {
  /** Lower-cased resource id (what findings name), or a synthetic id such as `onprem`. */
  id: string;
  kind: NodeKind;
  label: string;
  /** Short facts shown under the label and in the tooltip (address space, endpoint kind, SKU). */
  detail: string[];
  region?: string;
  /** Reachable from the internet (public API, public frontend, public IP, public registry). */
  public?: boolean;
  /** Other ids findings may use for the same resource (an ARN, a selfLink). */
  aliases?: string[];
}

export interface TopoEdge {
  from: string;
  to: string;
  kind: 'peering' | 'dns-link' | 'attached' | 'transit' | 'hybrid' | 'api-record';
  label?: string;
  /** Not working as built: a peering not Connected, a zone not linked where it must be, a peering without route export. */
  broken?: boolean;
  /** USD per month billed for traffic over this edge (peering, transit), when the cost data has it. */
  monthlyCost?: number;
}

export interface CloudTopology {
  nodes: TopoNode[];
  edges: TopoEdge[];
  /** Spokes folded into one node to keep the picture readable. */
  collapsed: number;
}

export type Topology = Partial<Record<Cloud, CloudTopology>>;

export interface TopologyOptions {
  onPremRanges: readonly string[];
  /** Lower-cased resource ids that have findings: never folded away. */
  keep: ReadonlySet<string>;
  /** More clean spokes than this on one hub are folded into one node. */
  maxSpokes?: number;
}

const lc = (s: string): string => s.toLowerCase();
const lastSegment = (id: string): string => id.split('/').filter(Boolean).at(-1) ?? id;
/** The VNet id of a subnet id (`.../virtualNetworks/<vnet>/subnets/<subnet>`). */
const vnetOfSubnet = (subnetId: string): string => lc(subnetId.replace(/\/subnets\/[^/]+$/i, ''));

/** Scales a cost over its period to 30 days. */
function monthly(cost: number, start: string, end: string): number {
  const days = (Date.parse(end) - Date.parse(start)) / 86_400_000;
  return days > 0 ? (cost * 30) / days : cost;
}

class Graph {
  readonly nodes = new Map<string, TopoNode>();
  readonly edges: TopoEdge[] = [];
  node(n: TopoNode): void {
    if (!this.nodes.has(n.id)) this.nodes.set(n.id, n);
  }
  edge(e: TopoEdge): void {
    if (this.nodes.has(e.from) && this.nodes.has(e.to)) this.edges.push(e);
  }
  done(collapsed = 0): CloudTopology {
    return { nodes: [...this.nodes.values()], edges: this.edges, collapsed };
  }
}

function onPremNode(ranges: readonly string[]): TopoNode {
  return { id: 'onprem', kind: 'onprem', label: 'on-premises', detail: ranges.length > 0 ? [...ranges.slice(0, 6), ...(ranges.length > 6 ? [`+${ranges.length - 6} more`] : [])] : ['no onPrem.ranges configured'] };
}

function azureTopology(inv: Inventory['azure'], options: TopologyOptions): CloudTopology | undefined {
  if (inv.virtualNetworks.length === 0 && inv.clusters.length === 0) return undefined;
  const g = new Graph();
  const vnets = new Map(inv.virtualNetworks.map((v) => [lc(v.id), v]));
  const gatewayVnets = new Set(inv.gateways.flatMap((gw) => (gw.virtualNetworkId ? [lc(gw.virtualNetworkId)] : [])));
  const hubs = new Set<string>(gatewayVnets);
  for (const v of inv.virtualNetworks) {
    for (const p of v.peerings) {
      if (p.useRemoteGateways) hubs.add(lc(p.remoteVirtualNetworkId));
      if (p.allowGatewayTransit) hubs.add(lc(v.id));
    }
  }
  const cost = new Map<string, number>();
  for (const c of inv.peeringCosts) cost.set(lc(c.resourceId), (cost.get(lc(c.resourceId)) ?? 0) + monthly(c.cost, c.periodStart, c.periodEnd));

  const vnetNode = (v: VirtualNetwork): TopoNode => ({
    id: lc(v.id),
    kind: hubs.has(lc(v.id)) ? 'hub' : 'vnet',
    label: v.name,
    detail: [v.addressPrefixes.join(', '), ...(v.dnsServers.length > 0 ? [`DNS ${v.dnsServers.join(', ')}`] : [])],
    region: v.location,
  });
  for (const v of inv.virtualNetworks) g.node(vnetNode(v));

  g.node(onPremNode(options.onPremRanges));
  for (const gw of inv.gateways) {
    g.node({ id: lc(gw.id), kind: 'gateway', label: gw.name, detail: [[gw.gatewayType, gw.sku].filter(Boolean).join(' ')], region: gw.location });
    if (gw.virtualNetworkId) g.edge({ from: lc(gw.id), to: lc(gw.virtualNetworkId), kind: 'attached' });
    g.edge({ from: 'onprem', to: lc(gw.id), kind: 'hybrid', label: gw.gatewayType === 'ExpressRoute' ? 'ExpressRoute' : 'VPN' });
  }
  for (const fw of inv.firewalls) {
    g.node({ id: lc(fw.id), kind: 'firewall', label: fw.name, detail: [fw.privateIpAddress ?? '', fw.sku ?? ''].filter(Boolean), region: fw.location });
    if (fw.virtualNetworkId) g.edge({ from: lc(fw.virtualNetworkId), to: lc(fw.id), kind: 'attached' });
  }
  for (const b of inv.bastionHosts) {
    g.node({ id: lc(b.id), kind: 'bastion', label: b.name, detail: [`Bastion ${b.sku ?? ''}`.trim()], region: b.location });
    if (b.virtualNetworkId) g.edge({ from: lc(b.virtualNetworkId), to: lc(b.id), kind: 'attached' });
  }
  for (const r of inv.resolverInboundEndpoints) {
    g.node({ id: lc(r.id), kind: 'resolver', label: r.name, detail: [`inbound ${r.privateIpAddresses.join(', ')}`], region: r.location, aliases: [lc(r.resolverId)] });
    g.edge({ from: lc(r.virtualNetworkId), to: lc(r.id), kind: 'attached' });
  }

  // One edge per peered pair, drawn from the hub side, with both sides' flags.
  const seen = new Set<string>();
  for (const v of inv.virtualNetworks) {
    for (const p of v.peerings) {
      const a = lc(v.id);
      const b = lc(p.remoteVirtualNetworkId);
      const pair = [a, b].sort().join('|');
      if (seen.has(pair)) continue;
      seen.add(pair);
      if (!g.nodes.has(b)) g.node({ id: b, kind: hubs.has(b) ? 'hub' : 'vnet', label: lastSegment(p.remoteVirtualNetworkId), detail: [p.remoteAddressPrefixes.join(', '), 'not audited'] });
      const back = vnets.get(b)?.peerings.find((q) => lc(q.remoteVirtualNetworkId) === a);
      const flags = [p.allowGatewayTransit || back?.allowGatewayTransit ? 'gateway transit' : '', p.useRemoteGateways || back?.useRemoteGateways ? 'remote gateway' : ''].filter(Boolean);
      const states = [p.peeringState, back?.peeringState].filter((s): s is string => s !== undefined);
      const broken = states.some((s) => s !== 'Connected') || (vnets.has(b) && !back);
      // A VNet's peering bill is put on its edge when that is its only peering (a hub's is shared by all).
      const costOf = (id: string): number => ((vnets.get(id)?.peerings.length ?? 0) === 1 ? (cost.get(id) ?? 0) : 0);
      const monthlyCost = costOf(a) + costOf(b);
      const hubFirst = hubs.has(b) && !hubs.has(a);
      g.edge({
        from: hubFirst ? b : a,
        to: hubFirst ? a : b,
        kind: 'peering',
        ...(flags.length > 0 || broken ? { label: [...flags, ...(broken ? [states.find((s) => s !== 'Connected') ?? 'one-sided'] : [])].join(', ') } : {}),
        ...(broken ? { broken } : {}),
        ...(monthlyCost > 0 ? { monthlyCost } : {}),
      });
    }
  }

  for (const z of inv.privateDnsZones) g.node({ id: lc(z.id), kind: 'dns-zone', label: z.name, detail: ['private DNS zone'] });
  const linksByZone = new Map<string, Set<string>>();
  for (const l of inv.privateDnsLinks) {
    const zone = lc(l.zoneId);
    linksByZone.set(zone, (linksByZone.get(zone) ?? new Set()).add(lc(l.virtualNetworkId)));
    g.edge({ from: zone, to: lc(l.virtualNetworkId), kind: 'dns-link', label: l.registrationEnabled ? 'link (registration)' : 'link' });
  }

  const zonesByName = new Map(inv.privateDnsZones.map((z) => [lc(z.name), z]));
  for (const c of inv.clusters) {
    const id = lc(c.id);
    const endpoint = !c.privateCluster ? (c.authorizedIpRanges.length > 0 ? `public API, ${c.authorizedIpRanges.length} authorised range(s)` : 'public API, open') : c.vnetIntegration ? 'private API (VNet integration)' : c.publicFqdnEnabled ? 'private API + public FQDN' : 'private API';
    g.node({ id, kind: 'cluster', label: c.name, detail: [endpoint, `egress ${c.outboundType ?? 'loadBalancer'}`], region: c.location, ...(c.privateCluster ? {} : { public: true }) });
    const clusterVnets = [...new Set(c.agentPools.flatMap((p) => (p.vnetSubnetId ? [vnetOfSubnet(p.vnetSubnetId)] : [])))];
    for (const v of clusterVnets) g.edge({ from: v, to: id, kind: 'attached' });
    // The API server's zone: a named zone resource, else the zone whose name ends the private FQDN.
    const zoneId = c.privateDnsZone?.startsWith('/') ? lc(c.privateDnsZone) : undefined;
    const fqdn = lc(c.privateFqdn ?? '');
    const zone = zoneId ? inv.privateDnsZones.find((z) => lc(z.id) === zoneId) : [...zonesByName.entries()].find(([name]) => fqdn.endsWith(`.${name}`))?.[1];
    if (zone) {
      g.edge({ from: id, to: lc(zone.id), kind: 'api-record', label: 'API record' });
      for (const v of clusterVnets) if (!linksByZone.get(lc(zone.id))?.has(v)) g.edge({ from: lc(zone.id), to: v, kind: 'dns-link', label: 'missing link', broken: true });
    }
    for (const lb of inv.loadBalancers) {
      if (lc(lb.resourceGroup) !== lc(c.nodeResourceGroup ?? '') || lc(lb.subscriptionId) !== lc(c.subscriptionId)) continue;
      const publicFrontends = lb.frontends.filter((f) => f.publicIpAddressId);
      if (publicFrontends.length === 0) continue;
      g.node({ id: lc(lb.id), kind: 'lb', label: lb.name, detail: [`${publicFrontends.length} public frontend(s)`, `${lb.loadBalancingRules.length + lb.inboundNatRules.length} inbound rule(s)`], region: lb.location, public: true });
      g.edge({ from: id, to: lc(lb.id), kind: 'attached' });
    }
    for (const ip of inv.publicIps) {
      if (lc(ip.resourceGroup) !== lc(c.nodeResourceGroup ?? '') || lc(ip.subscriptionId) !== lc(c.subscriptionId)) continue;
      g.node({ id: lc(ip.id), kind: 'public-ip', label: ip.ipAddress ?? ip.name, detail: [ip.ipConfigurationId ? 'attached' : 'orphaned', ip.tags['k8s-azure-service'] ?? ''].filter(Boolean), region: ip.location, public: true });
      g.edge({ from: id, to: lc(ip.id), kind: 'attached' });
    }
    for (const r of inv.registries) {
      if (lc(r.resourceGroup) !== lc(c.resourceGroup) || lc(r.subscriptionId) !== lc(c.subscriptionId)) continue;
      g.node({ id: lc(r.id), kind: 'registry', label: r.name, detail: [`ACR ${r.sku}`, r.publicNetworkAccess === 'Disabled' ? 'private' : 'public access'], region: r.location, ...(r.publicNetworkAccess === 'Disabled' ? {} : { public: true }) });
      g.edge({ from: id, to: lc(r.id), kind: 'attached' });
    }
  }
  for (const r of inv.registries) g.node({ id: lc(r.id), kind: 'registry', label: r.name, detail: [`ACR ${r.sku}`], region: r.location, ...(r.publicNetworkAccess === 'Disabled' ? {} : { public: true }) });
  return foldSpokes(g, options);
}

/** Clean spokes (one peering to a hub, nothing else, no finding) beyond maxSpokes become one node per hub. */
function foldSpokes(g: Graph, options: TopologyOptions): CloudTopology {
  const max = options.maxSpokes ?? 24;
  const degree = new Map<string, number>();
  for (const e of g.edges) for (const end of [e.from, e.to]) degree.set(end, (degree.get(end) ?? 0) + 1);
  let folded = 0;
  const byHub = new Map<string, TopoEdge[]>();
  for (const e of g.edges) {
    const hub = g.nodes.get(e.from);
    const spoke = g.nodes.get(e.to);
    if (e.kind !== 'peering' || hub?.kind !== 'hub' || spoke?.kind !== 'vnet' || degree.get(spoke.id) !== 1 || options.keep.has(spoke.id) || e.broken) continue;
    byHub.set(hub.id, [...(byHub.get(hub.id) ?? []), e]);
  }
  for (const [hub, edges] of byHub) {
    if (edges.length <= max) continue;
    const fold = edges.slice(max);
    const drop = new Set(fold.map((e) => e.to));
    for (const id of drop) g.nodes.delete(id);
    const cost = fold.reduce((s, e) => s + (e.monthlyCost ?? 0), 0);
    const id = `${hub}#more-spokes`;
    g.nodes.set(id, { id, kind: 'collapsed', label: `${fold.length} more spokes`, detail: ['no findings'] });
    g.edges.splice(0, g.edges.length, ...g.edges.filter((e) => !drop.has(e.to)), { from: hub, to: id, kind: 'peering', ...(cost > 0 ? { monthlyCost: cost } : {}) });
    folded += fold.length;
  }
  return g.done(folded);
}

function gcpTopology(inv: Inventory['gcp'], options: TopologyOptions): CloudTopology | undefined {
  if (inv.networks.length === 0 && inv.clusters.length === 0) return undefined;
  const g = new Graph();
  const netKey = (project: string, name: string): string => `${project}/${lastSegment(name)}`.toLowerCase();
  const netIds = new Map<string, string>();
  for (const n of inv.networks) {
    g.node({ id: lc(n.id), kind: 'network', label: n.name, detail: [n.projectId], aliases: [lc(n.selfLink)] });
    netIds.set(netKey(n.projectId, n.name), lc(n.id));
  }
  g.node(onPremNode(options.onPremRanges));
  for (const r of inv.routers) {
    const custom = r.advertiseMode === 'CUSTOM' ? `advertises ${r.advertisedIpRanges.join(', ') || 'no custom range'}` : 'default advertisement';
    g.node({ id: lc(r.id), kind: 'router', label: r.name, detail: [r.region, custom], region: r.region });
    const net = netIds.get(netKey(r.projectId, r.network));
    if (net) g.edge({ from: net, to: lc(r.id), kind: 'attached' });
    if (r.bgpPeers.length > 0) g.edge({ from: 'onprem', to: lc(r.id), kind: 'hybrid', label: `BGP × ${r.bgpPeers.length}` });
  }
  for (const c of inv.clusters) {
    const id = lc(c.id);
    g.node({ id, kind: 'cluster', label: c.name, detail: [c.publicEndpointEnabled ? 'public endpoint' : 'private endpoint', c.privateNodes ? 'private nodes' : 'public nodes'], region: c.location, ...(c.publicEndpointEnabled || !c.privateNodes ? { public: true } : {}) });
    const net = netIds.get(netKey(c.projectId, c.network));
    if (!net) continue;
    const peering = c.peeringName ? inv.networks.find((n) => lc(n.id) === net)?.peerings.find((p) => p.name === c.peeringName) : undefined;
    if (peering) g.edge({ from: net, to: id, kind: 'peering', label: `${peering.name}: export ${peering.exportCustomRoutes ? 'on' : 'off'}`, ...(peering.exportCustomRoutes ? {} : { broken: true }) });
    else g.edge({ from: net, to: id, kind: 'attached', ...(c.peeringName ? {} : { label: 'Private Service Connect' }) });
  }
  return g.done();
}

function awsTopology(inv: Inventory['aws'], options: TopologyOptions): CloudTopology | undefined {
  if (inv.vpcs.length === 0 && inv.clusters.length === 0 && inv.kopsClusters.length === 0) return undefined;
  const g = new Graph();
  for (const v of inv.vpcs) g.node({ id: lc(v.id), kind: 'vpc', label: v.name || v.id, detail: [v.cidrBlocks.join(', '), `${v.accountId} ${v.region}`], region: v.region });
  g.node(onPremNode(options.onPremRanges));
  const transit = new Map<string, number>();
  for (const t of inv.transferCosts) transit.set(lc(t.resourceId), (transit.get(lc(t.resourceId)) ?? 0) + monthly(t.cost, t.periodStart, t.periodEnd));
  for (const t of inv.transitGateways) {
    const id = lc(t.id);
    const cost = transit.get(id);
    g.node({ id, kind: 'tgw', label: t.name || t.id, detail: [`${t.attachedVpcIds.length} VPC attachment(s)`, ...(cost ? [`USD ${cost.toFixed(0)}/month processed`] : [])], region: t.region });
    g.edge({ from: 'onprem', to: id, kind: 'hybrid' });
    const share = cost && t.attachedVpcIds.length > 0 ? cost / t.attachedVpcIds.length : 0;
    for (const v of t.attachedVpcIds) g.edge({ from: id, to: lc(v), kind: 'transit', ...(share > 0 ? { monthlyCost: share, label: 'share of processing' } : {}) });
  }
  for (const c of inv.clusters) {
    g.node({ id: lc(c.id), kind: 'cluster', label: c.name, detail: [c.endpointPublicAccess ? `public endpoint ${c.publicAccessCidrs.join(', ')}` : 'private endpoint'], region: c.region, aliases: [lc(c.arn)], ...(c.endpointPublicAccess ? { public: true } : {}) });
    if (c.vpcId) g.edge({ from: lc(c.vpcId), to: lc(c.id), kind: 'attached' });
  }
  for (const k of inv.kopsClusters) {
    g.node({ id: lc(k.id), kind: 'cluster', label: k.name, detail: ['kops', k.apiLoadBalancerType ? `API LB ${k.apiLoadBalancerType}` : 'API by DNS'], region: k.region, ...(k.apiLoadBalancerType === 'Public' ? { public: true } : {}) });
    if (k.networkId) g.edge({ from: lc(k.networkId), to: lc(k.id), kind: 'attached' });
  }
  for (const lb of inv.loadBalancers) {
    if (lb.scheme !== 'internet-facing' || !lb.vpcId) continue;
    g.node({ id: lc(lb.id), kind: 'lb', label: lb.name, detail: [`${lb.kind} internet-facing`], region: lb.region, public: true });
    g.edge({ from: lc(lb.vpcId), to: lc(lb.id), kind: 'attached' });
  }
  return g.done();
}

/** The picture of every cloud the inventory holds. */
export function buildTopology(inventory: Inventory, options: TopologyOptions): Topology {
  const out: Topology = {};
  const azure = azureTopology(inventory.azure, options);
  const gcp = gcpTopology(inventory.gcp, options);
  const aws = awsTopology(inventory.aws, options);
  if (azure) out.azure = azure;
  if (gcp) out.gcp = gcp;
  if (aws) out.aws = aws;
  return out;
}

/** Resolves a finding's resource id to the node that shows it: the resource, an alias, or its nearest parent. */
export function nodeLocator(topology: CloudTopology): (resourceId: string) => string | undefined {
  const ids = new Map<string, string>();
  for (const n of topology.nodes) {
    ids.set(n.id, n.id);
    for (const a of n.aliases ?? []) ids.set(a, n.id);
  }
  return (resourceId) => {
    let id = lc(resourceId);
    while (id.includes('/')) {
      const hit = ids.get(id);
      if (hit) return hit;
      id = id.slice(0, id.lastIndexOf('/'));
    }
    return ids.get(id);
  };
}

/** The region of a resource as the picture knows it (for OCSF resources). */
export function regionLookup(topology: Topology): (resourceId: string) => string | undefined {
  const clouds = Object.values(topology).map((t) => ({ t, locate: nodeLocator(t) }));
  return (resourceId) => {
    for (const { t, locate } of clouds) {
      const id = locate(resourceId);
      const node = id ? t.nodes.find((n) => n.id === id) : undefined;
      if (node?.region) return node.region;
    }
    return undefined;
  };
}
