import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { EKS_TYPE, ref, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'aws/eks-private-endpoint',
    title: 'EKS API server has a private endpoint',
    severity: 'high',
    category: 'reachability',
    cloud: 'aws',
    resource: EKS_TYPE,
    description:
      'Fires (high) for each EKS cluster with `endpointPrivateAccess` off (an old cluster without the field has it off). Nodes then reach the API server through its public endpoint, and on-prem clients over Direct Connect or VPN cannot reach it at all.',
    risk: 'Without the private endpoint the cluster only works while the public endpoint is open: nodes and kubectl from on-prem cross the internet, and closing the public endpoint would cut the cluster off.',
    remediation: 'aws eks update-cluster-config --region {region} --name {cluster} --resources-vpc-config endpointPrivateAccess=true',
    references: ['https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html'],
    needs: ['aws.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const c of inv.aws.clusters) {
      if (c.endpointPrivateAccess) continue;
      out.push(
        ctx.finding({
          scope: c.scope,
          resource: ref(c, EKS_TYPE),
          message: `EKS cluster ${where(c)} has no private API endpoint (endpointPrivateAccess false); public endpoint ${c.endpointPublicAccess ? `on (${(c.publicAccessCidrs.length > 0 ? c.publicAccessCidrs : ['0.0.0.0/0']).join(', ')})` : 'off'}`,
          evidence: { endpointPrivateAccess: false, endpointPublicAccess: c.endpointPublicAccess },
          data: { region: c.region, cluster: c.name },
        }),
      );
    }
    return out;
  },
});
