import type { QueryDefinition } from '@azure/arm-costmanagement';
import type { CallRecord } from '../../model/coverage.js';
import type { PeeringCostRecord, VirtualNetwork } from '../../model/inventory/azure.js';
import { scopeKey, type Scope } from '../../model/scope.js';
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

function peeringCostQuery(window: CostWindow): QueryDefinition {
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

/** Cost Management ActualCost per VNet and peering meter, one query per subscription (nextLink pages). */
export async function collectPeeringCosts(
  scopes: readonly Scope[],
  vnets: readonly VirtualNetwork[],
  clients: AzureClients,
  window: CostWindow,
  hubVnets: readonly string[],
  limiter: BucketLimiter,
): Promise<{ records: PeeringCostRecord[]; calls: CallRecord[] }> {
  const wanted = subscriptionsWithSpokes(vnets, hubVnets);
  const records: PeeringCostRecord[] = [];
  const calls: CallRecord[] = [];
  const client = clients.costManagement();
  const definition = peeringCostQuery(window);
  const queryOne = async (scope: Scope): Promise<void> => {
    const key = scopeKey(scope);
    const r = await tracked({ cloud: 'azure', api: COST_QUERY.api, scope: key, dataset: 'peeringCosts' }, async () => {
      const out: PeeringCostRecord[] = [];
      const first = await client.query.usage(`subscriptions/${scope.id}`, definition);
      out.push(...mapCostRows(first, key, window));
      if (first.nextLink) {
        // The SDK's usage() does not page; later pages are POSTs of the same body to nextLink.
        const body = JSON.stringify({ ...definition, timePeriod: { from: `${window.start}T00:00:00Z`, to: `${window.end}T23:59:59Z` } });
        for await (const page of rawPages(client, first.nextLink, 'POST', body)) out.push(...mapCostRows(page, key, window));
      }
      return out;
    });
    calls.push(r.record);
    if (r.value) records.push(...r.value);
  };
  // Cost Management throttles per scope, so subscriptions are queried side by side, each in its own bucket.
  await Promise.all(scopes.filter((s) => wanted.has(scopeKey(s))).map((scope) => limiter.run(scope.id.toLowerCase(), () => queryOne(scope))));
  return { records, calls };
}
