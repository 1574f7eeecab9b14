import { fillTemplate, type RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { apiServerZone, CLUSTER_TYPE, clusterFinding, clusterVnetIds, lc, linkedVnetIds, nameOf, unreadIn, where } from './topology.js';

/** One link per missing VNet; a VNet in another subscription is linked by its full id. */
const LINK =
  'az network private-dns link vnet create --subscription {zoneSubscription} -g {zoneResourceGroup} -z {zone} -n {linkName} -v {vnetId} -e false';

export default defineRule({
  meta: {
    id: 'azure/aks-private-dns-links',
    title: 'Private AKS API zone is linked to the cluster VNet and the resolver VNets',
    severity: 'high',
    category: 'dns',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each private AKS cluster whose API server zone (see azure/aks-private-dns-record) lacks a virtual network link to the cluster VNet (the VNet of the agent pools' subnets; for a managed VNet, the VNet in the node resource group) or to any VNet listed in `clouds.azure.resolverVnets`. Clusters with `privateDNSZone: none` and clusters whose zone is missing are out of scope. Undecided when the zone's links could not be read.",
    risk: 'A VNet without a link cannot resolve the API server name: nodes in the cluster VNet fail to join, and the DNS resolvers or forwarders that on-prem uses return NXDOMAIN, so kubectl from on-prem fails.',
    remediation: `Link the zone to each missing VNet (one command per VNet): ${LINK}`,
    references: [
      'https://learn.microsoft.com/azure/aks/private-clusters#hub-and-spoke-with-custom-dns',
      'https://learn.microsoft.com/azure/dns/private-dns-virtual-network-links',
    ],
    needs: ['azure.clusters', 'azure.privateDnsZones', 'azure.privateDnsLinks', 'azure.virtualNetworks'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const resolverVnets = ctx.config.clouds.azure?.resolverVnets ?? [];
    for (const c of inv.azure.clusters) {
      const api = apiServerZone(c, inv.azure, ctx);
      if (api.kind === 'unknown') out.push(ctx.undecided(c.scope, api.reason));
      if (api.kind !== 'found') continue;
      const { zone } = api;
      if (unreadIn(ctx, 'azure.privateDnsLinks', zone.scope)) {
        out.push(ctx.undecided(c.scope, `the virtual network links of zone ${zone.name} (${zone.scope}) were not read`));
        continue;
      }
      const clusterVnets = clusterVnetIds(c, inv.azure, ctx);
      if (clusterVnets.size === 0 && unreadIn(ctx, 'azure.virtualNetworks', c.scope)) {
        out.push(ctx.undecided(c.scope, `the VNet of cluster ${c.name} is unknown: its node resource group's VNets were not read`));
        continue;
      }
      const linked = linkedVnetIds(ctx, inv.azure, zone);
      // Most zones are linked as they should be: names and labels are built only for a finding.
      if ([...clusterVnets].every((id) => linked.has(id)) && resolverVnets.every((id) => linked.has(lc(id)))) continue;
      const required = new Map<string, { label: string; id: string }>();
      for (const id of clusterVnets) required.set(id, { label: `cluster VNet ${nameOf(id)}`, id });
      for (const id of resolverVnets) if (!required.has(lc(id))) required.set(lc(id), { label: `resolver VNet ${nameOf(id)}`, id });
      const missing = [...required].filter(([id]) => !linked.has(id)).map(([, v]) => v);
      if (missing.length === 0) continue;
      const data = { zone: zone.name, zoneSubscription: zone.subscriptionId, zoneResourceGroup: zone.resourceGroup };
      out.push(
        clusterFinding(ctx, c, {
          message: `private DNS zone ${zone.name} (\`${zone.resourceGroup}\`) of AKS cluster ${where(c)} is not linked to ${missing.map((m) => m.label).join(', ')}`,
          evidence: { zone: zone.id, missingLinks: missing.map((m) => lc(m.id)).sort(), linkedVnets: [...linked].sort() },
          // One command per missing VNet, each filled with that VNet's id and a link name derived from it.
          remediation: `Link the zone to each missing VNet: ${missing.map((m) => fillTemplate(LINK, { ...data, vnetId: m.id, linkName: `${nameOf(m.id)}-link` })).join(' && ')}`,
          data,
        }),
      );
    }
    return out;
  },
});
