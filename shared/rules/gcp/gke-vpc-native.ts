import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, clusterWhere } from './topology.js';

const REMEDIATION =
  'gcloud container clusters create {cluster}-vpc-native --location={location} --project={project} --network={networkPath} --subnetwork={subnetworkPath} --enable-ip-alias --enable-private-nodes (then move the workloads and delete {cluster})';

export default defineRule({
  meta: {
    id: 'gcp/gke-vpc-native',
    title: 'GKE cluster is VPC-native',
    severity: 'medium',
    category: 'reachability',
    cloud: 'gcp',
    resource: CLUSTER_TYPE,
    description: 'Fires (medium) for each GKE cluster that is routes-based (`ipAllocationPolicy.useIpAliases` not true) instead of VPC-native (alias IPs).',
    risk: 'Routes-based clusters put pod ranges in custom static routes instead of subnet secondary ranges: they are not exported over VPC peering or advertised as subnets to on-prem, count against route quotas, and cannot use private control-plane features that need alias IPs. It cannot be changed in place.',
    remediation: REMEDIATION,
    references: ['https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips'],
    needs: ['gcp.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.gcp.clusters
      .filter((c) => !c.vpcNative)
      .map((c) =>
        clusterFinding(ctx, c, {
          message: `GKE cluster ${clusterWhere(c)} is routes-based, not VPC-native (useIpAliases false)${c.clusterIpv4Cidr ? `; pod range ${c.clusterIpv4Cidr} lives in custom routes` : ''}`,
          evidence: { vpcNative: false, ...(c.clusterIpv4Cidr ? { clusterIpv4Cidr: c.clusterIpv4Cidr } : {}), ...(c.servicesIpv4Cidr ? { servicesIpv4Cidr: c.servicesIpv4Cidr } : {}) },
          data: { networkPath: c.network, subnetworkPath: c.subnetwork ?? '' },
          // Without a known subnetwork the new cluster lets GKE pick (or create) one.
          ...(c.subnetwork ? {} : { remediation: REMEDIATION.replace(' --subnetwork={subnetworkPath}', '') }),
        }),
      );
  },
});
