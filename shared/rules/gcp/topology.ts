/**
 * Joins the gcp/* rules share: resource paths, a cluster's network, region and Shared VPC host,
 * indexes built once per evaluation, and how a message names a cluster. Pure functions.
 */
import type { Finding } from '../../model/finding.js';
import type { CloudDnsZone, CloudRouter, GcpFirewall, GcpInventory, GcpNetwork, GcpRoute, GcpSubnetwork, GkeCluster } from '../../model/inventory/gcp.js';
import { scopeKey, type ScopeKey } from '../../model/scope.js';
import { perEvaluation, type FindingDraft, type RuleContext } from '../kit.js';

export const CLUSTER_TYPE = 'container.googleapis.com/Cluster';
export const NETWORK_TYPE = 'compute.googleapis.com/Network';
export const SUBNETWORK_TYPE = 'compute.googleapis.com/Subnetwork';
export const INSTANCE_TYPE = 'compute.googleapis.com/Instance';

/** The restricted and private Google API VIPs and the names that resolve to them. */
export const VIP_RANGES = ['199.36.153.4/30', '199.36.153.8/30'] as const;
export const VIP_NAMES = ['restricted.googleapis.com.', 'private.googleapis.com.'] as const;

/** `projects/...` from a selfLink, URL or path (`https://www.googleapis.com/compute/v1/projects/...`). */
export function resourcePath(ref: string): string {
  return ref.replace(/^https?:\/\/[^/]+\//, '').replace(/^(?:compute\/|dns\/)?(?:v1|v1beta1|v1beta2|beta|alpha)\//, '').replace(/^\/+/, '');
}

/** Lower-cased path: the join key for networks, subnetworks and clusters (the same URLs recur across records). */
export const pathKey: (ref: string) => string = perEvaluation((ref) => resourcePath(ref).toLowerCase());

/** The last segment of a path or URL. */
export function lastSegment(ref: string): string {
  return ref.split('/').filter((s) => s.length > 0).pop() ?? ref;
}

/** The project a `projects/<p>/...` path or URL names, or undefined. */
export function projectOf(ref: string): string | undefined {
  return /^projects\/([^/]+)\//.exec(resourcePath(ref))?.[1];
}

/** `europe-west2-a` → `europe-west2`; a region stays as it is. */
export function regionOf(location: string): string {
  const parts = lastSegment(location).split('-');
  return parts.length >= 3 ? parts.slice(0, 2).join('-') : parts.join('-');
}

export function gcpScope(projectId: string): ScopeKey {
  return scopeKey({ cloud: 'gcp', kind: 'project', id: projectId });
}

/** The cluster's network, region and Shared VPC host, as findings name them. */
export interface ClusterPlace {
  cluster: string;
  project: string;
  location: string;
  region: string;
  /** Network short name. */
  network: string;
  /** Project holding the network: the Shared VPC host project, or the cluster's own. */
  networkProject: string;
  /** Network path key (lower-case). */
  networkKey: string;
}

export function placeOf(c: GkeCluster): ClusterPlace {
  const networkPath = resourcePath(c.network);
  return {
    cluster: c.name,
    project: c.projectId,
    location: c.location,
    region: regionOf(c.location),
    network: lastSegment(networkPath),
    networkProject: projectOf(networkPath) ?? c.projectId,
    networkKey: networkPath.includes('/') ? networkPath.toLowerCase() : `projects/${c.projectId}/global/networks/${networkPath}`.toLowerCase(),
  };
}

/** placeOf, worked out once per cluster and evaluation (rules ask for it per cluster, several times). */
export function placeIn(ctx: RuleContext, c: GkeCluster): ClusterPlace {
  const known = ctx.memo('gcp.places', () => new Map<GkeCluster, ClusterPlace>());
  let place = known.get(c);
  if (place === undefined) {
    place = placeOf(c);
    known.set(c, place);
  }
  return place;
}

/** "`c` (project p, location l, region r, network n[ of host project h])". */
export function clusterWhere(c: GkeCluster): string {
  const p = placeOf(c);
  const host = p.networkProject === p.project ? '' : ` of Shared VPC host project ${p.networkProject}`;
  return `\`${p.cluster}\` (project ${p.project}, location ${p.location}, region ${p.region}, network ${p.network}${host})`;
}

/** The `{name}` data every cluster finding carries for its remediation. */
export function clusterData(c: GkeCluster): Record<string, string> {
  const { cluster, project, location, region, network, networkProject } = placeOf(c);
  return { cluster, project, location, region, network, networkProject };
}

export function clusterRef(c: GkeCluster): { id: string; type: string; name: string } {
  return { id: resourcePath(c.id), type: CLUSTER_TYPE, name: c.name };
}

/** A finding on a GKE cluster, in the cluster's own scope, with the cluster's names as data. */
export function clusterFinding(ctx: RuleContext, c: GkeCluster, draft: Omit<FindingDraft, 'scope' | 'resource'>): Finding {
  return ctx.finding({ scope: c.scope, resource: clusterRef(c), ...draft, data: { ...clusterData(c), ...draft.data } });
}

/** True when the project was audited in this run (a scope of the run), or is the cluster's own. */
export function projectAudited(ctx: RuleContext, projectId: string, ownProject: string): boolean {
  if (projectId.toLowerCase() === ownProject.toLowerCase()) return true;
  const audited = ctx.memo('gcp.auditedScopes', () => new Set(ctx.coverage.scopes.map((sc) => scopeKey(sc.scope))));
  return audited.has(gcpScope(projectId));
}

/** Scopes where the dataset could not be read, as a set (once per evaluation). */
function unreadScopes(ctx: RuleContext, dataset: `gcp.${string}`): ReadonlySet<ScopeKey> {
  return ctx.memo(`gcp.unread.${dataset}`, () => new Set(ctx.incompleteScopes(dataset)));
}

/**
 * Why the rule cannot judge the cluster's network from this run, or undefined when it can: the
 * Shared VPC host project is not audited, or one of the datasets could not be read in the
 * network's project (the kit only marks that project undecided, not the cluster's).
 */
export function networkGap(ctx: RuleContext, c: GkeCluster, datasets: readonly `gcp.${string}`[]): string | undefined {
  const p = placeIn(ctx, c);
  if (!projectAudited(ctx, p.networkProject, p.project)) {
    return `cluster ${p.project}/${p.cluster} uses network ${p.network} of Shared VPC host project ${p.networkProject}, which this run does not audit`;
  }
  const host = gcpScope(p.networkProject);
  const unread = datasets.filter((d) => unreadScopes(ctx, d).has(host));
  if (unread.length === 0) return undefined;
  return `cluster ${p.project}/${p.cluster} uses network ${p.network} of project ${p.networkProject}, where ${unread.join(', ')} could not be read`;
}

function groupBy<T>(records: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of records) {
    const k = key(r);
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return map;
}

export function networksByKey(ctx: RuleContext, inv: GcpInventory): Map<string, GcpNetwork> {
  return ctx.memo('gcp.networksByKey', () => new Map(inv.networks.map((n) => [pathKey(n.selfLink || n.id), n])));
}

export function subnetworksByKey(ctx: RuleContext, inv: GcpInventory): Map<string, GcpSubnetwork> {
  return ctx.memo('gcp.subnetworksByKey', () => new Map(inv.subnetworks.map((s) => [pathKey(s.selfLink || s.id), s])));
}

/** Routers by `<network key>|<region>`. */
export function routersByNetworkRegion(ctx: RuleContext, inv: GcpInventory): Map<string, CloudRouter[]> {
  return ctx.memo('gcp.routersByNetworkRegion', () => groupBy(inv.routers, (r) => `${pathKey(r.network)}|${regionOf(r.region)}`));
}

export function routesByNetwork(ctx: RuleContext, inv: GcpInventory): Map<string, GcpRoute[]> {
  return ctx.memo('gcp.routesByNetwork', () => groupBy(inv.routes, (r) => pathKey(r.network)));
}

export function firewallsByNetwork(ctx: RuleContext, inv: GcpInventory): Map<string, GcpFirewall[]> {
  return ctx.memo('gcp.firewallsByNetwork', () => groupBy(inv.firewalls, (f) => pathKey(f.network)));
}

/** Private zones by each network they are visible to. */
export function privateZonesByNetwork(ctx: RuleContext, inv: GcpInventory): Map<string, CloudDnsZone[]> {
  return ctx.memo('gcp.privateZonesByNetwork', () => {
    const map = new Map<string, CloudDnsZone[]>();
    for (const z of inv.dnsZones) {
      if (z.visibility !== 'private') continue;
      for (const key of new Set(z.networkUrls.map(pathKey))) {
        const list = map.get(key);
        if (list) list.push(z);
        else map.set(key, [z]);
      }
    }
    return map;
  });
}

/** Clusters by `<project>/<name>` lower-cased (node instances name their cluster by label). */
export function clustersByProjectName(ctx: RuleContext, inv: GcpInventory): Map<string, GkeCluster[]> {
  return ctx.memo('gcp.clustersByProjectName', () => groupBy(inv.clusters, (c) => `${c.projectId}/${c.name}`.toLowerCase()));
}

/** The subnetworks a cluster's nodes use: the cluster's and any node pool's own, as path keys. */
export function nodeSubnetKeys(c: GkeCluster): string[] {
  const keys = new Set<string>();
  if (c.subnetwork) keys.add(pathKey(c.subnetwork));
  for (const pool of c.nodePools) if (pool.subnetwork) keys.add(pathKey(pool.subnetwork));
  return [...keys];
}

/** Node pools whose nodes get external IPs (the pool's own setting, else the cluster's). */
export function publicNodePools(c: GkeCluster): string[] {
  return c.nodePools.filter((p) => !(p.enablePrivateNodes ?? c.privateNodes)).map((p) => p.name);
}

/** True when some of the cluster's nodes are private (no external IP). */
export function hasPrivateNodes(c: GkeCluster): boolean {
  return c.nodePools.length === 0 ? c.privateNodes : c.nodePools.some((p) => p.enablePrivateNodes ?? c.privateNodes);
}
