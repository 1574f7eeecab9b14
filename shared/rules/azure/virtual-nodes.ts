import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterFinding, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/virtual-nodes',
    title: 'AKS virtual nodes (ACI connector) are a deliberate cost',
    severity: 'info',
    category: 'cost',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      'Fires (info) for each AKS cluster with the `aciConnectorLinux` add-on (virtual nodes) enabled. No monthly figure: ACI is billed per vCPU- and GB-second of the pods that burst onto it, which the inventory does not hold.',
    risk: 'Pods scheduled on virtual nodes run on per-second-billed Azure Container Instances that reservations and savings plans do not cover, and they sit in a delegated subnet outside the node pools\' network controls.',
    remediation:
      'If bursting is not needed, see what runs there (az aks get-credentials --subscription {subscription} -g {resourceGroup} -n {cluster} && kubectl get pods -A -o wide --field-selector spec.nodeName=virtual-node-aci-linux), move it to a node pool, then: az aks disable-addons --subscription {subscription} -g {resourceGroup} -n {cluster} --addons virtual-node',
    references: ['https://learn.microsoft.com/azure/aks/virtual-nodes', 'https://azure.microsoft.com/pricing/details/container-instances/'],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters
      .filter((c) => c.virtualNodesEnabled)
      .map((c) =>
        clusterFinding(ctx, c, {
          message: `AKS cluster ${where(c)} has virtual nodes (ACI connector) enabled: bursting pods are billed per second on Azure Container Instances, outside reservations`,
          evidence: { virtualNodesEnabled: true },
          data: clusterData(c),
        }),
      );
  },
});
