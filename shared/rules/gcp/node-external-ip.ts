import { defineRule } from '../kit.js';
import { clustersByProjectName, INSTANCE_TYPE, lastSegment, regionOf, resourcePath } from './topology.js';

const POOL_FIX = 'gcloud container node-pools update {pool} --cluster={cluster} --location={location} --project={project} --enable-private-nodes';

export default defineRule({
  meta: {
    id: 'gcp/node-external-ip',
    title: 'GKE nodes have no external IP',
    severity: 'high',
    category: 'exposure',
    cloud: 'gcp',
    resource: INSTANCE_TYPE,
    description:
      'Fires (high) for each GKE node (an instance labelled `goog-k8s-cluster-name`) with an external IP on any network interface (`accessConfigs[].natIP`), whether the pool was created public or the address was attached by hand.',
    risk: "The node is addressable from the internet (only firewall rules stand between it and the world) and can egress around the corporate firewall or proxy.",
    remediation: 'gcloud container clusters update {cluster} --location={location} --project={project} --enable-private-nodes',
    references: ['https://cloud.google.com/kubernetes-engine/docs/how-to/latest/network-isolation', 'https://cloud.google.com/compute/docs/ip-addresses/reserve-static-external-ip-address#IP_assign'],
    needs: ['gcp.instances'],
  },
  evaluate(inv, ctx) {
    const clusters = clustersByProjectName(ctx, inv.gcp);
    return inv.gcp.instances.flatMap((i) => {
      const clusterName = i.clusterName ?? i.labels['goog-k8s-cluster-name'];
      if (clusterName === undefined) return [];
      const external = i.networkInterfaces.filter((n) => n.externalIps.length > 0);
      if (external.length === 0) return [];
      const zone = lastSegment(i.zone);
      // The location label names the cluster among same-named clusters; without it, the cluster record; else the node's region.
      const candidates = clusters.get(`${i.projectId}/${clusterName}`.toLowerCase()) ?? [];
      const label = i.labels['goog-k8s-cluster-location'];
      const cluster = candidates.find((c) => c.location === label) ?? (candidates.length === 1 ? candidates[0] : undefined);
      const location = label ?? cluster?.location ?? regionOf(zone);
      const pool = i.labels['goog-k8s-node-pool-name'];
      const ips = external.map((n) => `${n.externalIps.join(', ')} on network ${lastSegment(n.network)}`);
      return [
        ctx.finding({
          scope: i.scope,
          resource: { id: resourcePath(i.id), type: INSTANCE_TYPE, name: i.name },
          message: `GKE node \`${i.name}\` (project ${i.projectId}, zone ${zone}, region ${regionOf(zone)}) of cluster ${clusterName}${pool ? `, node pool ${pool}` : ''} has external IP ${ips.join('; ')}`,
          evidence: { externalIps: external.flatMap((n) => n.externalIps), networks: external.map((n) => n.network), cluster: clusterName, ...(pool ? { nodePool: pool } : {}) },
          data: { cluster: clusterName, location, project: i.projectId, ...(pool ? { pool } : {}) },
          ...(pool ? { remediation: POOL_FIX } : {}),
        }),
      ];
    });
  },
});
