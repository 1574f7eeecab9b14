import type { AksCluster, AzureInventory } from '../../model/inventory/azure.js';
import { parentId, parseArmId } from '../../util/arm-id.js';
import type { RuleContext } from '../kit.js';
import { defineRule, fillTemplate } from '../kit.js';
import { azureIndex, CLUSTER_TYPE, clusterData, clusterFinding, clusterVnetIds, inNodeRg, lc, nameOf, where } from './topology.js';

const SWITCH = 'az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --outbound-type userDefinedRouting';

/** A new route table sending everything to the firewall, associated with the node subnets of one VNet. */
const NEW_ROUTE_TABLE =
  'az network route-table create --subscription {vnetSubscription} -g {vnetResourceGroup} -n {routeTable} -l {location} && az network route-table route create --subscription {vnetSubscription} -g {vnetResourceGroup} --route-table-name {routeTable} -n default-via-firewall --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address {firewallIp}';

/** A subnet that already has a route table: that table must carry the default route to the firewall. */
const EXISTING_ROUTE_TABLE =
  'az network route-table route create --subscription {vnetSubscription} -g {vnetResourceGroup} --route-table-name {routeTable} -n default-via-firewall --address-prefix 0.0.0.0/0 --next-hop-type VirtualAppliance --next-hop-ip-address {firewallIp} (skip if route table {routeTable} already sends 0.0.0.0/0 to the firewall)';

const TEMPLATE = `Route egress through the firewall, then switch the outbound type: ${NEW_ROUTE_TABLE} && az network vnet subnet update --ids {subnetId} --route-table {routeTableId} && ${SWITCH}`;

const MANAGED_VNET =
  'userDefinedRouting needs the cluster in a VNet you route, and cluster {cluster} uses an AKS-managed VNet: create a replacement in a spoke subnet whose route table sends 0.0.0.0/0 to the firewall (az aks create --subscription {subscription} -g {resourceGroup} -n {cluster}-v2 --vnet-subnet-id "$SUBNET_ID" --outbound-type userDefinedRouting ...), move the workloads, then delete {cluster}.';

