import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { KOPS_TYPE, kopsPrivateTopology, kopsRef, kopsWhere, lc } from './topology.js';

export default defineRule({
  meta: {
    id: 'aws/kops-networking',
    title: 'kops private topology uses a CNI, not kubenet',
    severity: 'high',
    category: 'reachability',
    cloud: 'aws',
    resource: KOPS_TYPE,
    description:
      'Fires (high) for a kops cluster with a private topology (Private subnets, or `topology.masters`/`nodes: private`) and `spec.networking.kubenet`. kops refuses the combination: kubenet programs pod routes into one VPC route table, while a private topology has one per zone. A private cluster whose spec names no networking plugin leaves the scope undecided.',
    risk: 'Pods on different nodes cannot reach each other across zones, and `kops update cluster` rejects the spec, so the cluster can no longer be changed or upgraded.',
    remediation:
      'kops edit cluster --name {cluster} --state {stateStore} --unset spec.networking.kubenet --set spec.networking.calico.encapsulationMode=ipip && kops update cluster --name {cluster} --state {stateStore} --yes && kops rolling-update cluster --name {cluster} --state {stateStore} --cloudonly --yes',
    references: ['https://kops.sigs.k8s.io/networking/', 'https://kops.sigs.k8s.io/topology/'],
    needs: ['aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const cluster of inv.aws.kopsClusters) {
      if (!kopsPrivateTopology(cluster)) continue;
      if (cluster.networking === undefined) {
        out.push(ctx.undecided(cluster.scope, `kops cluster ${cluster.name}: spec.networking names no plugin`));
        continue;
      }
      if (lc(cluster.networking) !== 'kubenet') continue;
      const privateSubnets = cluster.subnets.filter((s) => lc(s.type ?? '') === 'private').map((s) => s.name);
      out.push(
        ctx.finding({
          scope: cluster.scope,
          resource: kopsRef(cluster),
          message: `${kopsWhere(cluster)} uses kubenet networking with a private topology (${privateSubnets.length > 0 ? `Private subnets ${privateSubnets.join(', ')}` : 'topology private'}), which kops rejects`,
          evidence: { networking: cluster.networking, privateSubnets },
          data: { cluster: cluster.name, stateStore: cluster.stateStore },
        }),
      );
    }
    return out;
  },
});
