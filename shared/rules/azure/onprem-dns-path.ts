import type { AksCluster, AzureInventory, PrivateDnsZone, VirtualNetwork } from '../../model/inventory/azure.js';
import { parseArmId } from '../../util/arm-id.js';
import { contains, tryParseCidr } from '../cidr.js';
import type { RuleContext, RuleOutput } from '../kit.js';
import { defineRule, fillTemplate } from '../kit.js';
import { apiServerZone, azureIndex, CLUSTER_TYPE, clusterFinding, clusterVnetIds, lc, linkedVnetIds, nameOf, subscriptionAudited, subscriptionOf, unreadIn, where } from './topology.js';

const LINK = 'az network private-dns link vnet create --subscription {zoneSubscription} -g {zoneResourceGroup} -z {zone} -n {vnet}-link -v {vnetId} -e false';

/** A resolver with an inbound endpoint in a VNet; the dns-resolver commands live in an az extension. */
const RESOLVER =
  'az extension add --name dns-resolver && az network vnet subnet create --subscription {vnetSubscription} -g {vnetResourceGroup} --vnet-name {vnet} -n snet-dns-inbound --address-prefixes "$INBOUND_CIDR" --delegations Microsoft.Network/dnsResolvers && az dns-resolver create --subscription {vnetSubscription} -g {vnetResourceGroup} -n dnspr-{vnet} -l {location} --id {vnetId} && az dns-resolver inbound-endpoint create --subscription {vnetSubscription} -g {vnetResourceGroup} --dns-resolver-name dnspr-{vnet} -n inbound -l {location} --ip-configurations "[{private-ip-allocation-method:Dynamic,id:{vnetId}/subnets/snet-dns-inbound}]"';

const FORWARD =
  'then on the on-prem DNS servers add a conditional forwarder for {zone} to the inbound endpoint address (az dns-resolver inbound-endpoint show --subscription {vnetSubscription} -g {vnetResourceGroup} --dns-resolver-name dnspr-{vnet} -n inbound --query "ipConfigurations[0].privateIpAddress" -o tsv)';

const TEMPLATE = `Create a DNS Private Resolver inbound endpoint (INBOUND_CIDR: a free /28 of {vnet}) in a VNet linked to the zone: ${RESOLVER}; link the zone to that VNet if it is not (${LINK}); ${FORWARD}. If a forwarder VM already serves on-prem, list its IP in clouds.azure.dnsForwarders in airlock.yaml.`;

interface ZoneVerdict {
  linked: Set<string>;
  /** A resolver endpoint or configured forwarder sits in a linked VNet. */
  hasPath: boolean;
  /** Unread data that could show a path, whichever cluster uses the zone. */
  unread: string[];
  /** Linked VNets in subscriptions this run does not audit. */
  outside: string[];
  linkedSorted: string[];
}

/** For each configured forwarder, the VNets whose address space holds it: built once, so each cluster only looks up. */
function forwarderVnets(ctx: RuleContext, inv: AzureInventory, forwarders: readonly string[]): Map<string, VirtualNetwork[]> {
  return ctx.memo('azure.forwarderVnets', () => {
    const map = new Map<string, VirtualNetwork[]>();
    if (forwarders.length === 0) return map;
    const parsed = forwarders.map((ip) => [ip, tryParseCidr(ip)] as const);
    for (const v of inv.virtualNetworks) {
      const prefixes = v.addressPrefixes.map(tryParseCidr).filter((p) => p !== undefined);
      for (const [ip, addr] of parsed) {
        if (addr !== undefined && prefixes.some((p) => contains(p, addr))) map.set(ip, [...(map.get(ip) ?? []), v]);
      }
    }
    return map;
  });
}

