import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, clusterWhere, hasPrivateNodes, publicNodePools } from './topology.js';

const POOL_FIX = 'gcloud container node-pools update {pool} --cluster={cluster} --location={location} --project={project} --enable-private-nodes';

export default defineRule({
  meta: {
    id: 'gcp/gke-private-nodes',
    title: 'GKE nodes are private',
    severity: 'high',
    category: 'exposure',
    cloud: 'gcp',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each GKE cluster with nodes that get external IPs: the cluster's private nodes are off (`privateClusterConfig.enablePrivateNodes` and `networkConfig.defaultEnablePrivateNodes` both unset) and no node pool turns them on, or a node pool overrides a private cluster with `networkConfig.enablePrivateNodes: false`.",
    risk: 'Nodes with external IPs are reachable from the internet (subject only to firewall rules) and egress around the corporate proxy or firewall, breaking the private estate.',
    remediation: 'gcloud container clusters update {cluster} --location={location} --project={project} --enable-private-nodes',
    references: [
      'https://cloud.google.com/kubernetes-engine/docs/how-to/latest/network-isolation',
      'https://cloud.google.com/kubernetes-engine/docs/concepts/private-cluster-concept',
    ],
    needs: ['gcp.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.gcp.clusters.flatMap((c) => {
      const pools = publicNodePools(c);
      if (!hasPrivateNodes(c)) {
        const which = pools.length > 0 ? `; node pools ${pools.join(', ')} have no private nodes` : '';
        return [
          clusterFinding(ctx, c, {
            message: `GKE cluster ${clusterWhere(c)} has public nodes: private nodes are off (enablePrivateNodes / defaultEnablePrivateNodes false)${which}`,
            evidence: { privateNodes: c.privateNodes, publicNodePools: pools },
          }),
        ];
      }
      if (pools.length === 0) return [];
      return [
        clusterFinding(ctx, c, {
          message: `GKE cluster ${clusterWhere(c)} is private, but node pool${pools.length === 1 ? '' : 's'} ${pools.join(', ')} override${pools.length === 1 ? 's' : ''} it with enablePrivateNodes false: those nodes get external IPs`,
          evidence: { privateNodes: c.privateNodes, publicNodePools: pools },
          remediation: pools.map((pool) => POOL_FIX.replace('{pool}', pool)).join(' && '),
        }),
      ];
    });
  },
});
