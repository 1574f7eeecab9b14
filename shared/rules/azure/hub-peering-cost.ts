import { normaliseToMonth, round2, spokeGatewayMonthly, windowDays } from '../../cost/estimate.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { hubPeeringsOf } from '../../util/hub-spoke.js';
import { azureIndex, lc, nameOf, ref, unreadIn, where } from './topology.js';

/** The spoke's own gateway (zone-redundant VpnGw1AZ: new non-AZ VPN SKUs are no longer offered; priced as VpnGw1), then the hub's is no longer used. */
const OWN_GATEWAY =
  'Give the spoke its own gateway (GATEWAY_CIDR: a free /27 of {vnet}): az network vnet subnet create --subscription {subscription} -g {resourceGroup} --vnet-name {vnet} -n GatewaySubnet --address-prefixes "$GATEWAY_CIDR" && az network public-ip create --subscription {subscription} -g {resourceGroup} -n {vnet}-gw-pip --sku Standard && az network vnet-gateway create --subscription {subscription} -g {resourceGroup} -n {vnet}-gw --vnet {vnet} --gateway-type Vpn --vpn-type RouteBased --sku VpnGw1AZ --public-ip-addresses {vnet}-gw-pip (or connect the spoke to the ExpressRoute circuit), connect it to on-prem, then stop using the hub gateway: az network vnet peering update --subscription {subscription} -g {resourceGroup} --vnet-name {vnet} -n {peering} --set useRemoteGateways=false';

/** Without useRemoteGateways the peering traffic is not on-prem traffic through the hub gateway: find what it is first. */
const FIND_FLOWS =
  'The spoke does not use the hub gateway (useRemoteGateways is off on {peering}), so a gateway in the spoke would not replace this traffic: it is traffic to or through {hub} (firewall, shared services, or on-prem via a route to a hub appliance). Find the flows with VNet flow logs and Traffic Analytics: az network watcher flow-log create --subscription {subscription} -g {resourceGroup} -l {location} -n {vnet}-flows --vnet {vnet} --storage-account "$STORAGE_ACCOUNT_ID" --traffic-analytics true --workspace "$LOG_ANALYTICS_WORKSPACE_ID"; then move chatty workloads next to what they talk to, or give on-prem traffic its own gateway in the spoke.';

