import { priceOf, type ResolvedPrice } from './prices.js';

/** Azure bills hourly resources on a 730-hour month. */
const HOURS_PER_MONTH = 730;

/** Cost figures spanning a window are normalised to a 30-day month. */
const DAYS_PER_MONTH = 30;

const DAY_MS = 86_400_000;

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function monthlyFromHourly(usdPerHour: number): number {
  return usdPerHour * HOURS_PER_MONTH;
}

/** Scales a total observed over `days` to a 30-day month. */
export function normaliseToMonth(total: number, days: number): number {
  return days > 0 ? (total * DAYS_PER_MONTH) / days : total;
}

/** A date-only end (`2026-10-31`) is inclusive: the window runs to the end of that day. */
function parseEnd(text: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) + DAY_MS : Date.parse(text);
}

/**
 * Length in days of the window spanned by cost records (earliest start to latest end), at least
 * one day; undefined when no record carries a parseable period.
 */
export function windowDays(periods: readonly { periodStart: string; periodEnd: string }[]): number | undefined {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const p of periods) {
    const s = Date.parse(p.periodStart);
    const e = parseEnd(p.periodEnd);
    if (Number.isNaN(s) || Number.isNaN(e)) continue;
    start = Math.min(start, s);
    end = Math.max(end, e);
  }
  if (!Number.isFinite(start) || !Number.isFinite(end) || end <= start) return undefined;
  return Math.max(1, Math.round((end - start) / DAY_MS));
}

export interface MonthlyEstimate {
  monthly: number;
  price: ResolvedPrice;
  key: string;
}

/** Monthly list cost of an hourly-billed resource, when the table (or an override) prices it. */
function hourlyResourceMonthly(key: string, overrides: Readonly<Record<string, number>> = {}): MonthlyEstimate | undefined {
  const price = priceOf(key, overrides);
  return price ? { monthly: round2(monthlyFromHourly(price.usd)), price, key } : undefined;
}

/** The gateway a spoke would run instead of using the hub's: a VpnGw1. */
const SPOKE_GATEWAY_PRICE_KEY = 'azure.vpnGateway.VpnGw1.hour';

export function spokeGatewayMonthly(overrides: Readonly<Record<string, number>> = {}): MonthlyEstimate | undefined {
  return hourlyResourceMonthly(SPOKE_GATEWAY_PRICE_KEY, overrides);
}

/** Bastion SKUs as the price table spells them; ARM and Resource Graph do not agree on case. */
const BASTION_SKUS = ['Basic', 'Standard', 'Premium', 'Developer'];

export function bastionMonthly(sku: string | undefined, overrides: Readonly<Record<string, number>> = {}): MonthlyEstimate | undefined {
  // Bastion's default SKU is Basic when the API omits it.
  const name = sku ?? 'Basic';
  const canonical = BASTION_SKUS.find((s) => s.toLowerCase() === name.toLowerCase()) ?? name;
  return hourlyResourceMonthly(`azure.bastion.${canonical}.hour`, overrides);
}
