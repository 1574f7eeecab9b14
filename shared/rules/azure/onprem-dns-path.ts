import { parseArmId } from '../../util/arm-id.js';
import { contains, tryParseCidr } from '../../util/cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { apiServerZone, CLUSTER_TYPE, clusterFinding, lc, linkedVnetIds, nameOf, subscriptionAudited, unreadIn, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/onprem-dns-path',
    title: 'On-prem can resolve the private AKS API zone',
    severity: 'medium',
    category: 'dns',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      "Fires (medium) for each private AKS cluster with a private API zone when no VNet linked to that zone holds a DNS Private Resolver inbound endpoint, and none of the forwarders in `clouds.azure.dnsForwarders` has an address inside a linked VNet's address space. Clusters with `privateDNSZone: none` and clusters whose zone is missing are out of scope. Undecided when the zone links, the resolver endpoints of the linked VNets' subscriptions (a resolver lives in its VNet's subscription) or, with forwarders configured, VNets could not be read, and when a linked VNet is in a subscription the audit does not cover (typically a hub holding the resolver), with or without forwarders.",
    risk: 'Azure private zones answer only queries from linked VNets. Without a resolver endpoint or forwarder in such a VNet, on-prem DNS cannot resolve the API server name and kubectl from the corporate network fails (or people fall back to the public FQDN).',
    remediation:
      'Create a DNS Private Resolver inbound endpoint in a VNet linked to the zone (az dns-resolver inbound-endpoint create -g <rg> --dns-resolver-name <resolver> -n inbound --ip-configurations "[{private-ip-allocation-method:Dynamic,id:<subnet-id>}]"), link the zone to that VNet, and add a conditional forwarder for privatelink.<region>.azmk8s.io on the on-prem DNS servers pointing at the endpoint. If a forwarder VM already does this, list its IP in clouds.azure.dnsForwarders.',
    references: [
      'https://learn.microsoft.com/azure/dns/dns-private-resolver-overview',
      'https://learn.microsoft.com/azure/dns/private-resolver-hybrid-dns',
      'https://learn.microsoft.com/azure/aks/private-clusters#hub-and-spoke-with-custom-dns',
    ],
    needs: ['azure.clusters', 'azure.privateDnsZones', 'azure.privateDnsLinks', 'azure.resolverInboundEndpoints'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const forwarders = ctx.config.clouds.azure?.dnsForwarders ?? [];
    for (const c of inv.azure.clusters) {
      const api = apiServerZone(c, inv.azure);
      if (api.kind === 'unknown') out.push(ctx.undecided(c.scope, api.reason));
      if (api.kind !== 'found') continue;
      const { zone } = api;
      const linked = linkedVnetIds(inv.azure, zone);
      const endpoint = inv.azure.resolverInboundEndpoints.find((e) => linked.has(lc(e.virtualNetworkId)));
      if (endpoint) continue;
      const forwarder = forwarders.find((ip) => {
        const addr = tryParseCidr(ip);
        return (
          addr !== undefined &&
          inv.azure.virtualNetworks.some((v) => linked.has(lc(v.id)) && v.addressPrefixes.some((p) => {
            const prefix = tryParseCidr(p);
            return prefix !== undefined && contains(prefix, addr);
          }))
        );
      });
      if (forwarder !== undefined) continue;
      // Absence is only a finding when everything that could show a path was read.
      const unread: string[] = [];
      if (unreadIn(ctx, 'azure.privateDnsLinks', zone.scope)) unread.push(`links of zone ${zone.name}`);
      // A resolver lives in its VNet's subscription, so only the linked VNets' subscriptions can hold the missing endpoint.
      const subscriptionOf = (id: string): string => parseArmId(id)?.subscriptionId.toLowerCase() ?? '';
      const linkedScopes = new Set([...linked].map((id) => `azure/subscription/${subscriptionOf(id)}`));
      const unreadResolvers = ctx.incompleteScopes('azure.resolverInboundEndpoints').filter((scope) => linkedScopes.has(scope));
      if (unreadResolvers.length > 0) unread.push(`DNS resolver inbound endpoints of ${unreadResolvers.join(', ')}`);
      // A linked VNet in a subscription this run does not audit (typically the hub holding the
      // resolver) may hold an endpoint or forwarder nobody looked for.
      const unaudited = [...linked].filter((id) => !subscriptionAudited(ctx, subscriptionOf(id), c));
      if (unaudited.length > 0) {
        const subs = [...new Set(unaudited.map(subscriptionOf))].sort();
        unread.push(`linked VNets ${unaudited.map(nameOf).join(', ')} (subscription${subs.length === 1 ? '' : 's'} ${subs.join(', ')} not audited)`);
      }
      if (forwarders.length > 0 && ctx.incompleteScopes('azure.virtualNetworks').length > 0) unread.push('VNets of some subscriptions');
      const unknownVnets = [...linked].filter((id) => !unaudited.includes(id) && !inv.azure.virtualNetworks.some((v) => lc(v.id) === id));
      if (forwarders.length > 0 && unknownVnets.length > 0) unread.push(`linked VNets ${unknownVnets.map(nameOf).join(', ')} (not in the inventory)`);
      if (unread.length > 0) {
        out.push(ctx.undecided(c.scope, `cannot tell whether on-prem resolves ${zone.name}: ${unread.join(', ')} could not be read`));
        continue;
      }
      const linkedNames = [...linked].map(nameOf);
      out.push(
        clusterFinding(ctx, c, {
          message: `on-prem has no DNS path to private zone ${zone.name} of AKS cluster ${where(c)}: ${linked.size === 0 ? 'the zone is linked to no VNet' : `no DNS resolver inbound endpoint${forwarders.length > 0 ? ' or configured forwarder' : ''} in the linked VNets ${linkedNames.join(', ')}`}`,
          evidence: { zone: zone.id, linkedVnets: [...linked].sort(), dnsForwarders: forwarders },
        }),
      );
    }
    return out;
  },
});
