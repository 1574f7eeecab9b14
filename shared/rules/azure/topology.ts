/**
 * Joins the rules share: which VNets and subnets a cluster uses, which zone holds its API
 * server record, and how to name a resource in a message. Joins go through per-evaluation indexes.
 */
import type { Finding } from '../../model/finding.js';
import type {
  AksCluster,
  AzureFirewall,
  AzureInventory,
  AzureResource,
  DnsResolverInboundEndpoint,
  LoadBalancer,
  PeeringCostRecord,
  PrivateDnsARecordSet,
  PrivateDnsZone,
  PublicIpAddress,
  Subnet,
  VirtualNetwork,
} from '../../model/inventory/azure.js';
import { scopeKey, type ScopeKey } from '../../model/scope.js';
import { parseArmId } from '../../util/arm-id.js';
import type { FindingDraft, RuleContext } from '../kit.js';

export const lc = (s: string): string => s.toLowerCase();

/** "`name` in `rg` (subscription <id>)": how a message names an Azure resource. */
export function where(r: Pick<AzureResource, 'name' | 'resourceGroup' | 'subscriptionId'>): string {
  return `\`${r.name}\` in \`${r.resourceGroup}\` (subscription ${r.subscriptionId})`;
}

export function ref(r: Pick<AzureResource, 'id' | 'name'>, type: string): { id: string; type: string; name: string } {
  return { id: r.id, type, name: r.name };
}

export const CLUSTER_TYPE = 'Microsoft.ContainerService/managedClusters';

/** A finding on an AKS cluster, in the cluster's own scope. */
export function clusterFinding(ctx: RuleContext, cluster: AksCluster, draft: Omit<FindingDraft, 'scope' | 'resource'>): Finding {
  return ctx.finding({ scope: cluster.scope, resource: ref(cluster, CLUSTER_TYPE), ...draft });
}

/** The last segment of an ARM id (a readable name for a resource we hold no record of). */
export function nameOf(id: string): string {
  return id.split('/').filter((s) => s.length > 0).pop() ?? id;
}

function subscriptionScope(subscriptionId: string): ScopeKey {
  return scopeKey({ cloud: 'azure', kind: 'subscription', id: subscriptionId });
}

/** The segment after the first `subscriptions` segment (any case), as parseArmId reads it. */
const SUBSCRIPTION = /(?:^|\/)subscriptions\/+([^/]+)/i;

/** The subscription GUID of an ARM id, lower-cased ('' when the id has none). */
export function subscriptionOf(id: string): string {
  return lc(SUBSCRIPTION.exec(id)?.[1] ?? '');
}

const rgKey = (subscriptionId: string, resourceGroup: string): string => `${lc(subscriptionId)}/${lc(resourceGroup)}`;

function groupBy<T>(records: readonly T[], key: (r: T) => string | undefined): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of records) {
    const k = key(r);
    if (k === undefined) continue;
    const list = map.get(k);
    if (list) list.push(r);
    else map.set(k, [r]);
  }
  return map;
}

/** Records by lower-cased id, for joins over large estates. */
export function indexById<T extends { id: string }>(records: readonly T[]): Map<string, T> {
  return new Map(records.map((r) => [lc(r.id), r]));
}

/**
 * Indexes over the Azure inventory, each built once per evaluation through `ctx.memo` and shared
 * by every rule: rules join through these lookups so evaluation stays linear in the estate.
 * Keys are lower-cased, as ARM compares ids and names case-insensitively.
 */
