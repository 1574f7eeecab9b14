import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { apiServerZone, aRecordIn, CLUSTER_TYPE, clusterFinding, subscriptionAudited, unreadIn, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/aks-private-dns-record',
    title: 'Private AKS API server has its private DNS zone and A record',
    severity: 'high',
    category: 'dns',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      'Fires (high) for each private AKS cluster with a private DNS zone (`privateDNSZone` system, absent, or a zone resource id) when the zone is missing (BYO id not found; no zone whose name is a suffix of `privateFQDN`), or when the zone has no A record with an address for the API host (the part of `privateFQDN` before the zone name). Clusters with `privateDNSZone: none` are out of scope. Undecided when the zones or records of the subscription that should hold them could not be read.',
    risk: 'Nodes and clients cannot resolve the API server: node bootstrap, cluster upgrades and kubectl fail with name resolution errors.',
    remediation:
      'Recreate the record in the zone: az network private-dns record-set a add-record -g <zone-rg> -z <zone> -n <api-host> -a <private-endpoint-ip> (the address of the API server private endpoint in the node resource group); for a deleted system zone, run az aks update -g <rg> -n <cluster> to let AKS reconcile it.',
    references: [
      'https://learn.microsoft.com/azure/aks/private-clusters#configure-a-private-dns-zone',
      'https://learn.microsoft.com/azure/dns/private-dns-getstarted-cli',
    ],
    needs: ['azure.clusters', 'azure.privateDnsZones', 'azure.privateDnsRecords'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const c of inv.azure.clusters) {
      const api = apiServerZone(c, inv.azure);
      if (api.kind === 'not-applicable') continue;
      if (api.kind === 'unknown') {
        out.push(ctx.undecided(c.scope, api.reason));
        continue;
      }
      if (api.kind === 'missing') {
        if (unreadIn(ctx, 'azure.privateDnsZones', api.zoneScope) || !subscriptionAudited(ctx, api.zoneSubscriptionId, c)) {
          out.push(ctx.undecided(c.scope, `the private DNS zones of subscription ${api.zoneSubscriptionId} were not read: cannot check the zone of ${c.name}`));
          continue;
        }
        out.push(
          clusterFinding(ctx, c, {
            message: `private AKS cluster ${where(c)} has no private DNS zone for its API server ${api.fqdn}: ${api.expected} does not exist`,
            evidence: { privateFqdn: api.fqdn, privateDnsZone: c.privateDnsZone ?? 'system', zone: null },
          }),
        );
        continue;
      }
      const { zone, relativeName } = api;
      if (relativeName === undefined) {
        out.push(
          clusterFinding(ctx, c, {
            message: `private AKS cluster ${where(c)} uses private DNS zone ${zone.name}, but its API server name ${api.fqdn} is not in that zone`,
            evidence: { privateFqdn: api.fqdn, zone: zone.id, record: null },
          }),
        );
        continue;
      }
      if (unreadIn(ctx, 'azure.privateDnsRecords', zone.scope)) {
        out.push(ctx.undecided(c.scope, `the record sets of zone ${zone.name} (${zone.scope}) were not read: cannot check the API server record of ${c.name}`));
        continue;
      }
      const record = aRecordIn(inv.azure, zone, relativeName);
      if (record && record.ipv4Addresses.length > 0) continue;
      out.push(
        clusterFinding(ctx, c, {
          message: record
            ? `private AKS cluster ${where(c)}: A record \`${relativeName}\` in zone ${zone.name} (\`${zone.resourceGroup}\`) has no address, so ${api.fqdn} does not resolve`
            : `private AKS cluster ${where(c)}: zone ${zone.name} (\`${zone.resourceGroup}\`) has no A record \`${relativeName}\`, so ${api.fqdn} does not resolve`,
          evidence: { privateFqdn: api.fqdn, zone: zone.id, relativeName, ipv4Addresses: record?.ipv4Addresses ?? null },
        }),
      );
    }
    return out;
  },
});
