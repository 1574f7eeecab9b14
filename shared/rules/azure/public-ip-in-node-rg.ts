import type { AksCluster, AzureInventory, PublicIpAddress } from '../../model/inventory/azure.js';
import { parseArmId } from '../../util/arm-id.js';
import type { RuleContext, RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { annotateInternal, kubernetesServices, lc, nodeRgClusters, ref, where } from './topology.js';

/** "NIC `n1` ip configuration `ipconfig1`" from an ipConfiguration id. */
function describeAttachment(ipConfigurationId: string): string {
  const parts = parseArmId(ipConfigurationId);
  if (!parts) return ipConfigurationId;
  const [type, child] = [parts.types[0]?.toLowerCase(), parts.names[1]];
  const owner = parts.names[0] ?? '?';
  const kinds: Record<string, string> = {
    loadbalancers: 'load balancer',
    networkinterfaces: 'network interface',
    bastionhosts: 'Bastion host',
    azurefirewalls: 'firewall',
    virtualnetworkgateways: 'virtual network gateway',
    natgateways: 'NAT gateway',
    virtualmachinescalesets: 'node scale set',
  };
  const kind = (type && kinds[type]) ?? type ?? 'resource';
  return `${kind} \`${owner}\`${child ? ` (${child})` : ''}`;
}

const DELETE = 'az network public-ip delete --subscription {subscription} -g {resourceGroup} -n {publicIp}';

const TEMPLATE = `Find what uses it (az network public-ip show --subscription {subscription} -g {resourceGroup} -n {publicIp} --query ipConfiguration.id -o tsv) and remove that use (a public Service, node public IPs, load-balancer egress); delete it once orphaned: ${DELETE}`;

/** Frontends (lower-cased ids) that serve inbound rules, a published Service, rather than only outbound ones (egress). */
function inboundFrontends(ctx: RuleContext, inv: AzureInventory): Set<string> {
  return ctx.memo('azure.inboundFrontendIds', () => new Set(inv.loadBalancers.flatMap((lb) => [...lb.loadBalancingRules, ...lb.inboundNatRules].flatMap((r) => r.frontendIpConfigurationIds.map(lc)))));
}

const UNTAGGED_SERVICE =
  'It is the frontend of inbound load-balancer rules (see azure/lb-public-frontend) and carries no k8s-azure-service tag: find the Service that owns it (az aks get-credentials --subscription {clusterSubscription} -g {clusterResourceGroup} -n {cluster} && kubectl get services -A -o wide | grep -w {address}) and annotate it with service.beta.kubernetes.io/azure-load-balancer-internal=true; AKS then releases the IP.';

/** The fix for what the IP is actually attached to, as the evidence shows it. */
function remediationFor(pip: PublicIpAddress, cluster: AksCluster, inbound: boolean): string {
  const services = kubernetesServices(pip);
  if (pip.ipConfigurationId === undefined) {
    return `Nothing uses it (cloud-provider-azure may hand it to the next public Service${services.length > 0 ? ` of ${services.map((s) => `${s.namespace}/${s.service}`).join(', ')}` : ''}): ${DELETE}`;
  }
  if (services.length > 0) return `It publishes Service ${services.map((s) => `${s.namespace}/${s.service}`).join(', ')}: make it internal and AKS releases the IP: ${annotateInternal(cluster, services)}`;
  const type = parseArmId(pip.ipConfigurationId)?.types[0]?.toLowerCase();
  const egress = cluster.outboundType === undefined || lc(cluster.outboundType) === 'loadbalancer';
  if (type === 'loadbalancers' && inbound) return UNTAGGED_SERVICE;
  if (type === 'loadbalancers' && egress) {
    return 'It is the egress IP of the cluster load balancer: route egress through the firewall and switch the outbound type (see azure/aks-egress-bypass): az aks update --subscription {clusterSubscription} -g {clusterResourceGroup} -n {cluster} --outbound-type userDefinedRouting; AKS then removes it.';
  }
  if (type === 'networkinterfaces' || type === 'virtualmachinescalesets') {
    return 'It is a node public IP: replace the node pool that has enableNodePublicIP with one without it (see azure/aks-node-public-ip): az aks nodepool list --subscription {clusterSubscription} -g {clusterResourceGroup} --cluster-name {cluster} --query "[?enableNodePublicIp].name" -o tsv';
  }
  return TEMPLATE;
}

export default defineRule({
  meta: {
    id: 'azure/public-ip-in-node-rg',
    title: "No public IP in a cluster's node resource group",
    severity: 'high',
    category: 'exposure',
    cloud: 'azure',
    resource: 'Microsoft.Network/publicIPAddresses',
    description:
      "Fires (high) for every public IP address in an AKS cluster's node resource group, whether attached (to a load balancer frontend, a node NIC, ...) or orphaned; the evidence says which and to what, and the Kubernetes Service from the IP's `k8s-azure-service` tag.",
    risk: 'An attached public IP is a door to or from the internet that the private design does not expect (a public Service, node public IPs, load-balancer egress); an orphaned one is billed every hour for nothing and is re-used by the next public Service.',
    remediation: TEMPLATE,
    references: [
      'https://learn.microsoft.com/azure/aks/internal-lb',
      'https://learn.microsoft.com/azure/aks/egress-outboundtype',
      'https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses',
    ],
    needs: ['azure.publicIps', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const pip of inv.azure.publicIps) {
      const cluster = nodeRgClusters(ctx, inv.azure, pip)[0];
      if (!cluster) continue;
      const address = pip.ipAddress ?? '(no address allocated)';
      const state = pip.ipConfigurationId ? `attached to ${describeAttachment(pip.ipConfigurationId)}` : 'orphaned (attached to nothing)';
      const services = kubernetesServices(pip).map((s) => `${s.namespace}/${s.service}`);
      out.push(
        ctx.finding({
          scope: pip.scope,
          resource: ref(pip, 'Microsoft.Network/publicIPAddresses'),
          message: `public IP ${where(pip)} (${address}) is in the node resource group of AKS cluster \`${cluster.name}\`: ${state}${services.length > 0 ? `, created for Service ${services.join(', ')}` : ''}`,
          evidence: { ipAddress: pip.ipAddress ?? null, attached: pip.ipConfigurationId !== undefined, ipConfigurationId: pip.ipConfigurationId ?? null, ...(services.length > 0 ? { services } : {}) },
          remediation: remediationFor(pip, cluster, pip.ipConfigurationId !== undefined && inboundFrontends(ctx, inv.azure).has(lc(pip.ipConfigurationId))),
          data: {
            subscription: pip.subscriptionId,
            resourceGroup: pip.resourceGroup,
            publicIp: pip.name,
            address,
            clusterSubscription: cluster.subscriptionId,
            clusterResourceGroup: cluster.resourceGroup,
            cluster: cluster.name,
          },
        }),
      );
    }
    return out;
  },
});
