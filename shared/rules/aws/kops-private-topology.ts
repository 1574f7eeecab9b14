import type { KopsCluster, KopsInstanceGroup } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { isClusterRole, KOPS_TYPE, kopsRef, kopsSubnetPlacement, kopsWhere, lc } from './topology.js';

const PUBLIC_PLACEMENTS = new Set(['public', 'utility']);

/** The fix: move the group to the cluster's Private subnets in the same zones, or add them first. */
function fixFor(cluster: KopsCluster, ig: KopsInstanceGroup, publicSubnets: string[]): { remediation: string; data: Record<string, string> } {
  const zones = new Set(cluster.subnets.filter((s) => publicSubnets.includes(s.name)).map((s) => s.zone).filter((z): z is string => z !== undefined));
  const privates = cluster.subnets.filter((s) => lc(s.type ?? '') === 'private' && (zones.size === 0 || (s.zone !== undefined && zones.has(s.zone)))).map((s) => s.name);
  const base = { cluster: cluster.name, stateStore: cluster.stateStore, ig: ig.name };
  const rollout = 'kops update cluster --name {cluster} --state {stateStore} --yes && kops rolling-update cluster --name {cluster} --state {stateStore} --instance-group {ig} --yes';
  if (privates.length > 0) {
    return { remediation: `kops edit instancegroup {ig} --name {cluster} --state {stateStore} --set spec.subnets={privateSubnets} && ${rollout}`, data: { ...base, privateSubnets: privates.join(',') } };
  }
  const zoneList = [...zones].sort().join(', ') || 'the cluster';
  return {
    remediation: `kops edit cluster --name {cluster} --state {stateStore} (add a subnet of type Private, with egress, in each of {zones}, and keep Public/Utility subnets for load balancers only), then kops edit instancegroup {ig} --name {cluster} --state {stateStore} and list those Private subnets under spec.subnets, then ${rollout}`,
    data: { ...base, zones: zoneList },
  };
}

export default defineRule({
  meta: {
    id: 'aws/kops-private-topology',
    title: 'kops control plane and nodes run in private subnets',
    severity: 'high',
    category: 'exposure',
    cloud: 'aws',
    resource: KOPS_TYPE,
    description:
      'Fires (high) for each control-plane, API-server or node instance group of a kops cluster that is placed in a Public or Utility subnet (`spec.subnets[].type`), or, in older specs without subnet types, whose role is public under `spec.topology.masters` / `spec.topology.nodes`. Bastions belong in Utility subnets and are not judged. A group naming a subnet the spec does not define leaves the scope undecided.',
    risk: 'Control-plane and node instances get public addresses and an internet gateway route: the kubelet, etcd and API ports are one security-group mistake away from the internet.',
    remediation: 'kops edit instancegroup {ig} --name {cluster} --state {stateStore} --set spec.subnets={privateSubnets} && kops update cluster --name {cluster} --state {stateStore} --yes && kops rolling-update cluster --name {cluster} --state {stateStore} --instance-group {ig} --yes',
    references: ['https://kops.sigs.k8s.io/topology/', 'https://kops.sigs.k8s.io/networking/#supported-networking-options'],
    needs: ['aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    for (const cluster of inv.aws.kopsClusters) {
      const subnets = new Map(cluster.subnets.map((s) => [s.name, s]));
      let undecided: string | undefined;
      for (const ig of cluster.instanceGroups) {
        if (!isClusterRole(ig.role)) continue;
        const publicSubnets: string[] = [];
        let unknown: string | undefined;
        for (const name of ig.subnets) {
          const placement = kopsSubnetPlacement(cluster, subnets.get(name), ig.role);
          if (placement === undefined) unknown = name;
          else if (PUBLIC_PLACEMENTS.has(placement)) publicSubnets.push(name);
        }
        if (publicSubnets.length === 0) {
          if (unknown !== undefined) undecided ??= `kops cluster ${cluster.name}: instance group ${ig.name} uses subnet ${unknown}, which has no type in the spec`;
          continue;
        }
        const described = publicSubnets.map((n) => `${n} (${subnets.get(n)?.type ?? `topology ${ig.role} public`})`);
        out.push(
          ctx.finding({
            scope: cluster.scope,
            resource: kopsRef(cluster),
            discriminator: ig.name,
            message: `${kopsWhere(cluster)}: ${ig.role} instance group ${ig.name} runs in public subnet${publicSubnets.length === 1 ? '' : 's'} ${described.join(', ')}${ig.associatePublicIp ? ' with associatePublicIp true' : ''}`,
            evidence: { instanceGroup: ig.name, role: ig.role, publicSubnets },
            ...fixFor(cluster, ig, publicSubnets),
          }),
        );
      }
      if (undecided !== undefined) out.push(ctx.undecided(cluster.scope, undecided));
    }
    return out;
  },
});
