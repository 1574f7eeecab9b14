import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterFinding, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/aks-public-fqdn',
    title: 'Private AKS cluster has no public FQDN',
    severity: 'low',
    category: 'dns',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      'Fires (low) for each private AKS cluster with `enablePrivateClusterPublicFQDN` on: a public DNS name resolves to the private API server address. Silent when `clouds.azure.allowPublicFqdn` is true (the trade-off was made deliberately).',
    risk: 'The public name discloses the private API server address and cluster name to the internet, and hides missing private DNS (zone links, on-prem forwarding) behind a public workaround that breaks when the setting is changed.',
    remediation:
      'Fix private resolution first (zone links, DNS resolver inbound endpoint: see azure/aks-private-dns-links and azure/onprem-dns-path), then: az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --disable-public-fqdn. If the public FQDN is a deliberate choice, set clouds.azure.allowPublicFqdn: true in airlock.yaml.',
    references: [
      'https://learn.microsoft.com/azure/aks/private-clusters#disable-a-public-fqdn-on-an-existing-cluster',
      'https://learn.microsoft.com/azure/aks/private-clusters#hub-and-spoke-with-custom-dns',
    ],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    if (ctx.config.clouds.azure?.allowPublicFqdn === true) return [];
    return inv.azure.clusters
      .filter((c) => c.privateCluster && c.publicFqdnEnabled)
      .map((c) =>
        clusterFinding(ctx, c, {
          message: `private AKS cluster ${where(c)} publishes its API server on the public FQDN ${c.fqdn ?? '(fqdn not reported)'}${c.privateFqdn ? `, resolving to the private endpoint of ${c.privateFqdn}` : ''}`,
          evidence: { publicFqdnEnabled: true, ...(c.fqdn ? { fqdn: c.fqdn } : {}), ...(c.privateDnsZone ? { privateDnsZone: c.privateDnsZone } : {}) },
          data: clusterData(c),
        }),
      );
  },
});
