import { bastionMonthly } from '../../cost/estimate.js';
import { defineRule } from '../kit.js';
import { ref, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/bastion-cost',
    title: 'Azure Bastion hosts are a deliberate cost',
    severity: 'info',
    category: 'cost',
    cloud: 'azure',
    resource: 'Microsoft.Network/bastionHosts',
    description:
      'Fires (info) for each Bastion host, with its monthly list cost (hourly price × 730 h) from the price table (Basic, Standard, Premium, and the free Developer SKU) or `cost.prices` (`azure.bastion.<sku>.hour`) for its SKU (Basic when absent).',
    risk: 'Bastion is billed every hour it exists. In an estate where operators reach clusters and VMs directly from on-prem over VPN/ExpressRoute, it is pure cost.',
    remediation:
      'If nobody connects through it (its BastionAuditLogs diagnostic log shows the sessions), delete it (the az network bastion commands need the bastion extension: az extension add --name bastion): az network bastion delete --subscription {subscription} -g {resourceGroup} -n {bastion}',
    references: ['https://learn.microsoft.com/azure/bastion/bastion-overview', 'https://azure.microsoft.com/pricing/details/azure-bastion/'],
    needs: ['azure.bastionHosts'],
  },
  evaluate(inv, ctx) {
    return inv.azure.bastionHosts.map((b) => {
      const estimate = bastionMonthly(b.sku, ctx.config.cost.prices);
      const sku = b.sku ?? 'Basic';
      return ctx.finding({
        scope: b.scope,
        resource: ref(b, 'Microsoft.Network/bastionHosts'),
        message: estimate
          ? estimate.monthly === 0
            ? `Bastion host ${where(b)} (SKU ${sku}) is free at list price; it is still a way into the VNet's VMs that on-prem operators may not need`
            : `Bastion host ${where(b)} (SKU ${sku}) costs about USD ${estimate.monthly.toFixed(2)} per month at list price`
          : `Bastion host ${where(b)} (SKU ${sku}) is billed hourly; no list price for ${sku} in the price table (set cost.prices["azure.bastion.${sku}.hour"])`,
        evidence: { sku, ...(b.virtualNetworkId ? { virtualNetworkId: b.virtualNetworkId } : {}) },
        data: { subscription: b.subscriptionId, resourceGroup: b.resourceGroup, bastion: b.name },
        ...(estimate ? { cost: { currency: 'USD' as const, monthly: estimate.monthly, basis: `list price ${estimate.key} USD ${estimate.price.usd}/h × 730 h (${estimate.price.source})` } } : {}),
      });
    });
  },
});
