import type { QueryDefinition } from '@azure/arm-costmanagement';
import type { AzureConfig } from '../../config/schema.js';
import type { CallRecord } from '../../model/coverage.js';
import type { PeeringCostRecord, VirtualNetwork } from '../../model/inventory/azure.js';
import { scopeKey, type Scope, type ScopeKey } from '../../model/scope.js';
import { hubPeeringsOf } from '../../util/hub-spoke.js';
import { tracked } from '../kit/calls.js';
import type { BucketLimiter } from '../kit/limiter.js';
import type { AzureClients } from './clients.js';
import { COST_QUERY } from './datasets.js';
import { mapCostRows, PEERING_METERS } from './map.js';
import { rawPages } from './pages.js';

interface CostWindow {
  start: string;
  end: string;
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** The last full calendar month before `now` (UTC), or the `windowDays` days up to yesterday. */
export function costWindow(now: Date, windowDays?: number): CostWindow {
  if (windowDays !== undefined) {
    const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - 1));
    const start = new Date(end.getTime() - (windowDays - 1) * 86_400_000);
    return { start: isoDay(start), end: isoDay(end) };
  }
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0));
  return { start: isoDay(start), end: isoDay(end) };
}

function peeringCostQuery(window: CostWindow, subscriptionIds?: readonly string[]): QueryDefinition {
  return {
    type: 'ActualCost',
    timeframe: 'Custom',
    timePeriod: { from: new Date(`${window.start}T00:00:00Z`), to: new Date(`${window.end}T23:59:59Z`) },
    dataset: {
      aggregation: { totalCost: { name: 'Cost', function: 'Sum' }, totalQuantity: { name: 'UsageQuantity', function: 'Sum' } },
      grouping: [
        { type: 'Dimension', name: 'ResourceId' },
        { type: 'Dimension', name: 'Meter' },
      ],
      filter: {
        and: [
          { dimensions: { name: 'MeterCategory', operator: 'In', values: ['Virtual Network'] } },
          { dimensions: { name: 'Meter', operator: 'In', values: [...PEERING_METERS] } },
          // At a scope above subscriptions: only the subscriptions this shard asks for.
          ...(subscriptionIds === undefined ? [] : [{ dimensions: { name: 'SubscriptionId', operator: 'In' as const, values: [...subscriptionIds] } }]),
        ],
      },
    },
  };
}

/**
 * The spoke test of azure/hub-peering-cost: a VNet that is not itself a configured hub and has a
 * peering that uses the remote gateways or reaches a VNet in `clouds.azure.hubVnets`. Only a
 * spoke's peering cost is compared with a gateway, so only spokes' subscriptions are queried.
 * Kept identical to the rule's test (test/collect/azure/cost.test.ts checks the two agree).
 */
/** Subscriptions holding a spoke (see hubPeeringsOf): the only ones whose peering cost matters. */
export function subscriptionsWithSpokes(vnets: readonly VirtualNetwork[], hubVnets: readonly string[]): Set<string> {
  return new Set(vnets.filter((v) => hubPeeringsOf(v, hubVnets).length > 0).map((v) => v.scope));
}

/** A scope above subscriptions that Cost Management can be asked once for many subscriptions. */
export interface CostScope {
  /** The scope key its CallRecords carry, e.g. `azure/management-group/mg-landingzones`. */
  key: ScopeKey;
  /** The ARM scope path the query is posted under, e.g. `providers/Microsoft.Management/managementGroups/<id>`. */
  path: string;
}

/**
 * Where peering costs are read from: scopes above subscriptions (management groups, or a billing
 * scope), each subscription alone as the fallback.
 */
export interface CostPlan {
  scopes: readonly CostScope[];
  /** Scope keys that refused a query in this process (400/403/404): later shards go straight to the fallback. */
  refused: Set<string>;
}

/**
 * The cost plan of a shard from `clouds.azure.costScope`: the configured management groups, a
 * billing scope, or none (each subscription alone).
 */
export function costPlan(cfg: Pick<AzureConfig, 'costScope' | 'managementGroups'>, refused: Set<string>): CostPlan {
  const setting = cfg.costScope;
  if (setting.toLowerCase() === 'subscriptions') return { scopes: [], refused };
  if (setting.toLowerCase() === 'management-groups') {
    return {
      scopes: cfg.managementGroups.map((mg) => ({ key: scopeKey({ cloud: 'azure', kind: 'management-group', id: mg }), path: `providers/Microsoft.Management/managementGroups/${mg}` })),
      refused,
    };
  }
  const path = setting.replace(/^\/+/, '');
  return { scopes: [{ key: `azure/billing/${path.split('/').slice(3).join('/').toLowerCase()}`, path }], refused };
}

