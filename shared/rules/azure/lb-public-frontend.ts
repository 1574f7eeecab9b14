import type { AksCluster, AzureInventory, LoadBalancer, LoadBalancerRule } from '../../model/inventory/azure.js';
import { parentId } from '../../util/arm-id.js';
import type { RuleContext, RuleOutput } from '../kit.js';
import { defineRule, fillTemplate } from '../kit.js';
import { annotateInternal, azureIndex, clusterSubnetIds, clusterVnetIds, kubernetesServices, lc, nodeRgClusters, ref, where } from './topology.js';

/** Clusters by each of their subnets and VNets (lower-cased ids), built once per evaluation. */
function clustersByNetwork(ctx: RuleContext, inv: AzureInventory): Map<string, AksCluster[]> {
  return ctx.memo('azure.clustersByNetwork', () => {
    const byNetwork = new Map<string, AksCluster[]>();
    for (const c of inv.clusters) {
      for (const id of new Set([...clusterSubnetIds(c), ...clusterVnetIds(c, inv, ctx)])) byNetwork.set(id, [...(byNetwork.get(id) ?? []), c]);
    }
    return byNetwork;
  });
}

/** The clusters an LB serves: it sits in their node resource group or has a frontend in their VNet or subnets. */
function servedClusters(ctx: RuleContext, inv: AzureInventory, lb: LoadBalancer): AksCluster[] {
  const byNetwork = clustersByNetwork(ctx, inv);
  const served = new Set(nodeRgClusters(ctx, inv, lb));
  for (const f of lb.frontends) {
    if (f.subnetId === undefined) continue;
    for (const c of [...(byNetwork.get(lc(f.subnetId)) ?? []), ...(byNetwork.get(lc(parentId(f.subnetId))) ?? [])]) served.add(c);
  }
  return [...served];
}

const TEMPLATE =
  'Make the Service internal: az aks get-credentials --subscription {clusterSubscription} -g {clusterResourceGroup} -n {cluster} && kubectl annotate service {service} -n {namespace} service.beta.kubernetes.io/azure-load-balancer-internal=true --overwrite (AKS moves it to the kubernetes-internal load balancer and releases public IP {publicIp}); block new public Services with the Azure Policy "Kubernetes clusters should use internal load balancers".';

/** A rule AKS did not make from a Service (no `k8s-azure-service` tag): find its owner, else remove it. */
const UNTAGGED =
  'Public IP {publicIp} carries no k8s-azure-service tag, so no Service is known to own frontend {frontend}. If one does, find it (az aks get-credentials --subscription {clusterSubscription} -g {clusterResourceGroup} -n {cluster} && kubectl get services -A -o wide | grep -w {address}) and annotate it with service.beta.kubernetes.io/azure-load-balancer-internal=true; if the rules were made by hand, delete them: {deletes}';

function deleteCommands(lb: LoadBalancer, rules: readonly { rule: LoadBalancerRule; nat: boolean }[]): string {
  return rules
    .map(({ rule, nat }) => `az network lb ${nat ? 'inbound-nat-rule' : 'rule'} delete --subscription ${lb.subscriptionId} -g ${lb.resourceGroup} --lb-name ${lb.name} -n ${rule.name}`)
    .join(' && ');
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
      "Fires (critical) for each public frontend (one with a public IP) that has at least one inbound rule (load-balancing rule or inbound NAT rule) on a load balancer serving an AKS cluster: in the cluster's node resource group, or with a frontend in the cluster's VNet. A public frontend used only by outbound rules (AKS egress on the `kubernetes` LB) is not an exposure; azure/aks-egress-bypass covers it. The remediation names the Service from the public IP's `k8s-azure-service` tag.",
    risk: 'A Service of type LoadBalancer (or a hand-made rule) publishes cluster workloads on the internet, bypassing the private network and the firewall.',
    remediation: TEMPLATE,
    references: [
      'https://learn.microsoft.com/azure/aks/internal-lb',
      'https://learn.microsoft.com/azure/aks/load-balancer-standard',
      'https://learn.microsoft.com/azure/aks/policy-reference',
    ],
    needs: ['azure.loadBalancers', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const publicIps = azureIndex.publicIpsById(ctx, inv.azure);
    for (const lb of inv.azure.loadBalancers) {
      const served = servedClusters(ctx, inv.azure, lb);
      const cluster = served[0];
      if (cluster === undefined) continue;
      // Rules by frontend, once per LB: a frontend's inbound rules without rescanning the rule lists.
      const inboundByFrontend = new Map<string, { rule: LoadBalancerRule; nat: boolean }[]>();
      for (const [rules, nat] of [[lb.loadBalancingRules, false], [lb.inboundNatRules, true]] as const) {
        for (const rule of rules) {
          for (const id of rule.frontendIpConfigurationIds) inboundByFrontend.set(lc(id), [...(inboundByFrontend.get(lc(id)) ?? []), { rule, nat }]);
        }
      }
      for (const fe of lb.frontends) {
        if (fe.publicIpAddressId === undefined) continue;
        const inbound = inboundByFrontend.get(lc(fe.id)) ?? [];
        if (inbound.length === 0) continue;
        const pip = publicIps.get(lc(fe.publicIpAddressId));
        const address = pip?.ipAddress ?? fe.publicIpAddressId;
        const services = pip ? kubernetesServices(pip) : [];
        const data = {
          clusterSubscription: cluster.subscriptionId,
          clusterResourceGroup: cluster.resourceGroup,
          cluster: cluster.name,
          publicIp: pip?.name ?? fe.publicIpAddressId,
          address,
          frontend: fe.name,
          ...(services[0] ? { namespace: services[0].namespace, service: services[0].service } : {}),
        };
        const remediation =
          services.length === 0
            ? fillTemplate(UNTAGGED, { ...data, deletes: deleteCommands(lb, inbound) })
            : services.length === 1
              ? TEMPLATE
              : `Make the Services sharing public IP {publicIp} internal: ${annotateInternal(cluster, services)}`;
        out.push(
          ctx.finding({
            scope: lb.scope,
            resource: ref(lb, 'Microsoft.Network/loadBalancers'),
            discriminator: fe.name,
            message: `load balancer ${where(lb)} has public frontend ${fe.name} (${address}) with ${inbound.length} inbound rule${inbound.length === 1 ? '' : 's'} (${inbound.map((r) => r.rule.name).join(', ')}), serving AKS cluster ${served.map((c) => c.name).join(', ')}${services.length > 0 ? `; it publishes Service ${services.map((s) => `${s.namespace}/${s.service}`).join(', ')}` : ''}`,
            evidence: { frontend: fe.name, publicIp: address, inboundRules: inbound.map((r) => r.rule.name).sort(), ...(services.length > 0 ? { services: services.map((s) => `${s.namespace}/${s.service}`) } : {}) },
            remediation,
            data,
          }),
        );
      }
    }
    return out;
  },
});
