import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, lc, where } from './topology.js';

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
      'Enable a policy engine: az aks update -g <rg> -n <cluster> --network-policy cilium (with --network-dataplane cilium) or --network-policy azure / calico, then apply default-deny NetworkPolicies per namespace.',
    references: ['https://learn.microsoft.com/azure/aks/use-network-policies'],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters
      .filter((c) => c.networkPolicy === undefined || lc(c.networkPolicy) === 'none' || c.networkPolicy === '')
      .map((c) =>
        clusterFinding(ctx, c, {
          message: `AKS cluster ${where(c)} has no network policy engine (networkPolicy ${c.networkPolicy ?? 'not set'}): pod-to-pod traffic is unrestricted`,
          evidence: { networkPolicy: c.networkPolicy ?? null },
        }),
      );
  },
});