/** Collects one Cost Management query (first page through the SDK, later pages by nextLink). */
async function queryPages(clients: AzureClients, path: string, definition: QueryDefinition, window: CostWindow, label: string): Promise<PeeringCostRecord[]> {
  const client = clients.costManagement();
  const out: PeeringCostRecord[] = [];
  const first = await client.query.usage(path, definition);
  out.push(...mapCostRows(first, label, window));
  if (first.nextLink) {
    // The SDK's usage() does not page; later pages are POSTs of the same body to nextLink.
    const body = JSON.stringify({ ...definition, timePeriod: { from: `${window.start}T00:00:00Z`, to: `${window.end}T23:59:59Z` } });
    for await (const page of rawPages(client, first.nextLink, 'POST', body)) out.push(...mapCostRows(page, label, window));
  }
  return out;
}

/** Kinds of failure that say the scope cannot be queried at all (account type, permission, scope unknown): not worth asking again. */
const REFUSALS = new Set(['client', 'denied', 'not-found']);

/**
 * Cost Management ActualCost per VNet and peering meter for the subscriptions holding spokes.
 * With scopes above subscriptions (`plan.scopes`), one query per scope filtered on the shard's
 * subscriptions (nextLink pages); a subscription no successful scope query returned rows for (the
 * scope refused or failed, or left it out) is queried alone. Each subscription
 * ends with exactly one outcome: read (by a scope or alone) or a failed call on its own scope.
 */
export async function collectPeeringCosts(
  scopes: readonly Scope[],
  vnets: readonly VirtualNetwork[],
  clients: AzureClients,
  window: CostWindow,
  hubVnets: readonly string[],
  limiter: BucketLimiter,
  plan: CostPlan = { scopes: [], refused: new Set() },
): Promise<{ records: PeeringCostRecord[]; calls: CallRecord[] }> {
  const spokes = subscriptionsWithSpokes(vnets, hubVnets);
  const wanted = scopes.filter((s) => spokes.has(scopeKey(s)));
  const records: PeeringCostRecord[] = [];
  const calls: CallRecord[] = [];
  const covered = new Set<string>();
  const usable = plan.scopes.filter((c) => !plan.refused.has(c.key));
  if (wanted.length > 0 && usable.length > 0) {
    const ids = new Set(wanted.map((s) => s.id.toLowerCase()));
    const definition = peeringCostQuery(window, wanted.map((s) => s.id));
    const results = await Promise.all(
      usable.map((c) => limiter.run(c.key, () => tracked({ cloud: 'azure', api: COST_QUERY.api, scope: c.key, dataset: 'peeringCosts' }, () => queryPages(clients, c.path, definition, window, c.key)))),
    );
    const seen = new Map<string, PeeringCostRecord>();
    results.forEach((r, i) => {
      const c = usable[i] as CostScope;
      if (r.error !== undefined) {
        if (r.record.errorKind !== undefined && REFUSALS.has(r.record.errorKind)) plan.refused.add(c.key);
        // The refusal stays on record (it cost requests); each subscription's coverage is its fallback's.
        calls.push({ ...r.record, ok: true, message: `Cost Management could not be queried at ${c.key} (${r.record.message ?? 'failed'}); queried per subscription instead` });
        return;
      }
      calls.push(r.record);
      for (const rec of r.value ?? []) {
        const sub = rec.scope.slice('azure/subscription/'.length);
        // Rows of subscriptions this shard did not ask for (a filter the API ignored) are another shard's.
        if (!ids.has(sub)) continue;
        covered.add(sub);
        // Nested scopes (a management group and its parent) return the same rows once each.
        seen.set(`${rec.resourceId.toLowerCase()}|${rec.meter}`, rec);
      }
    });
    // A subscription the scope answered no row for is asked alone: a management group leaves out
    // subscriptions of agreements it does not support (MCA) and a billing scope those it does not
    // bill, without an error, so "no row" is not "no peering cost".
    records.push(...[...seen.values()].filter((rec) => covered.has(rec.scope.slice('azure/subscription/'.length))));
  }
  const queryOne = async (scope: Scope): Promise<void> => {
    const key = scopeKey(scope);
    const r = await tracked({ cloud: 'azure', api: COST_QUERY.api, scope: key, dataset: 'peeringCosts' }, () => queryPages(clients, `subscriptions/${scope.id}`, peeringCostQuery(window), window, key));
    calls.push(r.record);
    if (r.value) records.push(...r.value);
  };
  // Cost Management throttles per scope, so subscriptions are queried side by side, each in its own bucket.
  const alone = wanted.filter((s) => !covered.has(s.id.toLowerCase()));
  await Promise.all(alone.map((scope) => limiter.run(scope.id.toLowerCase(), () => queryOne(scope))));
  return { records, calls };
}
