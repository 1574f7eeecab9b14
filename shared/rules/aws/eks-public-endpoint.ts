import { isAnyAddress, tryParseCidr } from '../cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { EKS_TYPE, ref, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'aws/eks-public-endpoint',
    title: 'EKS API server has no public endpoint',
    severity: 'high',
    category: 'exposure',
    cloud: 'aws',
    resource: EKS_TYPE,
    description:
      'Fires for each EKS cluster with `endpointPublicAccess` on (an old cluster without the field has it on). High when `publicAccessCidrs` holds 0.0.0.0/0 or ::/0, or is absent or empty (the API then defaults to 0.0.0.0/0); medium when the public endpoint is limited to other ranges. A range that cannot be parsed leaves the cluster undecided unless another range is already open to the world.',
    risk: 'The Kubernetes API of a private estate answers on the internet: every credential leak or API server vulnerability is exploitable from anywhere the ranges allow, and traffic from on-prem may leave through the public path.',
    remediation: 'aws eks update-cluster-config --region {region} --name {cluster} --resources-vpc-config {vpcConfig}',
    references: [
      'https://docs.aws.amazon.com/eks/latest/userguide/cluster-endpoint.html',
      'https://docs.aws.amazon.com/eks/latest/APIReference/API_VpcConfigResponse.html',
    ],
    needs: ['aws.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const c of inv.aws.clusters) {
      if (!c.endpointPublicAccess) continue;
      const cidrs = c.publicAccessCidrs.length === 0 ? ['0.0.0.0/0'] : c.publicAccessCidrs;
      const parsed = cidrs.map((text) => ({ text, cidr: tryParseCidr(text) }));
      const open = parsed.filter((p) => p.cidr !== undefined && isAnyAddress(p.cidr)).map((p) => p.text);
      const unparsed = parsed.filter((p) => p.cidr === undefined).map((p) => p.text);
      if (open.length === 0 && unparsed.length > 0) {
        out.push(ctx.undecided(c.scope, `EKS cluster ${c.name}: publicAccessCidrs entry ${JSON.stringify(unparsed[0])} is not a CIDR block`));
        continue;
      }
      const defaulted = c.publicAccessCidrs.length === 0;
      const exposure = open.length > 0 ? `open to ${open.join(', ')}${defaulted ? ' (publicAccessCidrs not set: the API default)' : ''}` : `limited to ${cidrs.join(', ')}`;
      // Turning the public endpoint off without the private one would lock everyone out.
      const vpcConfig = c.endpointPrivateAccess ? 'endpointPublicAccess=false' : 'endpointPublicAccess=false,endpointPrivateAccess=true';
      out.push(
        ctx.finding({
          scope: c.scope,
          resource: ref(c, EKS_TYPE),
          severity: open.length > 0 ? 'high' : 'medium',
          message: `EKS cluster ${where(c)} has its public API endpoint on, ${exposure}; private endpoint ${c.endpointPrivateAccess ? 'on' : 'off'}`,
          evidence: { endpointPublicAccess: true, endpointPrivateAccess: c.endpointPrivateAccess, publicAccessCidrs: cidrs },
          data: { region: c.region, cluster: c.name, vpcConfig },
        }),
      );
    }
    return out;
  },
});