/** Where the operator should give on-prem a DNS path, and the commands that do it. */
function remediationFor(ctx: RuleContext, inv: AzureInventory, c: AksCluster, zone: PrivateDnsZone, verdict: ZoneVerdict, forwarderHomes: VirtualNetwork[]): string {
  const { linked } = verdict;
  const zoneData = { zone: zone.name, zoneSubscription: zone.subscriptionId, zoneResourceGroup: zone.resourceGroup };
  const link = (vnetId: string): string => fillTemplate(LINK, { ...zoneData, vnet: nameOf(vnetId), vnetId });
  // A forwarder already sits in a VNet the zone is not linked to: linking is the whole fix.
  const home = forwarderHomes[0];
  if (home) return `The configured forwarder sits in VNet ${home.name}, which is not linked to the zone: ${link(home.id)}`;
  // A resolver endpoint that exists in an unlinked VNet (typically the hub's): linking is again the whole fix.
  const azure = ctx.config.clouds.azure;
  // Linked VNets hold no endpoint (that is why we are here): look in the configured resolver and hub VNets and the cluster's own.
  const candidates = [...(azure?.resolverVnets ?? []), ...(azure?.hubVnets ?? []), ...clusterVnetIds(c, inv, ctx), ...verdict.linkedSorted.slice(0, 1)];
  const endpoints = azureIndex.resolverEndpointsByVnet(ctx, inv);
  const withResolver = candidates.find((id) => (endpoints.get(lc(id)) ?? []).length > 0);
  if (withResolver !== undefined) {
    const ep = endpoints.get(lc(withResolver))?.[0];
    return `VNet ${nameOf(withResolver)} already holds DNS resolver inbound endpoint ${ep?.name ?? ''} (${ep?.privateIpAddresses.join(', ') ?? ''}); link the zone to it: ${link(withResolver)}, and have on-prem DNS forward ${zone.name} to that address.`;
  }
  const target = candidates[0];
  const vnets = azureIndex.vnetsById(ctx, inv);
  const record = target === undefined ? undefined : vnets.get(lc(target));
  const vnetId = record?.id ?? target;
  if (vnetId === undefined) return `Give cluster ${c.name} a VNet-linked DNS path: ${fillTemplate(TEMPLATE, { ...zoneData, vnet: 'VNET', vnetId: '$VNET_ID', vnetSubscription: c.subscriptionId, vnetResourceGroup: c.resourceGroup, location: c.location })}`;
  const parts = parseArmId(vnetId);
  const data = {
    ...zoneData,
    vnet: nameOf(vnetId),
    vnetId,
    vnetSubscription: parts?.subscriptionId ?? c.subscriptionId,
    vnetResourceGroup: parts?.resourceGroup ?? c.resourceGroup,
    location: record?.location ?? c.location,
  };
  const linkStep = linked.has(lc(vnetId)) ? '' : ` && ${fillTemplate(LINK, data)}`;
  return `Create a DNS Private Resolver inbound endpoint in VNet ${data.vnet} (INBOUND_CIDR: a free /28 of it): ${fillTemplate(RESOLVER, data)}${linkStep}; ${fillTemplate(FORWARD, data)}. If a forwarder VM already serves on-prem, list its IP in clouds.azure.dnsForwarders in airlock.yaml.`;
}