export default defineRule({
  meta: {
    id: 'azure/hub-peering-cost',
    title: 'Hub peering costs less than a gateway in the spoke',
    severity: 'low',
    category: 'cost',
    cloud: 'azure',
    resource: 'Microsoft.Network/virtualNetworks',
    description:
      "Fires (low, cost) for each spoke VNet (a VNet with a peering that has `useRemoteGateways`, or that is peered to a VNet in `clouds.azure.hubVnets`) whose VNet peering charges in Cost Management (the USD records billed to that VNet, summed over the window and normalised to 30 days) exceed the monthly list price of a VpnGw1 gateway in the spoke (`azure.vpnGateway.VpnGw1.hour` × 730 h). Quiet when the monthly charge is below `cost.hubPeeringMonthlyThreshold`. For a spoke that uses the hub's gateway the finding's cost holds the monthly charge, the gateway's monthly cost and the saving. A spoke peered to a configured hub without `useRemoteGateways` pays the same charge for traffic a spoke gateway would not carry: it is reported with the charge only, no saving, and the advice to find the flows.",
    risk: 'On-prem traffic to the cluster crosses the hub and is billed per GB on both sides of the peering, in both directions; at volume this costs more every month than a gateway (or ExpressRoute connection) in the spoke itself.',
    remediation: OWN_GATEWAY,
    references: [
      'https://learn.microsoft.com/azure/virtual-network/virtual-network-peering-overview#pricing',
      'https://azure.microsoft.com/pricing/details/virtual-network/',
      'https://azure.microsoft.com/pricing/details/vpn-gateway/',
      'https://learn.microsoft.com/azure/architecture/networking/architecture/hub-spoke',
    ],
    needs: ['azure.virtualNetworks', 'azure.peeringCosts'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const hubVnets = ctx.config.clouds.azure?.hubVnets ?? [];
    const { hubPeeringMonthlyThreshold: threshold, prices, windowDays: configuredDays } = ctx.config.cost;
    const gateway = spokeGatewayMonthly(prices);
    if (!gateway) return out;
    for (const vnet of inv.azure.virtualNetworks) {
      const hubPeerings = hubPeeringsOf(vnet, hubVnets);
      if (hubPeerings.length === 0) continue;
      if (unreadIn(ctx, 'azure.peeringCosts', vnet.scope)) continue;
      const records = azureIndex.peeringCostsByResource(ctx, inv.azure).get(lc(vnet.id)) ?? [];
      if (records.length === 0) continue;
      const foreign = records.filter((r) => r.currency.toUpperCase() !== 'USD');
      if (foreign.length > 0) {
        out.push(ctx.undecided(vnet.scope, `peering cost of ${vnet.name} is billed in ${foreign[0]?.currency ?? '?'}; the price table is in USD`));
        continue;
      }
      const total = records.reduce((sum, r) => sum + r.cost, 0);
      const gb = records.reduce((sum, r) => sum + r.quantityGb, 0);
      const days = windowDays(records) ?? configuredDays ?? 30;
      const monthly = round2(normaliseToMonth(total, days));
      if (monthly < threshold || monthly <= gateway.monthly) continue;
      const hubNames = hubPeerings.map((p) => nameOf(p.remoteVirtualNetworkId));
      // Only a spoke that sends on-prem traffic through the hub's gateway would save by having its own.
      const viaGateway = hubPeerings.find((p) => p.useRemoteGateways);
      const peering = viaGateway ?? hubPeerings[0];
      const saving = viaGateway ? round2(monthly - gateway.monthly) : undefined;
      const data = { subscription: vnet.subscriptionId, resourceGroup: vnet.resourceGroup, vnet: vnet.name, location: vnet.location, peering: peering?.name ?? '', hub: hubNames.join(', ') };
      const periodStart = records.map((r) => r.periodStart).sort()[0] ?? '';
      const periodEnd = records.map((r) => r.periodEnd).sort().at(-1) ?? '';
      out.push(
        ctx.finding({
          scope: vnet.scope,
          resource: ref(vnet, 'Microsoft.Network/virtualNetworks'),
          message:
            saving !== undefined
              ? `spoke VNet ${where(vnet)} pays about USD ${monthly.toFixed(2)} per month for peering with hub ${hubNames.join(', ')} (${round2(gb)} GB over ${days} days); a VpnGw1 gateway in the spoke would cost USD ${gateway.monthly.toFixed(2)} per month, saving USD ${saving.toFixed(2)}`
              : `spoke VNet ${where(vnet)} pays about USD ${monthly.toFixed(2)} per month for peering with hub ${hubNames.join(', ')} (${round2(gb)} GB over ${days} days), more than a VpnGw1 gateway (USD ${gateway.monthly.toFixed(2)}); it does not use the hub gateway, so that traffic is not on-prem traffic a spoke gateway would carry`,
          evidence: {
            hubPeerings: hubPeerings.map((p) => ({ name: p.name, remoteVirtualNetworkId: p.remoteVirtualNetworkId, useRemoteGateways: p.useRemoteGateways })),
            meters: [...new Set(records.map((r) => r.meter))].sort(),
          },
          cost:
            saving !== undefined
              ? {
                  currency: 'USD',
                  monthly,
                  alternativeMonthly: gateway.monthly,
                  savingMonthly: saving,
                  basis: `Cost Management ActualCost ${periodStart}..${periodEnd} (${days} days) normalised to 30 days; alternative ${gateway.key} USD ${gateway.price.usd}/h × 730 h (${gateway.price.source})`,
                }
              : { currency: 'USD', monthly, basis: `Cost Management ActualCost ${periodStart}..${periodEnd} (${days} days) normalised to 30 days; no gateway alternative (useRemoteGateways is off)` },
          ...(saving === undefined ? { remediation: FIND_FLOWS } : {}),
          data,
        }),
      );
    }
    return out;
  },
});
