import { isAnyAddress, tryParseCidr } from '../cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { KOPS_TYPE, kopsPrivateTopology, kopsRef, kopsWhere, lc } from './topology.js';

const UPDATE = 'kops update cluster --name {cluster} --state {stateStore} --yes';

export default defineRule({
  meta: {
    id: 'aws/kops-api-internal',
    title: 'kops API server is reachable only inside the network',
    severity: 'high',
    category: 'exposure',
    cloud: 'aws',
    resource: KOPS_TYPE,
    description:
      "Fires for a kops cluster whose API load balancer is Public (`spec.api.loadBalancer.type`): high when `kubernetesApiAccess` holds 0.0.0.0/0 or ::/0 or is absent (the kops default), medium when it lists other ranges or prefix lists. Also fires (medium) for a private topology whose API is published by `spec.api.dns` in a public DNS zone (`topology.dns.type` not Private): the public name resolves to the control plane's private addresses. A spec with neither an API load balancer nor `api.dns` leaves the scope undecided.",
    risk: 'The Kubernetes API of a cluster whose instances sit in private subnets is still published on the internet (or its private addresses in public DNS): credential leaks and API server vulnerabilities are exploitable from outside.',
    remediation: `kops edit cluster --name {cluster} --state {stateStore} --set spec.api.loadBalancer.type=Internal && ${UPDATE}`,
    references: ['https://kops.sigs.k8s.io/cluster_spec/#api', 'https://kops.sigs.k8s.io/topology/'],
    needs: ['aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const cluster of inv.aws.kopsClusters) {
      const data = { cluster: cluster.name, stateStore: cluster.stateStore };
      const lbType = cluster.apiLoadBalancerType;
      if (lbType !== undefined && lc(lbType) === 'public') {
        const access = cluster.kubernetesApiAccess ?? [];
        const open = access.length === 0 ? ['0.0.0.0/0 (kubernetesApiAccess not set: the kops default)'] : access.filter((a) => {
          const cidr = tryParseCidr(a);
          return cidr !== undefined && isAnyAddress(cidr);
        });
        out.push(
          ctx.finding({
            scope: cluster.scope,
            resource: kopsRef(cluster),
            severity: open.length > 0 ? 'high' : 'medium',
            message: `${kopsWhere(cluster)} has a Public API load balancer (spec.api.loadBalancer.type Public), ${open.length > 0 ? `open to ${open.join(', ')}` : `limited to ${access.join(', ')}`}`,
            evidence: { apiLoadBalancerType: lbType, kubernetesApiAccess: access.length > 0 ? access : ['0.0.0.0/0', '::/0'] },
            data,
          }),
        );
        continue;
      }
      if (lbType !== undefined) continue;
      if (!cluster.apiDns) {
        out.push(ctx.undecided(cluster.scope, `kops cluster ${cluster.name}: spec.api has neither loadBalancer nor dns`));
        continue;
      }
      if (!kopsPrivateTopology(cluster) || lc(cluster.dnsType ?? 'public') !== 'public') continue;
      out.push(
        ctx.finding({
          scope: cluster.scope,
          resource: kopsRef(cluster),
          severity: 'medium',
          message: `${kopsWhere(cluster)} has a private topology but publishes its API through spec.api.dns in the public zone ${cluster.dnsZone ?? '(dnsZone)'}: the public name api.${cluster.name} resolves to the control plane's private addresses`,
          evidence: { apiDns: true, dnsType: cluster.dnsType ?? 'Public' },
          remediation: `kops edit cluster --name {cluster} --state {stateStore} --unset spec.api.dns --set spec.api.loadBalancer.type=Internal --set spec.api.loadBalancer.class=Network && ${UPDATE}`,
          data,
        }),
      );
    }
    return out;
  },
});
