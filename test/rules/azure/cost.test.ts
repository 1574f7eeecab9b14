import { describe, expect, it } from 'vitest';
import { bastionMonthly, monthlyFromHourly, normaliseToMonth, spokeGatewayMonthly, windowDays } from '../../../shared/cost/estimate.js';
import { PRICES, priceOf } from '../../../shared/cost/prices.js';

describe('price table', () => {
  it('dates and sources every price, with unique keys', () => {
    expect(new Set(PRICES.map((p) => p.key)).size).toBe(PRICES.length);
    for (const p of PRICES) {
      expect(p.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(p.source.length).toBeGreaterThan(10);
      expect(p.key).toMatch(new RegExp(`^azure\\.[A-Za-z]+\\.[A-Za-z0-9]+\\.${p.unit}$`));
    }
  });

  it('holds the list prices of api-notes §4 and domain.md', () => {
    expect(priceOf('azure.peering.intraRegion.gb')?.usd).toBe(0.01);
    expect(priceOf('azure.peering.globalZone1.gb')?.usd).toBe(0.035);
    expect(priceOf('azure.peering.globalZone2.gb')?.usd).toBe(0.09);
    expect(priceOf('azure.vpnGateway.VpnGw1.hour')?.usd).toBe(0.19);
    expect(priceOf('azure.bastion.Basic.hour')?.usd).toBe(0.19);
    expect(priceOf('azure.firewall.Standard.hour')?.usd).toBe(1.25);
  });

  it('prices every Bastion SKU the API can return, with the pricing page as source', () => {
    for (const [sku, usd] of [['Basic', 0.19], ['Standard', 0.29], ['Premium', 0.45], ['Developer', 0]] as const) {
      expect(priceOf(`azure.bastion.${sku}.hour`)?.usd, sku).toBe(usd);
    }
    expect(priceOf('azure.bastion.Standard.hour')?.source).toContain('https://azure.microsoft.com/pricing/details/azure-bastion/');
  });

  it('cites public sources only', () => {
    for (const p of PRICES) expect(p.source, p.key).toMatch(/https:\/\//);
  });

  it('lets cost.prices override or add a key', () => {
    expect(priceOf('azure.vpnGateway.VpnGw1.hour', { 'azure.vpnGateway.VpnGw1.hour': 0.3 })).toEqual({ usd: 0.3, source: 'cost.prices["azure.vpnGateway.VpnGw1.hour"] in airlock.yaml' });
    expect(priceOf('azure.bastion.Enterprise.hour')).toBeUndefined();
    expect(priceOf('azure.bastion.Standard.hour', { 'azure.bastion.Standard.hour': 0.35 })?.usd).toBe(0.35);
  });
});

describe('estimators', () => {
  it('bills 730 hours a month', () => {
    expect(monthlyFromHourly(0.19)).toBeCloseTo(138.7, 6);
    expect(spokeGatewayMonthly()?.monthly).toBe(138.7);
    expect(bastionMonthly(undefined)?.monthly).toBe(138.7);
    expect(bastionMonthly('Developer')?.monthly).toBe(0);
    expect(bastionMonthly('standard')?.monthly).toBe(211.7);
    expect(bastionMonthly('Enterprise')).toBeUndefined();
  });

  it('normalises a window to 30 days', () => {
    expect(normaliseToMonth(150, 15)).toBe(300);
    expect(normaliseToMonth(310, 31)).toBe(300);
  });

  it('reads date-only period ends as inclusive, timestamps as exact', () => {
    expect(windowDays([{ periodStart: '2026-10-01', periodEnd: '2026-10-31' }])).toBe(31);
    expect(windowDays([{ periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-16T00:00:00Z' }])).toBe(15);
    expect(
      windowDays([
        { periodStart: '2026-10-10', periodEnd: '2026-10-20' },
        { periodStart: '2026-10-01', periodEnd: '2026-10-05' },
      ]),
    ).toBe(20);
    expect(windowDays([{ periodStart: 'n/a', periodEnd: 'n/a' }])).toBeUndefined();
  });
});
