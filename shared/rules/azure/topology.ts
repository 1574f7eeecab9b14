/**
 * Joins the rules share: which VNets and subnets a cluster uses, which zone holds its API
 * server record, and how to name a resource in a message. Pure functions over the inventory.
 */
import type { Finding } from '../../model/finding.js';
import type { AksCluster, AzureInventory, AzureResource, PrivateDnsARecordSet, PrivateDnsZone } from '../../model/inventory/azure.js';
import { scopeKey, type ScopeKey } from '../../model/scope.js';
import { parentId, parseArmId } from '../../util/arm-id.js';
import { sameId } from '../../util/props.js';
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

/** True when the dataset could not be read in that scope: a rule must not conclude "missing" there. */
export function unreadIn(ctx: RuleContext, dataset: `azure.${string}`, scope: ScopeKey): boolean {
  return ctx.incompleteScopes(dataset).includes(lc(scope));
}

/** True when the subscription was audited (a scope of this run) or is the cluster's own. */
export function subscriptionAudited(ctx: RuleContext, subscriptionId: string, cluster: AksCluster): boolean {
  if (lc(subscriptionId) === lc(cluster.subscriptionId)) return true;
  return ctx.coverage.scopes.some((sc) => sc.scope.cloud === 'azure' && lc(sc.scope.id) === lc(subscriptionId));
}

/** Whether a node resource group belongs to the cluster (same subscription, names compared case-insensitively). */
export function inNodeResourceGroup(r: Pick<AzureResource, 'subscriptionId' | 'resourceGroup'>, cluster: AksCluster): boolean {
  return cluster.nodeResourceGroup !== undefined && lc(r.resourceGroup) === lc(cluster.nodeResourceGroup) && lc(r.subscriptionId) === lc(cluster.subscriptionId);
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
export function clusterVnetIds(cluster: AksCluster, inv: AzureInventory): Set<string> {
  const ids = new Set<string>();
  for (const pool of cluster.agentPools) {
    if (pool.vnetSubnetId) ids.add(lc(parentId(pool.vnetSubnetId)));
  }
  if (ids.size === 0) {
    for (const vnet of inv.virtualNetworks) if (inNodeResourceGroup(vnet, cluster)) ids.add(lc(vnet.id));
  }
  return ids;
}

/** Records by lower-cased id, for joins over large estates. */
export function indexById<T extends { id: string }>(records: readonly T[]): Map<string, T> {
  return new Map(records.map((r) => [lc(r.id), r]));
}

const rgKey = (subscriptionId: string, resourceGroup: string): string => `${lc(subscriptionId)}/${lc(resourceGroup)}`;

/** Clusters by their node resource group (`<subscription>/<rg>`, lower-cased). */
export function clustersByNodeRg(clusters: readonly AksCluster[]): Map<string, AksCluster[]> {
  const map = new Map<string, AksCluster[]>();
  for (const c of clusters) {
    if (c.nodeResourceGroup === undefined) continue;
    const key = rgKey(c.subscriptionId, c.nodeResourceGroup);
    map.set(key, [...(map.get(key) ?? []), c]);
  }
  return map;
}

/** The clusters whose node resource group holds the resource. */
export function nodeRgClusters(index: ReadonlyMap<string, AksCluster[]>, r: Pick<AzureResource, 'subscriptionId' | 'resourceGroup'>): AksCluster[] {
  return index.get(rgKey(r.subscriptionId, r.resourceGroup)) ?? [];
}

function isZoneId(value: string): boolean {
  return /\/providers\/microsoft\.network\/privatednszones\//i.test(value);
}

export type ApiZone =
  /** Public cluster, or `privateDNSZone: none`: no private zone carries the API server record. */
  | { kind: 'not-applicable'; reason: string }
  /** The cluster does not say enough to find its zone (no privateFQDN yet). */
  | { kind: 'unknown'; reason: string }
  | { kind: 'found'; zone: PrivateDnsZone; fqdn: string; relativeName: string | undefined }
  /** No such zone in the inventory; `zoneScope` is where it should be, `expected` says what was looked for. */
  | { kind: 'missing'; fqdn: string; expected: string; zoneScope: ScopeKey; zoneSubscriptionId: string };

/**
 * The private DNS zone that holds the cluster's API server A record: the zone named by a BYO
 * `privateDNSZone` id, else a zone whose name is a suffix of `privateFQDN` (the node resource
 * group's zone first for `system`, then the most specific name).
 */
export function apiServerZone(cluster: AksCluster, inv: AzureInventory): ApiZone {
  if (!cluster.privateCluster) return { kind: 'not-applicable', reason: 'the API server is public' };
  const setting = cluster.privateDnsZone;
  if (setting !== undefined && lc(setting) === 'none') return { kind: 'not-applicable', reason: 'privateDNSZone is none: the public FQDN carries the record' };
  const fqdn = cluster.privateFqdn?.replace(/\.$/, '');
  if (fqdn === undefined || fqdn.length === 0) return { kind: 'unknown', reason: `cluster ${cluster.name} reports no privateFQDN` };
  const relativeTo = (zone: PrivateDnsZone): string | undefined => {
    const suffix = `.${lc(zone.name.replace(/\.$/, ''))}`;
    return lc(fqdn).endsWith(suffix) ? fqdn.slice(0, fqdn.length - suffix.length) : undefined;
  };
  if (setting !== undefined && isZoneId(setting)) {
    const zone = inv.privateDnsZones.find((z) => sameId(z.id, setting));
    const subscriptionId = parseArmId(setting)?.subscriptionId ?? cluster.subscriptionId;
    if (zone) return { kind: 'found', zone, fqdn, relativeName: relativeTo(zone) };
    return { kind: 'missing', fqdn, expected: `private DNS zone ${setting}`, zoneScope: subscriptionScope(subscriptionId), zoneSubscriptionId: subscriptionId };
  }
  const candidates = inv.privateDnsZones
    .filter((z) => relativeTo(z) !== undefined)
    .sort((a, b) => Number(inNodeResourceGroup(b, cluster)) - Number(inNodeResourceGroup(a, cluster)) || b.name.length - a.name.length);
  const zone = candidates[0];
  if (zone) return { kind: 'found', zone, fqdn, relativeName: relativeTo(zone) };
  return {
    kind: 'missing',
    fqdn,
    expected: `a private DNS zone whose name is a suffix of ${fqdn} (AKS creates it in \`${cluster.nodeResourceGroup ?? '(node resource group)'}\`)`,
    zoneScope: cluster.scope,
    zoneSubscriptionId: cluster.subscriptionId,
  };
}

export function aRecordIn(inv: AzureInventory, zone: PrivateDnsZone, relativeName: string): PrivateDnsARecordSet | undefined {
  return inv.privateDnsRecords.find((r) => sameId(r.zoneId, zone.id) && lc(r.relativeName) === lc(relativeName));
}

/** VNet ids (lower-cased) linked to the zone. */
export function linkedVnetIds(inv: AzureInventory, zone: PrivateDnsZone): Set<string> {
  return new Set(inv.privateDnsLinks.filter((l) => sameId(l.zoneId, zone.id)).map((l) => lc(l.virtualNetworkId)));
}
