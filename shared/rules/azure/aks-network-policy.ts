import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterFinding, lc, where } from './topology.js';

/** A cluster on its own CNI (networkPlugin none) enforces policy there, not through AKS. */
const BYO_CNI =
  'Cluster {cluster} runs its own CNI (networkPlugin none), so AKS cannot switch a policy engine on: enable NetworkPolicy enforcement in that CNI (Cilium or Calico installed in the cluster), then apply a default-deny NetworkPolicy in every namespace.';

export default defineRule({
  meta: {
    id: 'azure/aks-network-policy',
    title: 'AKS enforces network policy',
    severity: 'medium',
    category: 'reachability',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description: 'Fires (medium) for each AKS cluster whose `networkProfile.networkPolicy` is `none` or absent (no network policy engine).',
    risk: 'Kubernetes NetworkPolicy objects are ignored: every pod can reach every other pod across tenants and namespaces, so one compromised workload reaches all.',
    remediation:
      'Enable a policy engine (Calico works with kubenet and Azure CNI; Azure CNI Powered by Cilium is the alternative on overlay clusters): az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --network-policy calico, then apply a default-deny NetworkPolicy in every namespace and allow what each needs.',
    references: ['https://learn.microsoft.com/azure/aks/use-network-policies'],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters
      .filter((c) => c.networkPolicy === undefined || lc(c.networkPolicy) === 'none' || c.networkPolicy === '')
      .map((c) =>
        clusterFinding(ctx, c, {
          message: `AKS cluster ${where(c)} has no network policy engine (networkPolicy ${c.networkPolicy ?? 'not set'}): pod-to-pod traffic is unrestricted`,
          evidence: { networkPolicy: c.networkPolicy ?? null, networkPlugin: c.networkPlugin ?? null },
          ...(c.networkPlugin !== undefined && lc(c.networkPlugin) === 'none' ? { remediation: BYO_CNI } : {}),
          data: clusterData(c),
        }),
      );
  },
});
