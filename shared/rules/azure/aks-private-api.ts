import type { AksCluster } from '../../model/inventory/azure.js';
import { parentId, parseArmId } from '../../util/arm-id.js';
import { isAnyAddress, tryParseCidr } from '../cidr.js';
import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterFinding, nameOf, where } from './topology.js';

/** API Server VNet Integration moves the API server into a delegated subnet; only then can an existing cluster turn private. */
const PRIVATE =
  'Make the API server private: an existing cluster first needs API Server VNet Integration (needs the aks-preview extension: az extension add --name aks-preview){subnetStep} && az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --enable-apiserver-vnet-integration{subnetArg} && az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --enable-private-cluster';

/** Authorised ranges are public source addresses: the on-prem egress IPs, not the private on-prem ranges. */
const RESTRICT =
  'Meanwhile close it to the internet (ONPREM_EGRESS_CIDRS: the public addresses on-prem egresses from): az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --api-server-authorized-ip-ranges "$ONPREM_EGRESS_CIDRS". ';

/** The delegated /28 the API server needs, in the cluster's own VNet when it has one. */
function subnetData(c: AksCluster): { subnetStep: string; subnetArg: string } {
  const nodeSubnet = c.agentPools.find((p) => p.vnetSubnetId !== undefined)?.vnetSubnetId;
  if (nodeSubnet === undefined) return { subnetStep: '', subnetArg: '' };
  const vnetId = parentId(nodeSubnet);
  const parts = parseArmId(vnetId);
  return {
    subnetStep: ` && az network vnet subnet create --subscription ${parts?.subscriptionId ?? c.subscriptionId} -g ${parts?.resourceGroup ?? c.resourceGroup} --vnet-name ${nameOf(vnetId)} -n snet-apiserver --address-prefixes "$APISERVER_CIDR" --delegations Microsoft.ContainerService/managedClusters (APISERVER_CIDR: a free /28 of ${nameOf(vnetId)})`,
    subnetArg: ` --apiserver-subnet-id ${vnetId}/subnets/snet-apiserver`,
  };
}

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
      `${RESTRICT}${PRIVATE}`,
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
          // Already limited to authorised ranges: do not tell the operator to restrict it again.
          remediation: unrestricted ? `${RESTRICT}${PRIVATE}` : PRIVATE,
          data: { ...clusterData(c), ...subnetData(c) },
        });
      });
  },
});
