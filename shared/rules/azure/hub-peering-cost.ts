import { normaliseToMonth, round2, spokeGatewayMonthly, windowDays } from '../../cost/estimate.js';
import { sameId } from '../../util/props.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { hubPeeringsOf } from '../../util/hub-spoke.js';
import { nameOf, ref, unreadIn, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/hub-peering-cost',
    title: 'Hub peering costs less than a gateway in the spoke',
    severity: 'low',
    category: 'cost',
    cloud: 'azure',
    resource: 'Microsoft.Network/virtualNetworks',
    description:
      "Fires (low, cost) for each spoke VNet (a VNet with a peering that has `useRemoteGateways`, or that is peered to a VNet in `clouds.azure.hubVnets`) whose VNet peering charges in Cost Management (the USD records billed to that VNet, summed over the window and normalised to 30 days) exceed the monthly list price of a VpnGw1 gateway in the spoke (`azure.vpnGateway.VpnGw1.hour` × 730 h). Quiet when the monthly charge is below `cost.hubPeeringMonthlyThreshold`. The finding's cost holds the monthly charge, the gateway's monthly cost and the saving.",
    risk: 'On-prem traffic to the cluster crosses the hub and is billed per GB on both sides of the peering, in both directions; at volume this costs more every month than a gateway (or ExpressRoute connection) in the spoke itself.',
    remediation:
      'Give the spoke its own gateway: az network vnet-gateway create -g <rg> -n <spoke>-gw --vnet <spoke-vnet> --gateway-type Vpn --sku VpnGw1 --public-ip-addresses <pip> (or connect the spoke to the ExpressRoute circuit), then turn off useRemoteGateways on the spoke peering: az network vnet peering update -g <rg> --vnet-name <spoke-vnet> -n <peering> --set useRemoteGateways=false',
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
      const records = inv.azure.peeringCosts.filter((r) => sameId(r.resourceId, vnet.id));
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
      const saving = round2(monthly - gateway.monthly);
      const hubNames = hubPeerings.map((p) => nameOf(p.remoteVirtualNetworkId));
      const periodStart = records.map((r) => r.periodStart).sort()[0] ?? '';
      const periodEnd = records.map((r) => r.periodEnd).sort().at(-1) ?? '';
      out.push(
        ctx.finding({
          scope: vnet.scope,
          resource: ref(vnet, 'Microsoft.Network/virtualNetworks'),
          message: `spoke VNet ${where(vnet)} pays about USD ${monthly.toFixed(2)} per month for peering with hub ${hubNames.join(', ')} (${round2(gb)} GB over ${days} days); a VpnGw1 gateway in the spoke would cost USD ${gateway.monthly.toFixed(2)} per month, saving USD ${saving.toFixed(2)}`,
          evidence: {
            hubPeerings: hubPeerings.map((p) => ({ name: p.name, remoteVirtualNetworkId: p.remoteVirtualNetworkId, useRemoteGateways: p.useRemoteGateways })),
            meters: [...new Set(records.map((r) => r.meter))].sort(),
          },
          cost: {
            currency: 'USD',
            monthly,
            alternativeMonthly: gateway.monthly,
            savingMonthly: saving,
            basis: `Cost Management ActualCost ${periodStart}..${periodEnd} (${days} days) normalised to 30 days; alternative ${gateway.key} USD ${gateway.price.usd}/h × 730 h (${gateway.price.source})`,
          },
        }),
      );
    }
    return out;
  },
});