export const azureIndex = {
  vnetsById: (ctx: RuleContext, inv: AzureInventory): Map<string, VirtualNetwork> => ctx.memo('azure.vnetsById', () => indexById(inv.virtualNetworks)),
  /** VNets by `<subscription>/<resource group>`. */
  vnetsByResourceGroup: (ctx: RuleContext, inv: AzureInventory): Map<string, VirtualNetwork[]> =>
    ctx.memo('azure.vnetsByResourceGroup', () => groupBy(inv.virtualNetworks, (v) => rgKey(v.subscriptionId, v.resourceGroup))),
  /** Subnets of every VNet by lower-cased subnet id. */
  subnetsById: (ctx: RuleContext, inv: AzureInventory): Map<string, Subnet> =>
    ctx.memo('azure.subnetsById', () => new Map(inv.virtualNetworks.flatMap((v) => v.subnets.map((s) => [lc(s.id), s] as const)))),
  zonesById: (ctx: RuleContext, inv: AzureInventory): Map<string, PrivateDnsZone> => ctx.memo('azure.zonesById', () => indexById(inv.privateDnsZones)),
  /** Zones by lower-cased name (no trailing dot): the same name may exist in many resource groups. */
  zonesByName: (ctx: RuleContext, inv: AzureInventory): Map<string, PrivateDnsZone[]> =>
    ctx.memo('azure.zonesByName', () => groupBy(inv.privateDnsZones, (z) => lc(z.name.replace(/\.$/, '')))),
  /** Linked VNet ids (lower-cased) by lower-cased zone id. */
  linksByZone: (ctx: RuleContext, inv: AzureInventory): Map<string, Set<string>> =>
    ctx.memo('azure.linksByZone', () => {
      const map = new Map<string, Set<string>>();
      for (const l of inv.privateDnsLinks) {
        const zone = lc(l.zoneId);
        const set = map.get(zone);
        if (set) set.add(lc(l.virtualNetworkId));
        else map.set(zone, new Set([lc(l.virtualNetworkId)]));
      }
      return map;
    }),
  /** A record sets by `<zone id>|<relative name>`, lower-cased. */
  aRecords: (ctx: RuleContext, inv: AzureInventory): Map<string, PrivateDnsARecordSet> =>
    ctx.memo('azure.aRecordsByZoneAndName', () => new Map(inv.privateDnsRecords.map((r) => [`${lc(r.zoneId)}|${lc(r.relativeName)}`, r]))),
  resolverEndpointsByVnet: (ctx: RuleContext, inv: AzureInventory): Map<string, DnsResolverInboundEndpoint[]> =>
    ctx.memo('azure.resolverEndpointsByVnet', () => groupBy(inv.resolverInboundEndpoints, (e) => lc(e.virtualNetworkId))),
  publicIpsById: (ctx: RuleContext, inv: AzureInventory): Map<string, PublicIpAddress> => ctx.memo('azure.publicIpsById', () => indexById(inv.publicIps)),
  loadBalancersByResourceGroup: (ctx: RuleContext, inv: AzureInventory): Map<string, LoadBalancer[]> =>
    ctx.memo('azure.loadBalancersByResourceGroup', () => groupBy(inv.loadBalancers, (l) => rgKey(l.subscriptionId, l.resourceGroup))),
  /** Clusters by their node resource group (`<subscription>/<rg>`). */
  clustersByNodeRg: (ctx: RuleContext, inv: AzureInventory): Map<string, AksCluster[]> =>
    ctx.memo('azure.clustersByNodeResourceGroup', () => groupBy(inv.clusters, (c) => (c.nodeResourceGroup === undefined ? undefined : rgKey(c.subscriptionId, c.nodeResourceGroup)))),
  /** Firewalls by the lower-cased id of their VNet. */
  firewallsByVnet: (ctx: RuleContext, inv: AzureInventory): Map<string, AzureFirewall[]> =>
    ctx.memo('azure.firewallsByVnet', () => groupBy(inv.firewalls, (f) => (f.virtualNetworkId === undefined ? undefined : lc(f.virtualNetworkId)))),
  peeringCostsByResource: (ctx: RuleContext, inv: AzureInventory): Map<string, PeeringCostRecord[]> =>
    ctx.memo('azure.peeringCostsByResource', () => groupBy(inv.peeringCosts, (r) => lc(r.resourceId))),
};

/** Scopes (lower-cased keys) where the dataset could not be read, once per evaluation. */
function unreadScopes(ctx: RuleContext, dataset: `azure.${string}`): Set<string> {
  return ctx.memo(`azure.unread.${dataset}`, () => new Set(ctx.incompleteScopes(dataset).map(lc)));
}

/** True when the dataset could not be read in that scope: a rule must not conclude "missing" there. */
export function unreadIn(ctx: RuleContext, dataset: `azure.${string}`, scope: ScopeKey): boolean {
  return unreadScopes(ctx, dataset).has(lc(scope));
}

/** True when the subscription was audited (a scope of this run) or is the cluster's own. */
export function subscriptionAudited(ctx: RuleContext, subscriptionId: string, cluster: Pick<AksCluster, 'subscriptionId'>): boolean {
  if (lc(subscriptionId) === lc(cluster.subscriptionId)) return true;
  const audited = ctx.memo('azure.auditedSubscriptions', () => new Set(ctx.coverage.scopes.filter((sc) => sc.scope.cloud === 'azure').map((sc) => lc(sc.scope.id))));
  return audited.has(lc(subscriptionId));
}

/** Whether a node resource group belongs to the cluster (same subscription, names compared case-insensitively). */
export function inNodeResourceGroup(r: Pick<AzureResource, 'subscriptionId' | 'resourceGroup'>, cluster: AksCluster): boolean {
  return cluster.nodeResourceGroup !== undefined && lc(r.resourceGroup) === lc(cluster.nodeResourceGroup) && lc(r.subscriptionId) === lc(cluster.subscriptionId);
}

