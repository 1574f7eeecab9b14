import { isAnyAddress, tryParseCidr } from '../../util/cidr.js';
import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/aks-private-api',
    title: 'AKS API server is private',
    severity: 'high',
    category: 'exposure',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      'Fires for each AKS cluster whose API server is not private (`apiServerAccessProfile.enablePrivateCluster` is false or absent). High when `authorizedIPRanges` is empty or contains 0.0.0.0/0 (or ::/0), medium when the public endpoint is limited to authorised ranges.',
    risk: 'The Kubernetes API answers on a public address: anyone on the internet (or in the authorised ranges) can reach the control plane and try credentials or exploits, bypassing the private network the estate is built on.',
    remediation:
      'Create the cluster private (az aks create --enable-private-cluster ...), or enable API Server VNet Integration and then private access: az aks update -g <rg> -n <cluster> --enable-apiserver-vnet-integration --apiserver-subnet-id <subnet-id> && az aks update -g <rg> -n <cluster> --enable-private-cluster. Meanwhile restrict it: az aks update -g <rg> -n <cluster> --api-server-authorized-ip-ranges <on-prem CIDRs>',
    references: [
      'https://learn.microsoft.com/azure/aks/private-clusters',
      'https://learn.microsoft.com/azure/aks/api-server-authorized-ip-ranges',
      'https://learn.microsoft.com/azure/aks/api-server-vnet-integration',
    ],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters
      .filter((c) => !c.privateCluster)
      .map((c) => {
        const open = c.authorizedIpRanges.filter((r) => {
          const cidr = tryParseCidr(r);
          return cidr !== undefined && isAnyAddress(cidr);
        });
        const unrestricted = c.authorizedIpRanges.length === 0 || open.length > 0;
        const endpoint = c.fqdn ? ` (${c.fqdn})` : '';
        const message = unrestricted
          ? `AKS cluster ${where(c)} has a public API server${endpoint} open to the internet: ${c.authorizedIpRanges.length === 0 ? 'no authorized IP ranges' : `authorized IP ranges include ${open.join(', ')}`}`
          : `AKS cluster ${where(c)} has a public API server${endpoint} limited to authorized IP ranges ${c.authorizedIpRanges.join(', ')}`;
        return clusterFinding(ctx, c, {
          severity: unrestricted ? 'high' : 'medium',
          message,
          evidence: { privateCluster: false, authorizedIpRanges: c.authorizedIpRanges, ...(c.fqdn ? { fqdn: c.fqdn } : {}) },
        });
      });
  },
});
