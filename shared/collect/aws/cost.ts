import { GetCostAndUsageCommand, type CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { z } from 'zod';
import type { AwsNatGateway, AwsTransferCost, AwsTransitGateway } from '../../model/inventory/aws.js';
import type { ScopeKey } from '../../model/scope.js';
import { ShapeError } from '../kit/errors.js';

/**
 * Transit Gateway and NAT gateway data processing from Cost Explorer: one GetCostAndUsage per
 * account and run, grouped by usage type (`EUW2-NatGateway-Bytes`, `USE1-TransitGateway-Bytes`),
 * over the last full calendar month. Usage types carry the region, not the gateway, so a region's
 * charge goes to its one gateway of that kind, or is split evenly between several.
 */

/** Usage-type region prefixes (AWS pricing codes); us-east-1 often has none. */
const REGION_CODES: Record<string, string> = {
  USE1: 'us-east-1', USE2: 'us-east-2', USW1: 'us-west-1', USW2: 'us-west-2', CAN1: 'ca-central-1', CAW1: 'ca-west-1',
  EU: 'eu-west-1', EUW1: 'eu-west-1', EUW2: 'eu-west-2', EUW3: 'eu-west-3', EUC1: 'eu-central-1', EUC2: 'eu-central-2', EUN1: 'eu-north-1', EUS1: 'eu-south-1', EUS2: 'eu-south-2',
  APN1: 'ap-northeast-1', APN2: 'ap-northeast-2', APN3: 'ap-northeast-3', APS1: 'ap-southeast-1', APS2: 'ap-southeast-2', APS3: 'ap-south-1', APS4: 'ap-southeast-3', APS5: 'ap-south-2', APS6: 'ap-southeast-4', APE1: 'ap-east-1',
  SAE1: 'sa-east-1', MES1: 'me-south-1', MEC1: 'me-central-1', AFS1: 'af-south-1', ILC1: 'il-central-1', UGW1: 'us-gov-west-1', UGE1: 'us-gov-east-1',
};

const USAGE = /^(?:([A-Z]{2,4}\d?)-)?(NatGateway|TransitGateway)-Bytes$/;

export function parseUsageType(usageType: string): { region: string; kind: AwsTransferCost['kind'] } | undefined {
  const m = USAGE.exec(usageType);
  if (!m) return undefined;
  const region = m[1] === undefined ? 'us-east-1' : REGION_CODES[m[1]];
  if (!region) return undefined;
  return { region, kind: m[2] === 'NatGateway' ? 'nat-gateway' : 'transit-gateway' };
}

export interface CostWindow {
  /** First day, YYYY-MM-DD. */
  start: string;
  /** Last day included, YYYY-MM-DD (Cost Explorer's End is the day after). */
  end: string;
  endExclusive: string;
}

/** The last full calendar month before `now` (UTC). */
export function lastMonth(now: Date): CostWindow {
  const day = (d: Date): string => d.toISOString().slice(0, 10);
  return {
    start: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1))),
    end: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0))),
    endExclusive: day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1))),
  };
}

const metric = z.object({ Amount: z.string().regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i), Unit: z.string().optional() });
const responseSchema = z.object({
  ResultsByTime: z
    .array(
      z.object({
        Groups: z.array(z.object({ Keys: z.array(z.string()).min(1), Metrics: z.object({ UnblendedCost: metric.optional(), UsageQuantity: metric.optional() }) })).default([]),
      }),
    )
    .default([]),
  NextPageToken: z.string().optional(),
});

export interface UsageFigure {
  region: string;
  kind: AwsTransferCost['kind'];
  quantityGb: number;
  cost: number;
  currency: string;
}

/** GetCostAndUsage for one account, every page; the NAT and Transit Gateway byte usage types summed per region. */
export async function readTransferUsage(client: CostExplorerClient, accountId: string, window: CostWindow, signal: AbortSignal): Promise<UsageFigure[]> {
  const figures = new Map<string, UsageFigure>();
  let token: string | undefined;
  do {
    const out: unknown = await client.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: window.start, End: window.endExclusive },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost', 'UsageQuantity'],
        GroupBy: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
        // In the management account Cost Explorer sees the whole organisation: keep to this account.
        Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: [accountId] } },
        ...(token ? { NextPageToken: token } : {}),
      }),
      { abortSignal: signal },
    );
    const parsed = responseSchema.safeParse(out);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ShapeError(`GetCostAndUsage for account ${accountId}: unexpected shape at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
    }
    for (const period of parsed.data.ResultsByTime) {
      for (const g of period.Groups) {
        const usage = parseUsageType(g.Keys[0] ?? '');
        if (!usage) continue;
        const key = `${usage.region}|${usage.kind}`;
        const f = figures.get(key) ?? { ...usage, quantityGb: 0, cost: 0, currency: g.Metrics.UnblendedCost?.Unit ?? 'USD' };
        f.quantityGb += Number(g.Metrics.UsageQuantity?.Amount ?? 0);
        f.cost += Number(g.Metrics.UnblendedCost?.Amount ?? 0);
        figures.set(key, f);
      }
    }
    token = parsed.data.NextPageToken || undefined;
  } while (token);
  return [...figures.values()];
}

/**
 * Attributes each region's figure to the gateways of its kind in that account-region (as read in
 * this run); a region outside `scopes` or without such a gateway yields nothing.
 */
export function attributeUsage(
  figures: readonly UsageFigure[],
  scopes: ReadonlyMap<string, ScopeKey>,
  gateways: { nat: readonly AwsNatGateway[]; tgw: readonly AwsTransitGateway[] },
  window: CostWindow,
): AwsTransferCost[] {
  const out: AwsTransferCost[] = [];
  for (const f of figures) {
    const scope = scopes.get(f.region);
    if (!scope || (f.cost === 0 && f.quantityGb === 0)) continue;
    const ids = (f.kind === 'nat-gateway' ? gateways.nat : gateways.tgw).filter((g) => g.scope === scope).map((g) => g.id);
    for (const resourceId of ids) {
      const share = 1 / ids.length;
      out.push({
        scope,
        resourceId,
        kind: f.kind,
        quantityGb: Math.round(f.quantityGb * share * 1000) / 1000,
        cost: Math.round(f.cost * share * 100) / 100,
        currency: f.currency,
        periodStart: window.start,
        periodEnd: window.end,
      });
    }
  }
  return out;
}
