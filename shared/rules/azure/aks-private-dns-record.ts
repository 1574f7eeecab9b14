import type { AksCluster } from '../../model/inventory/azure.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { apiServerZone, aRecordIn, CLUSTER_TYPE, clusterData, clusterFinding, subscriptionAudited, unreadIn, where } from './topology.js';

/** A no-op update makes AKS reconcile its private DNS: it recreates a system zone and the API record. */
const RECONCILE = 'az aks update --subscription {subscription} -g {resourceGroup} -n {cluster}';

/** The API server's private IP: the NIC of the `kube-apiserver` private endpoint AKS keeps in the node resource group. */
const API_IP =
  'API_IP=$(az network nic list --subscription {subscription} -g {nodeResourceGroup} --query "[?starts_with(name, \'kube-apiserver\')].ipConfigurations[0].privateIPAddress | [0]" -o tsv)';

const RECORD_FIX = `Let AKS recreate the record: ${RECONCILE} (for a BYO zone the cluster identity needs Private DNS Zone Contributor on it). Or add it by hand: ${API_IP} && az network private-dns record-set a add-record --subscription {zoneSubscription} -g {zoneResourceGroup} -z {zone} -n {record} -a "$API_IP"`;

const SYSTEM_ZONE_FIX = `AKS recreates its own zone {zone} in {nodeResourceGroup} when it reconciles: ${RECONCILE}, then check it: az network private-dns zone show --subscription {subscription} -g {nodeResourceGroup} -n {zone}`;

const BYO_ZONE_FIX = `Recreate the zone named by privateDNSZone and let AKS write its record: az network private-dns zone create --subscription {zoneSubscription} -g {zoneResourceGroup} -n {zone}, grant the cluster identity Private DNS Zone Contributor on it (az role assignment create --assignee $(az aks show --subscription {subscription} -g {resourceGroup} -n {cluster} --query identity.principalId -o tsv) --role "Private DNS Zone Contributor" --scope {zoneId}), link it to the cluster VNet, then ${RECONCILE}`;

const OUTSIDE_ZONE_FIX =
  "The cluster's privateFQDN {fqdn} is not inside its privateDNSZone {zone}: the zone of an existing cluster cannot be changed, so recreate the cluster with a zone that contains its name (az aks create ... --private-dns-zone set to the id of privatelink.{region}.azmk8s.io or a subzone of it) and move the workloads.";

function dataFor(c: AksCluster): Record<string, string> {
  return { ...clusterData(c), nodeResourceGroup: c.nodeResourceGroup ?? c.resourceGroup, region: c.location };
}

export default defineRule({
  meta: {
    id: 'azure/aks-private-dns-record',
    title: 'Private AKS API server has its private DNS zone and A record',
    severity: 'high',
    category: 'dns',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each private AKS cluster with a private DNS zone (`privateDNSZone` system, absent, or a zone resource id) when the cluster's own zone is missing (BYO: the zone id not found; system: no zone named exactly by the parent domain of `privateFQDN` in the node resource group, whatever other zones end that name), or when the zone has no A record with an address for the API host (the part of `privateFQDN` before the zone name). Clusters with `privateDNSZone: none` are out of scope. Undecided when the zones or records of the subscription that should hold them could not be read.",
    risk: 'Nodes and clients cannot resolve the API server: node bootstrap, cluster upgrades and kubectl fail with name resolution errors.',
    remediation: RECORD_FIX,
    references: [
      'https://learn.microsoft.com/azure/aks/private-clusters#configure-a-private-dns-zone',
      'https://learn.microsoft.com/azure/dns/private-dns-getstarted-cli',
    ],
    needs: ['azure.clusters', 'azure.privateDnsZones', 'azure.privateDnsRecords'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const c of inv.azure.clusters) {
      const api = apiServerZone(c, inv.azure, ctx);
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
        const expected = api.systemManaged
          ? `its own zone ${api.zoneName} (AKS creates it in the node resource group \`${api.zoneResourceGroup}\`)`
          : `zone ${api.zoneName} named by privateDNSZone (${c.privateDnsZone ?? ''})`;
        out.push(
          clusterFinding(ctx, c, {
            message: `private AKS cluster ${where(c)} has no private DNS zone for its API server ${api.fqdn}: ${expected} does not exist`,
            evidence: { privateFqdn: api.fqdn, privateDnsZone: c.privateDnsZone ?? 'system', expectedZone: api.zoneName, expectedResourceGroup: api.zoneResourceGroup, zone: null },
            remediation: api.systemManaged ? SYSTEM_ZONE_FIX : BYO_ZONE_FIX,
            data: { ...dataFor(c), zone: api.zoneName, zoneSubscription: api.zoneSubscriptionId, zoneResourceGroup: api.zoneResourceGroup, zoneId: c.privateDnsZone ?? '' },
          }),
        );
        continue;
      }
      const { zone, relativeName } = api;
      const zoneData = (): Record<string, string> => ({ ...dataFor(c), zone: zone.name, zoneSubscription: zone.subscriptionId, zoneResourceGroup: zone.resourceGroup, fqdn: api.fqdn });
      if (relativeName === undefined) {
        out.push(
          clusterFinding(ctx, c, {
            message: `private AKS cluster ${where(c)} uses private DNS zone ${zone.name}, but its API server name ${api.fqdn} is not in that zone`,
            evidence: { privateFqdn: api.fqdn, zone: zone.id, record: null },
            remediation: OUTSIDE_ZONE_FIX,
            data: zoneData(),
          }),
        );
        continue;
      }
      if (unreadIn(ctx, 'azure.privateDnsRecords', zone.scope)) {
        out.push(ctx.undecided(c.scope, `the record sets of zone ${zone.name} (${zone.scope}) were not read: cannot check the API server record of ${c.name}`));
        continue;
      }
      const record = aRecordIn(ctx, inv.azure, zone, relativeName);
      if (record && record.ipv4Addresses.length > 0) continue;
      out.push(
        clusterFinding(ctx, c, {
          message: record
            ? `private AKS cluster ${where(c)}: A record \`${relativeName}\` in zone ${zone.name} (\`${zone.resourceGroup}\`) has no address, so ${api.fqdn} does not resolve`
            : `private AKS cluster ${where(c)}: zone ${zone.name} (\`${zone.resourceGroup}\`) has no A record \`${relativeName}\`, so ${api.fqdn} does not resolve`,
          evidence: { privateFqdn: api.fqdn, zone: zone.id, relativeName, ipv4Addresses: record?.ipv4Addresses ?? null },
          data: { ...zoneData(), record: relativeName },
        }),
      );
    }
    return out;
  },
});
