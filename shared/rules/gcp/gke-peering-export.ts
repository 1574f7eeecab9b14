import { defineRule, type RuleOutput } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, clusterWhere, networkGap, networksByKey, placeIn } from './topology.js';

export default defineRule({
  meta: {
    id: 'gcp/gke-peering-export',
    title: 'GKE control-plane peering exports custom routes',
    severity: 'high',
    category: 'reachability',
    cloud: 'gcp',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each VPC-peering GKE cluster (non-empty `privateClusterConfig.peeringName`) whose `gke-…-peer` peering on the cluster's network (the Shared VPC host's, for a service-project cluster) does not export custom routes, or is missing from that network. Private Service Connect clusters (no peering name) need no export. Undecided when the network's project is not audited, its networks could not be read, or the network is not in the inventory.",
    risk: 'Without custom-route export the Google-managed control-plane VPC learns no route back to on-prem (VPN / Interconnect routes are custom routes), so kubectl from the corporate network times out.',
    remediation: 'gcloud compute networks peerings update {peering} --network={network} --project={networkProject} --export-custom-routes',
    references: [
      'https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#cp-on-prem-routing',
      'https://cloud.google.com/vpc/docs/vpc-peering#importing-exporting-routes',
    ],
    needs: ['gcp.clusters', 'gcp.networks'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const networks = networksByKey(ctx, inv.gcp);
    for (const c of inv.gcp.clusters) {
      const peeringName = c.peeringName?.trim() ?? '';
      if (peeringName === '') continue;
      const gap = networkGap(ctx, c, ['gcp.networks']);
      if (gap !== undefined) {
        out.push(ctx.undecided(c.scope, gap));
        continue;
      }
      const place = placeIn(ctx, c);
      const network = networks.get(place.networkKey);
      if (!network) {
        out.push(ctx.undecided(c.scope, `GKE cluster ${place.project}/${place.cluster}: network ${place.networkProject}/${place.network} is not in the inventory`));
        continue;
      }
      const peering = network.peerings.find((p) => p.name === peeringName);
      if (peering?.exportCustomRoutes === true) continue;
      out.push(
        clusterFinding(ctx, c, {
          message: peering
            ? `GKE cluster ${clusterWhere(c)}: control-plane peering ${peeringName} on network ${place.network} (project ${place.networkProject}) does not export custom routes, so on-prem routes never reach the control plane`
            : `GKE cluster ${clusterWhere(c)}: control-plane peering ${peeringName} is missing from network ${place.network} (project ${place.networkProject})`,
          evidence: { peeringName, network: network.selfLink, peering: peering ?? null },
          data: { peering: peeringName },
        }),
      );
    }
    return out;
  },
});
