import { sameId } from '../../util/props.js';
import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, inNodeResourceGroup, lc, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/aks-egress-bypass',
    title: 'AKS egress goes through the firewall',
    severity: 'high',
    category: 'egress',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each AKS cluster whose `networkProfile.outboundType` is `loadBalancer` or absent (the API default): nodes egress through a public IP on the cluster's `kubernetes` load balancer. The message names those outbound IPs when the LB is in the inventory.",
    risk: 'Egress leaves straight to the internet through a public IP, bypassing the Azure Firewall or proxy the private estate relies on: no filtering, no logging, and a data-exfiltration path.',
    remediation:
      'Route egress through the firewall: create a route table with 0.0.0.0/0 to the firewall private IP on the node subnet, then az aks update -g <rg> -n <cluster> --outbound-type userDefinedRouting (or managedNATGateway / userAssignedNATGateway behind the firewall).',
    references: [
      'https://learn.microsoft.com/azure/aks/egress-outboundtype',
      'https://learn.microsoft.com/azure/aks/limit-egress-traffic',
    ],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters
      .filter((c) => c.outboundType === undefined || lc(c.outboundType) === 'loadbalancer')
      .map((c) => {
        // Public IPs behind the outbound rules of the cluster's LBs: what the traffic leaves as.
        const egressIps: string[] = [];
        for (const lb of inv.azure.loadBalancers.filter((l) => inNodeResourceGroup(l, c))) {
          for (const rule of lb.outboundRules) {
            for (const feId of rule.frontendIpConfigurationIds) {
              const fe = lb.frontends.find((f) => sameId(f.id, feId));
              if (!fe?.publicIpAddressId) continue;
              const pip = inv.azure.publicIps.find((p) => sameId(p.id, fe.publicIpAddressId));
              egressIps.push(pip?.ipAddress ?? fe.publicIpAddressId);
            }
          }
        }
        const via = egressIps.length > 0 ? ` via public IP ${egressIps.join(', ')}` : ' via a public IP on its load balancer';
        return clusterFinding(ctx, c, {
          message: `AKS cluster ${where(c)} egresses to the internet${via}, bypassing the firewall (outboundType ${c.outboundType ?? 'not set, defaults to loadBalancer'})`,
          evidence: { outboundType: c.outboundType ?? 'loadBalancer', ...(c.outboundType === undefined ? { defaulted: true } : {}), ...(egressIps.length > 0 ? { egressIps: egressIps.sort() } : {}) },
        });
      });
  },
});
