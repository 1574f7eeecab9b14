import type { AksCluster, AzureInventory, LoadBalancer } from '../../model/inventory/azure.js';
import { parentId } from '../../util/arm-id.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { clustersByNodeRg, clusterSubnetIds, clusterVnetIds, indexById, lc, nodeRgClusters, ref, where } from './topology.js';

/** Finds the clusters an LB serves: it sits in their node resource group or has a frontend in their VNet or subnets. */
function servedClusters(inv: AzureInventory): (lb: LoadBalancer) => AksCluster[] {
  const byNodeRg = clustersByNodeRg(inv.clusters);
  const byNetwork = new Map<string, AksCluster[]>();
  for (const c of inv.clusters) {
    for (const id of [...clusterSubnetIds(c), ...clusterVnetIds(c, inv)]) byNetwork.set(id, [...(byNetwork.get(id) ?? []), c]);
  }
  return (lb) => {
    const served = new Set(nodeRgClusters(byNodeRg, lb));
    for (const f of lb.frontends) {
      if (f.subnetId === undefined) continue;
      for (const c of [...(byNetwork.get(lc(f.subnetId)) ?? []), ...(byNetwork.get(lc(parentId(f.subnetId))) ?? [])]) served.add(c);
    }
    return [...served];
  };
}

export default defineRule({
  meta: {
    id: 'azure/lb-public-frontend',
    title: 'No public load balancer frontend serves a cluster',
    severity: 'critical',
    category: 'exposure',
    cloud: 'azure',
    resource: 'Microsoft.Network/loadBalancers',
    description:
      "Fires (critical) for each public frontend (one with a public IP) that has at least one inbound rule (load-balancing rule or inbound NAT rule) on a load balancer serving an AKS cluster: in the cluster's node resource group, or with a frontend in the cluster's VNet. A public frontend used only by outbound rules (AKS egress on the `kubernetes` LB) is not an exposure; azure/aks-egress-bypass covers it.",
    risk: 'A Service of type LoadBalancer (or a hand-made rule) publishes cluster workloads on the internet, bypassing the private network and the firewall.',
    remediation:
      'Make the Service internal: add the annotation service.beta.kubernetes.io/azure-load-balancer-internal: "true" and re-apply it (kubectl annotate service <svc> -n <ns> service.beta.kubernetes.io/azure-load-balancer-internal=true --overwrite); block public Services with Azure Policy "Kubernetes clusters should use internal load balancers".',
    references: [
      'https://learn.microsoft.com/azure/aks/internal-lb',
      'https://learn.microsoft.com/azure/aks/load-balancer-standard',
      'https://learn.microsoft.com/azure/aks/policy-reference',
    ],
    needs: ['azure.loadBalancers', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const clustersOf = servedClusters(inv.azure);
    const publicIps = indexById(inv.azure.publicIps);
    for (const lb of inv.azure.loadBalancers) {
      const served = clustersOf(lb);
      if (served.length === 0) continue;
      for (const fe of lb.frontends) {
        if (fe.publicIpAddressId === undefined) continue;
        const inbound = [...lb.loadBalancingRules, ...lb.inboundNatRules].filter((r) => r.frontendIpConfigurationIds.some((id) => lc(id) === lc(fe.id)));
        if (inbound.length === 0) continue;
        const pip = publicIps.get(lc(fe.publicIpAddressId));
        const address = pip?.ipAddress ?? fe.publicIpAddressId;
        out.push(
          ctx.finding({
            scope: lb.scope,
            resource: ref(lb, 'Microsoft.Network/loadBalancers'),
            discriminator: fe.name,
            message: `load balancer ${where(lb)} has public frontend ${fe.name} (${address}) with ${inbound.length} inbound rule${inbound.length === 1 ? '' : 's'} (${inbound.map((r) => r.name).join(', ')}), serving AKS cluster ${served.map((c) => c.name).join(', ')}`,
            evidence: { frontend: fe.name, publicIp: address, inboundRules: inbound.map((r) => r.name).sort() },
          }),
        );
      }
    }
    return out;
  },
});