/** parentId (util/arm-id) without splitting the id: everything before its last two segments. */
export function parentOf(id: string): string {
  const last = id.lastIndexOf('/');
  const before = last <= 0 ? -1 : id.lastIndexOf('/', last - 1);
  return before <= 0 ? '' : id.slice(0, before);
}

/** Subnets the agent pools (nodes and pods) sit in, lower-cased. */
export function clusterSubnetIds(cluster: AksCluster): Set<string> {
  const ids = new Set<string>();
  for (const pool of cluster.agentPools) {
    if (pool.vnetSubnetId) ids.add(lc(pool.vnetSubnetId));
    if (pool.podSubnetId) ids.add(lc(pool.podSubnetId));
  }
  return ids;
}

/**
 * The cluster's VNets, lower-cased: the parents of the agent pools' `vnetSubnetId`; for a
 * managed VNet (no `vnetSubnetId`), the VNets in the node resource group.
 */
export function clusterVnetIds(cluster: AksCluster, inv: AzureInventory, ctx: RuleContext): ReadonlySet<string> {
  const known = ctx.memo('azure.clusterVnetIds', () => new Map<AksCluster, ReadonlySet<string>>());
  let ids = known.get(cluster);
  if (ids === undefined) {
    ids = vnetIdsOf(cluster, inv, ctx);
    known.set(cluster, ids);
  }
  return ids;
}

function vnetIdsOf(cluster: AksCluster, inv: AzureInventory, ctx: RuleContext): Set<string> {
  const ids = new Set<string>();
  for (const pool of cluster.agentPools) {
    if (pool.vnetSubnetId) ids.add(lc(parentOf(pool.vnetSubnetId)));
  }
  if (ids.size === 0 && cluster.nodeResourceGroup !== undefined) {
    for (const vnet of azureIndex.vnetsByResourceGroup(ctx, inv).get(rgKey(cluster.subscriptionId, cluster.nodeResourceGroup)) ?? []) ids.add(lc(vnet.id));
  }
  return ids;
}

/** The clusters whose node resource group holds the resource. */
export function nodeRgClusters(ctx: RuleContext, inv: AzureInventory, r: Pick<AzureResource, 'subscriptionId' | 'resourceGroup'>): AksCluster[] {
  return azureIndex.clustersByNodeRg(ctx, inv).get(rgKey(r.subscriptionId, r.resourceGroup)) ?? [];
}

/** Resources of a list grouped by resource group, looked up for the cluster's node resource group. */
export function inNodeRg<T>(index: ReadonlyMap<string, T[]>, cluster: AksCluster): T[] {
  return cluster.nodeResourceGroup === undefined ? [] : (index.get(rgKey(cluster.subscriptionId, cluster.nodeResourceGroup)) ?? []);
}

/** The `k8s-azure-service` tag cloud-provider-azure puts on the public IPs it creates: `<namespace>/<service>` (comma-separated when shared). */
export function kubernetesServices(r: Pick<AzureResource, 'tags'>): { namespace: string; service: string }[] {
  const entry = Object.entries(r.tags).find(([k]) => lc(k) === 'k8s-azure-service');
  if (!entry) return [];
  return entry[1]
    .split(',')
    .map((s) => s.trim().split('/'))
    .filter((parts): parts is [string, string] => parts.length === 2 && parts[0] !== '' && parts[1] !== '')
    .map(([namespace, service]) => ({ namespace, service }));
}

/** Commands that make each Kubernetes Service internal (cloud-provider-azure moves it to the `kubernetes-internal` LB). */
export function annotateInternal(cluster: AksCluster | undefined, services: readonly { namespace: string; service: string }[]): string {
  const creds = cluster ? `az aks get-credentials --subscription ${cluster.subscriptionId} -g ${cluster.resourceGroup} -n ${cluster.name} && ` : '';
  return `${creds}${services.map((s) => `kubectl annotate service ${s.service} -n ${s.namespace} service.beta.kubernetes.io/azure-load-balancer-internal=true --overwrite`).join(' && ')}`;
}

function isZoneId(value: string): boolean {
  return /\/providers\/microsoft\.network\/privatednszones\//i.test(value);
}

export type ApiZone =
  /** Public cluster, or `privateDNSZone: none`: no private zone carries the API server record. */
  | { kind: 'not-applicable'; reason: string }
  /** The cluster does not say enough to find its zone (no privateFQDN yet). */
  | { kind: 'unknown'; reason: string }
  | { kind: 'found'; zone: PrivateDnsZone; fqdn: string; relativeName: string | undefined; systemManaged: boolean }
  /**
   * The cluster's own zone is not in the inventory: `zoneName` and `zoneResourceGroup` say which
   * zone it is (and where it should be), `zoneScope` whose inventory could show it.
   */
  | { kind: 'missing'; fqdn: string; systemManaged: boolean; zoneName: string; zoneResourceGroup: string; zoneScope: ScopeKey; zoneSubscriptionId: string };