/** The firewall's private IP: one in a configured hub, in the cluster's VNet, or in a VNet peered with it. */
function firewallIp(ctx: RuleContext, inv: AzureInventory, vnetIds: ReadonlySet<string>): string | undefined {
  const byVnet = azureIndex.firewallsByVnet(ctx, inv);
  const ipIn = (id: string): string | undefined => (byVnet.get(lc(id)) ?? []).find((f) => f.privateIpAddress !== undefined)?.privateIpAddress;
  for (const hub of ctx.config.clouds.azure?.hubVnets ?? []) {
    const ip = ipIn(hub);
    if (ip !== undefined) return ip;
  }
  // Each VNet's neighbourhood is searched once, however many clusters share it (a hub has many peers).
  const near = ctx.memo('azure.firewallIpNearVnet', () => new Map<string, string | undefined>());
  const vnets = azureIndex.vnetsById(ctx, inv);
  for (const id of vnetIds) {
    if (!near.has(id)) near.set(id, ipIn(id) ?? (vnets.get(id)?.peerings ?? []).map((p) => ipIn(p.remoteVirtualNetworkId)).find((ip) => ip !== undefined));
    const ip = near.get(id);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

/** Route steps per node VNet, from what the subnets already have; the outbound-type switch comes last. */
function remediationFor(ctx: RuleContext, inv: AzureInventory, c: AksCluster): string {
  const subnets = [...new Set(c.agentPools.flatMap((p) => (p.vnetSubnetId ? [p.vnetSubnetId] : [])))];
  if (subnets.length === 0) return MANAGED_VNET;
  const ip = firewallIp(ctx, inv, clusterVnetIds(c, inv, ctx)) ?? '"$FIREWALL_IP"';
  const records = azureIndex.subnetsById(ctx, inv);
  const steps: string[] = [];
  const created = new Set<string>();
  for (const subnetId of subnets) {
    const vnetId = parentId(subnetId);
    const parts = parseArmId(vnetId);
    const data = { vnetSubscription: parts?.subscriptionId ?? c.subscriptionId, vnetResourceGroup: parts?.resourceGroup ?? c.resourceGroup, location: c.location, firewallIp: ip };
    const existing = records.get(lc(subnetId))?.routeTableId;
    if (existing !== undefined) {
      const rt = parseArmId(existing);
      steps.push(fillTemplate(EXISTING_ROUTE_TABLE, { ...data, vnetSubscription: rt?.subscriptionId ?? data.vnetSubscription, vnetResourceGroup: rt?.resourceGroup ?? data.vnetResourceGroup, routeTable: nameOf(existing) }));
      continue;
    }
    const routeTable = `rt-${c.name}-egress`;
    const routeTableId = `/subscriptions/${data.vnetSubscription}/resourceGroups/${data.vnetResourceGroup}/providers/Microsoft.Network/routeTables/${routeTable}`;
    if (!created.has(lc(routeTableId))) steps.push(fillTemplate(NEW_ROUTE_TABLE, { ...data, routeTable }));
    created.add(lc(routeTableId));
    steps.push(`az network vnet subnet update --ids ${subnetId} --route-table ${routeTableId}`);
  }
  const firewallNote = ip.startsWith('"$') ? ' (FIREWALL_IP: the private IP of the firewall in the hub)' : '';
  return `Route egress through the firewall${firewallNote}, then switch the outbound type: ${steps.join(' && ')} && ${SWITCH}`;
}

export default defineRule({
  meta: {
    id: 'azure/aks-egress-bypass',
    title: 'AKS egress goes through the firewall',
    severity: 'high',
    category: 'egress',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each AKS cluster whose `networkProfile.outboundType` is `loadBalancer` or absent (the API default): nodes egress through a public IP on the cluster's `kubernetes` load balancer. The message names those outbound IPs when the LB is in the inventory; the remediation names the firewall's private IP when a firewall sits in a configured hub or a VNet peered with the cluster's.",
    risk: 'Egress leaves straight to the internet through a public IP, bypassing the Azure Firewall or proxy the private estate relies on: no filtering, no logging, and a data-exfiltration path.',
    remediation: TEMPLATE,
    references: [
      'https://learn.microsoft.com/azure/aks/egress-outboundtype',
      'https://learn.microsoft.com/azure/aks/limit-egress-traffic',
    ],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    const lbsByRg = azureIndex.loadBalancersByResourceGroup(ctx, inv.azure);
    const publicIps = azureIndex.publicIpsById(ctx, inv.azure);
    return inv.azure.clusters
      .filter((c) => c.outboundType === undefined || lc(c.outboundType) === 'loadbalancer')
      .map((c) => {
        // Public IPs behind the outbound rules of the cluster's LBs: what the traffic leaves as.
        const egressIps: string[] = [];
        for (const lb of inNodeRg(lbsByRg, c)) {
          const frontends = new Map(lb.frontends.map((f) => [lc(f.id), f]));
          for (const rule of lb.outboundRules) {
            for (const feId of rule.frontendIpConfigurationIds) {
              const fe = frontends.get(lc(feId));
              if (!fe?.publicIpAddressId) continue;
              egressIps.push(publicIps.get(lc(fe.publicIpAddressId))?.ipAddress ?? fe.publicIpAddressId);
            }
          }
        }
        const via = egressIps.length > 0 ? ` via public IP ${egressIps.join(', ')}` : ' via a public IP on its load balancer';
        return clusterFinding(ctx, c, {
          message: `AKS cluster ${where(c)} egresses to the internet${via}, bypassing the firewall (outboundType ${c.outboundType ?? 'not set, defaults to loadBalancer'})`,
          evidence: { outboundType: c.outboundType ?? 'loadBalancer', ...(c.outboundType === undefined ? { defaulted: true } : {}), ...(egressIps.length > 0 ? { egressIps: egressIps.sort() } : {}) },
          remediation: remediationFor(ctx, inv.azure, c),
          data: clusterData(c),
        });
      });
  },
});