export default defineRule({
  meta: {
    id: 'azure/onprem-dns-path',
    title: 'On-prem can resolve the private AKS API zone',
    severity: 'medium',
    category: 'dns',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      "Fires (medium) for each private AKS cluster with a private API zone when no VNet linked to that zone holds a DNS Private Resolver inbound endpoint, and none of the forwarders in `clouds.azure.dnsForwarders` has an address inside a linked VNet's address space. Clusters with `privateDNSZone: none` and clusters whose zone is missing are out of scope. Undecided only when data that could change the answer is missing: the zone's links, the resolver endpoints of the linked VNets' subscriptions (a resolver lives in its VNet's subscription), with forwarders configured the VNets of those subscriptions, or a linked VNet in a subscription the audit does not cover (typically a hub holding the resolver).",
    risk: 'Azure private zones answer only queries from linked VNets. Without a resolver endpoint or forwarder in such a VNet, on-prem DNS cannot resolve the API server name and kubectl from the corporate network fails (or people fall back to the public FQDN).',
    remediation: TEMPLATE,
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
    const endpoints = azureIndex.resolverEndpointsByVnet(ctx, inv.azure);
    const vnets = azureIndex.vnetsById(ctx, inv.azure);
    const homes = forwarderVnets(ctx, inv.azure, forwarders);
    const forwarderHomes = forwarders.flatMap((ip) => homes.get(ip) ?? []);
    // Clusters often share one zone (a hub BYO zone linked to every spoke): judge each zone once.
    const byZone = new Map<string, ZoneVerdict>();
    const verdictOf = (zone: PrivateDnsZone): ZoneVerdict => {
      const key = lc(zone.id);
      const cached = byZone.get(key);
      if (cached) return cached;
      const linked = linkedVnetIds(ctx, inv.azure, zone);
      const hasPath = [...linked].some((id) => (endpoints.get(id) ?? []).length > 0) || forwarderHomes.some((v) => linked.has(lc(v.id)));
      // With a path, nothing else about the zone is asked.
      if (hasPath) {
        const verdict: ZoneVerdict = { linked, hasPath, unread: [], outside: [], linkedSorted: [] };
        byZone.set(key, verdict);
        return verdict;
      }
      // Absence is only a finding when everything that could show a path was read; nothing else may make it undecided.
      const unread: string[] = [];
      if (unreadIn(ctx, 'azure.privateDnsLinks', zone.scope)) unread.push(`links of zone ${zone.name}`);
      const linkedIds = [...linked];
      const linkedSubscriptions = linkedIds.map(subscriptionOf);
      const linkedScopes = [...new Set(linkedSubscriptions.map((sub) => `azure/subscription/${sub}`))].sort();
      // A resolver lives in its VNet's subscription, so only the linked VNets' subscriptions can hold the missing endpoint.
      const unreadResolvers = linkedScopes.filter((scope) => unreadIn(ctx, 'azure.resolverInboundEndpoints', scope));
      if (unreadResolvers.length > 0) unread.push(`DNS resolver inbound endpoints of ${unreadResolvers.join(', ')}`);
      // With forwarders, a linked VNet we hold no record of could hold one, but only if its subscription's VNets went unread.
      const unknownVnets = forwarders.length === 0 ? [] : linkedIds.filter((id, i) => !vnets.has(id) && unreadIn(ctx, 'azure.virtualNetworks', `azure/subscription/${linkedSubscriptions[i] ?? ''}`));
      if (unknownVnets.length > 0) unread.push(`linked VNets ${unknownVnets.map(nameOf).join(', ')} (their subscription's VNets)`);
      const verdict: ZoneVerdict = {
        linked,
        hasPath,
        unread,
        // Linked VNets in subscriptions outside the run; a cluster's own subscription is still audited.
        outside: linkedIds.filter((_, i) => !subscriptionAudited(ctx, linkedSubscriptions[i] ?? '', { subscriptionId: '' })),
        linkedSorted: [...linkedIds].sort(),
      };
      byZone.set(key, verdict);
      return verdict;
    };
    for (const c of inv.azure.clusters) {
      const api = apiServerZone(c, inv.azure, ctx);
      if (api.kind === 'unknown') out.push(ctx.undecided(c.scope, api.reason));
      if (api.kind !== 'found') continue;
      const { zone } = api;
      const verdict = verdictOf(zone);
      if (verdict.hasPath) continue;
      const unread = [...verdict.unread];
      // A linked VNet in a subscription this run does not audit (typically the hub holding the
      // resolver) may hold an endpoint or forwarder nobody looked for.
      const unaudited = verdict.outside.filter((id) => subscriptionOf(id) !== lc(c.subscriptionId));
      if (unaudited.length > 0) {
        const subs = [...new Set(unaudited.map(subscriptionOf))].sort();
        unread.push(`linked VNets ${unaudited.map(nameOf).join(', ')} (subscription${subs.length === 1 ? '' : 's'} ${subs.join(', ')} not audited)`);
      }
      if (unread.length > 0) {
        out.push(ctx.undecided(c.scope, `cannot tell whether on-prem resolves ${zone.name}: ${unread.join(', ')} could not be read`));
        continue;
      }
      const { linked, linkedSorted } = verdict;
      out.push(
        clusterFinding(ctx, c, {
          message: `on-prem has no DNS path to private zone ${zone.name} of AKS cluster ${where(c)}: ${linked.size === 0 ? 'the zone is linked to no VNet' : `no DNS resolver inbound endpoint${forwarders.length > 0 ? ' or configured forwarder' : ''} in the linked VNets ${linkedSorted.map(nameOf).join(', ')}`}`,
          evidence: { zone: zone.id, linkedVnets: linkedSorted, dnsForwarders: forwarders, ...(forwarderHomes.length > 0 ? { forwarderVnets: forwarderHomes.map((v) => lc(v.id)).sort() } : {}) },
          remediation: remediationFor(ctx, inv.azure, c, zone, verdict, forwarderHomes),
        }),
      );
    }
    return out;
  },
});