/**
 * The private DNS zone that holds the cluster's API server A record. A BYO `privateDNSZone` names
 * its zone by id. A system-managed zone is the one named exactly by the FQDN's parent domain, in
 * the node resource group: never another zone whose name merely ends the FQDN (a shared BYO zone
 * of other clusters), which would blame the wrong zone when the cluster's own is deleted.
 */
export function apiServerZone(cluster: AksCluster, inv: AzureInventory, ctx: RuleContext): ApiZone {
  // Several rules ask for every cluster's zone: work it out once per cluster and evaluation.
  const known = ctx.memo('azure.apiServerZone', () => new Map<AksCluster, ApiZone>());
  let zone = known.get(cluster);
  if (zone === undefined) {
    zone = findApiServerZone(cluster, inv, ctx);
    known.set(cluster, zone);
  }
  return zone;
}

function findApiServerZone(cluster: AksCluster, inv: AzureInventory, ctx: RuleContext): ApiZone {
  if (!cluster.privateCluster) return { kind: 'not-applicable', reason: 'the API server is public' };
  const setting = cluster.privateDnsZone;
  if (setting !== undefined && lc(setting) === 'none') return { kind: 'not-applicable', reason: 'privateDNSZone is none: the public FQDN carries the record' };
  const fqdn = cluster.privateFqdn?.replace(/\.$/, '');
  if (fqdn === undefined || fqdn.length === 0) return { kind: 'unknown', reason: `cluster ${cluster.name} reports no privateFQDN` };
  if (setting !== undefined && isZoneId(setting)) {
    const zone = azureIndex.zonesById(ctx, inv).get(lc(setting));
    if (zone) {
      const suffix = `.${lc(zone.name.replace(/\.$/, ''))}`;
      const relativeName = lc(fqdn).endsWith(suffix) ? fqdn.slice(0, fqdn.length - suffix.length) : undefined;
      return { kind: 'found', zone, fqdn, relativeName, systemManaged: false };
    }
    const parts = parseArmId(setting);
    const subscriptionId = parts?.subscriptionId ?? cluster.subscriptionId;
    return {
      kind: 'missing',
      fqdn,
      systemManaged: false,
      zoneName: parts?.names[0] ?? nameOf(setting),
      zoneResourceGroup: parts?.resourceGroup ?? cluster.resourceGroup,
      zoneScope: subscriptionScope(subscriptionId),
      zoneSubscriptionId: subscriptionId,
    };
  }
  const dot = fqdn.indexOf('.');
  const host = fqdn.slice(0, dot);
  const zoneName = fqdn.slice(dot + 1);
  const sameName = azureIndex.zonesByName(ctx, inv).get(lc(zoneName)) ?? [];
  // Without a node resource group on record, the cluster's own subscription is the best bound.
  const zone = sameName.find((z) => (cluster.nodeResourceGroup === undefined ? lc(z.subscriptionId) === lc(cluster.subscriptionId) : inNodeResourceGroup(z, cluster)));
  if (zone) return { kind: 'found', zone, fqdn, relativeName: host, systemManaged: true };
  return {
    kind: 'missing',
    fqdn,
    systemManaged: true,
    zoneName,
    zoneResourceGroup: cluster.nodeResourceGroup ?? cluster.resourceGroup,
    zoneScope: cluster.scope,
    zoneSubscriptionId: cluster.subscriptionId,
  };
}

export function aRecordIn(ctx: RuleContext, inv: AzureInventory, zone: PrivateDnsZone, relativeName: string): PrivateDnsARecordSet | undefined {
  return azureIndex.aRecords(ctx, inv).get(`${lc(zone.id)}|${lc(relativeName)}`);
}

/** VNet ids (lower-cased) linked to the zone. */
export function linkedVnetIds(ctx: RuleContext, inv: AzureInventory, zone: PrivateDnsZone): Set<string> {
  return azureIndex.linksByZone(ctx, inv).get(lc(zone.id)) ?? new Set();
}

/** `{subscription}`, `{resourceGroup}`, `{cluster}`: the names every cluster remediation starts from. */
export function clusterData(c: AksCluster): { subscription: string; resourceGroup: string; cluster: string } {
  return { subscription: c.subscriptionId, resourceGroup: c.resourceGroup, cluster: c.name };
}
