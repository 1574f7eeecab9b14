/**
 * Which networks need the restricted / private Google API VIP: those with a cluster whose private
 * nodes have no other way to Google APIs. A default route to the internet gateway is such a way
 * only with Cloud NAT for the node subnet on a router of the cluster's network and region, or
 * when all the cluster's nodes have external IPs.
 */
import type { CloudDnsZone, CloudRouter, GcpInventory, GkeCluster } from '../../model/inventory/gcp.js';
import type { ScopeKey } from '../../model/scope.js';
import { contains, isAnyAddress, tryParseCidr } from '../cidr.js';
import type { RuleContext, RuleOutput } from '../kit.js';
import { gcpScope, hasPrivateNodes, lastSegment, networkGap, nodeSubnetKeys, pathKey, placeIn, regionOf, resourcePath, routersByNetworkRegion, routesByNetwork, VIP_NAMES, VIP_RANGES } from './topology.js';

export interface VipNetwork {
  /** `projects/<p>/global/networks/<n>`. */
  path: string;
  name: string;
  project: string;
  scope: ScopeKey;
  /** The clusters on it without another path to Google APIs. */
  clusters: GkeCluster[];
}

const isInternetGateway = (hop: string | undefined): boolean => hop !== undefined && lastSegment(hop) === 'default-internet-gateway';

function natCovers(router: CloudRouter, subnetKey: string): boolean {
  return router.nats.some(
    (nat) =>
      nat.sourceSubnetworkIpRangesToNat.startsWith('ALL_SUBNETWORKS') ||
      (nat.sourceSubnetworkIpRangesToNat === 'LIST_OF_SUBNETWORKS' && nat.subnetworks.some((s) => pathKey(s.name) === subnetKey)),
  );
}

/** True when the cluster's nodes reach Google APIs without the VIP. */
function hasOtherEgress(ctx: RuleContext, inv: GcpInventory, c: GkeCluster): boolean {
  // Three rules ask for every cluster: work it out once per cluster and evaluation.
  const known = ctx.memo('gcp.hasOtherEgress', () => new Map<GkeCluster, boolean>());
  let egress = known.get(c);
  if (egress === undefined) {
    egress = findOtherEgress(ctx, inv, c);
    known.set(c, egress);
  }
  return egress;
}

function findOtherEgress(ctx: RuleContext, inv: GcpInventory, c: GkeCluster): boolean {
  const place = placeIn(ctx, c);
  const defaultRoute = (routesByNetwork(ctx, inv).get(place.networkKey) ?? []).some((r) => {
    const dest = tryParseCidr(r.destRange);
    return dest !== undefined && isAnyAddress(dest) && isInternetGateway(r.nextHopGateway);
  });
  return defaultRoute && egressWithDefaultRoute(ctx, inv, c);
}

/** True when a default route to the internet gateway would give the cluster's nodes a way out (public nodes, or Cloud NAT for every node subnet). */
function egressWithDefaultRoute(ctx: RuleContext, inv: GcpInventory, c: GkeCluster): boolean {
  if (!hasPrivateNodes(c)) return true;
  const place = placeIn(ctx, c);
  const routers = routersByNetworkRegion(ctx, inv).get(`${place.networkKey}|${place.region}`) ?? [];
  const subnets = nodeSubnetKeys(c);
  return subnets.length > 0 && subnets.every((s) => routers.some((r) => natCovers(r, s)));
}

/** Routes of the cluster's network to the internet gateway whose destination is not a CIDR: any may be a default route. */
function unparsedGatewayRoutes(ctx: RuleContext, inv: GcpInventory, c: GkeCluster): string[] {
  const routes = routesByNetwork(ctx, inv).get(placeIn(ctx, c).networkKey) ?? [];
  return routes.filter((r) => isInternetGateway(r.nextHopGateway) && tryParseCidr(r.destRange) === undefined).map((r) => `${r.name} (${r.destRange})`);
}

/**
 * The networks hosting clusters that need the VIP, and an undecided output for each cluster whose
 * network cannot be judged (Shared VPC host not audited, or a dataset unread there).
 */
export function networksNeedingVip(ctx: RuleContext, inv: GcpInventory, datasets: readonly `gcp.${string}`[]): { networks: VipNetwork[]; outputs: RuleOutput[] } {
  const outputs: RuleOutput[] = [];
  const byKey = new Map<string, VipNetwork>();
  for (const c of inv.clusters) {
    const gap = networkGap(ctx, c, ['gcp.routes', 'gcp.routers', ...datasets]);
    if (gap !== undefined) {
      outputs.push(ctx.undecided(c.scope, gap));
      continue;
    }
    if (hasOtherEgress(ctx, inv, c)) continue;
    // A route that may be the default route decides whether the nodes have another way out.
    const unparsed = unparsedGatewayRoutes(ctx, inv, c);
    if (unparsed.length > 0 && egressWithDefaultRoute(ctx, inv, c)) {
      outputs.push(ctx.undecided(c.scope, `GKE cluster ${c.projectId}/${c.name}: route destinations ${unparsed.join(', ')} are not CIDRs (one may be a default route, a way to Google APIs without the VIP)`));
      continue;
    }
    const place = placeIn(ctx, c);
    const entry = byKey.get(place.networkKey);
    if (entry) {
      entry.clusters.push(c);
      continue;
    }
    const path = resourcePath(c.network).includes('/') ? resourcePath(c.network) : `projects/${c.projectId}/global/networks/${c.network}`;
    byKey.set(place.networkKey, { path, name: place.network, project: place.networkProject, scope: gcpScope(place.networkProject), clusters: [c] });
  }
  return { networks: [...byKey.values()], outputs };
}

/** "clusters a (europe-west2), b (us-central1)": the clusters a network finding is about. */
export function clusterList(clusters: readonly GkeCluster[]): string {
  return clusters.map((c) => `${c.projectId}/${c.name} (${regionOf(c.location)})`).join(', ');
}

/** True when an address or range lies inside one of the VIPs. */
export function inVip(text: string): boolean {
  const cidr = tryParseCidr(text);
  return cidr !== undefined && VIP_RANGES.some((vip) => contains(vip, cidr));
}

/** The VIP the network's DNS points at (private when its zones name it), else the restricted VIP. */
export function vipInUse(zones: readonly CloudDnsZone[]): { name: string; range: string } {
  const usesPrivate = zones.some((z) =>
    z.records.some((r) => r.rrdatas.some((d) => d.toLowerCase() === VIP_NAMES[1] || (r.type === 'A' && tryParseCidr(d) !== undefined && contains(VIP_RANGES[1], d)))),
  );
  return usesPrivate ? { name: 'private.googleapis.com', range: VIP_RANGES[1] } : { name: 'restricted.googleapis.com', range: VIP_RANGES[0] };
}
