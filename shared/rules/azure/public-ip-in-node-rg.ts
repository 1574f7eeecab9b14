import { parseArmId } from '../../util/arm-id.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { clustersByNodeRg, nodeRgClusters, ref, where } from './topology.js';

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
  };
  const kind = (type && kinds[type]) ?? type ?? 'resource';
  return `${kind} \`${owner}\`${child ? ` (${child})` : ''}`;
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
      "Fires (high) for every public IP address in an AKS cluster's node resource group, whether attached (to a load balancer frontend, a node NIC, ...) or orphaned; the evidence says which and to what.",
    risk: 'An attached public IP is a door to or from the internet that the private design does not expect (a public Service, node public IPs, load-balancer egress); an orphaned one is billed every hour for nothing and is re-used by the next public Service.',
    remediation:
      'Find what uses it (az network public-ip show --ids <id> --query ipConfiguration.id); remove the public Service or node pool setting that created it, switch egress to userDefinedRouting, and delete orphans: az network public-ip delete --ids <id>',
    references: [
      'https://learn.microsoft.com/azure/aks/internal-lb',
      'https://learn.microsoft.com/azure/aks/egress-outboundtype',
      'https://learn.microsoft.com/azure/virtual-network/ip-services/public-ip-addresses',
    ],
    needs: ['azure.publicIps', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const byNodeRg = clustersByNodeRg(inv.azure.clusters);
    for (const pip of inv.azure.publicIps) {
      const cluster = nodeRgClusters(byNodeRg, pip)[0];
      if (!cluster) continue;
      const address = pip.ipAddress ?? '(no address allocated)';
      const state = pip.ipConfigurationId ? `attached to ${describeAttachment(pip.ipConfigurationId)}` : 'orphaned (attached to nothing)';
      out.push(
        ctx.finding({
          scope: pip.scope,
          resource: ref(pip, 'Microsoft.Network/publicIPAddresses'),
          message: `public IP ${where(pip)} (${address}) is in the node resource group of AKS cluster \`${cluster.name}\`: ${state}`,
          evidence: { ipAddress: pip.ipAddress ?? null, attached: pip.ipConfigurationId !== undefined, ipConfigurationId: pip.ipConfigurationId ?? null },
        }),
      );
    }
    return out;
  },
});
