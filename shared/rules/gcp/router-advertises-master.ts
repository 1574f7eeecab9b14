import type { CloudRouter } from '../../model/inventory/gcp.js';
import { contains, tryParseCidr, type Cidr } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, clusterWhere, lastSegment, networkGap, placeIn, routersByNetworkRegion } from './topology.js';

const ADD_RANGE = 'gcloud compute routers update {router} --region={region} --project={networkProject} --add-advertisement-ranges={masterCidr}';
const TO_CUSTOM = 'gcloud compute routers update {router} --region={region} --project={networkProject} --advertisement-mode=CUSTOM --set-advertisement-groups=ALL_SUBNETS --set-advertisement-ranges={masterCidr}';
const CREATE =
  'gcloud compute routers create cr-onprem-{region} --network={network} --region={region} --project={networkProject} --asn=64514 --advertisement-mode=CUSTOM --set-advertisement-groups=ALL_SUBNETS --set-advertisement-ranges={masterCidr} (then add the VPN / Interconnect BGP peers)';

/** What each BGP session of a router advertises: a CUSTOM peer its own ranges, else the router's (DEFAULT: subnets only). */
function sessions(r: CloudRouter): { peer: string; mode: string; ranges: string[] }[] {
  return r.bgpPeers.map((p) =>
    p.advertiseMode === 'CUSTOM' ? { peer: p.name, mode: 'CUSTOM', ranges: p.advertisedIpRanges ?? [] } : { peer: p.name, mode: r.advertiseMode || 'DEFAULT', ranges: r.advertiseMode === 'CUSTOM' ? r.advertisedIpRanges : [] },
  );
}

export default defineRule({
  meta: {
    id: 'gcp/router-advertises-master',
    title: "Cloud Router advertises the GKE control-plane range to on-prem",
    severity: 'high',
    category: 'reachability',
    cloud: 'gcp',
    resource: CLUSTER_TYPE,
    description:
      "Fires (high) for each GKE cluster with a control-plane range (`privateClusterConfig.masterIpv4CidrBlock`) when no BGP session of a Cloud Router in the cluster's network (the Shared VPC host's, for a service-project cluster) and region advertises a custom range containing it. DEFAULT advertisement mode advertises subnets only, never the control-plane range; a bare address counts as /32; a peer with its own CUSTOM advertisements is judged by those. Undecided when the network's project is not audited or its routers could not be read, and for a range that is not a CIDR.",
    risk: 'On-prem has no route to the control plane: kubectl and CI/CD from the corporate network time out even though the cluster is private and peered correctly.',
    remediation: ADD_RANGE,
    references: [
      'https://cloud.google.com/kubernetes-engine/docs/how-to/private-clusters#cp-on-prem-routing',
      'https://cloud.google.com/network-connectivity/docs/router/how-to/advertising-custom-ip',
    ],
    needs: ['gcp.clusters', 'gcp.routers'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const byNetworkRegion = routersByNetworkRegion(ctx, inv.gcp);
    for (const c of inv.gcp.clusters) {
      const masterCidr = c.masterIpv4CidrBlock?.trim() ?? '';
      if (masterCidr === '') continue;
      const master = tryParseCidr(masterCidr);
      if (!master) {
        out.push(ctx.undecided(c.scope, `GKE cluster ${c.projectId}/${c.name}: control-plane range "${masterCidr}" is not a CIDR`));
        continue;
      }
      const gap = networkGap(ctx, c, ['gcp.routers']);
      if (gap !== undefined) {
        out.push(ctx.undecided(c.scope, gap));
        continue;
      }
      const place = placeIn(ctx, c);
      const routers = (byNetworkRegion.get(`${place.networkKey}|${place.region}`) ?? []).filter((r) => r.bgpPeers.length > 0);
      const unparsed: string[] = [];
      const covers = (range: string): boolean => {
        const cidr: Cidr | undefined = tryParseCidr(range);
        if (!cidr) unparsed.push(range);
        return cidr !== undefined && contains(cidr, master);
      };
      if (routers.some((r) => sessions(r).some((s) => s.mode === 'CUSTOM' && s.ranges.some(covers)))) continue;
      if (unparsed.length > 0) {
        out.push(ctx.undecided(c.scope, `GKE cluster ${place.project}/${place.cluster}: advertised range${unparsed.length === 1 ? '' : 's'} ${unparsed.join(', ')} not a CIDR`));
        continue;
      }
      const seen = routers.map((r) => {
        const modes = sessions(r).map((s) => (s.mode === 'CUSTOM' ? `${s.peer}: CUSTOM ${s.ranges.join(', ') || 'no ranges'}` : `${s.peer}: DEFAULT (subnets only)`));
        return `${r.name} (${modes.join('; ')})`;
      });
      // Fix the router that already advertises custom ranges when there is one, else switch the first router to CUSTOM.
      const target = routers.find((r) => r.advertiseMode === 'CUSTOM') ?? routers[0];
      const remediation = target === undefined ? CREATE : target.advertiseMode === 'CUSTOM' ? ADD_RANGE : TO_CUSTOM;
      out.push(
        clusterFinding(ctx, c, {
          message:
            routers.length === 0
              ? `GKE cluster ${clusterWhere(c)}: no Cloud Router with BGP peers in network ${place.network} (project ${place.networkProject}), region ${place.region}, so control-plane range ${masterCidr} is advertised to nobody`
              : `GKE cluster ${clusterWhere(c)}: control-plane range ${masterCidr} is not advertised by any Cloud Router with BGP peers in network ${place.network} (project ${place.networkProject}), region ${place.region}: ${seen.join('; ')}`,
          evidence: { masterIpv4CidrBlock: masterCidr, routers: routers.map((r) => ({ name: r.name, advertiseMode: r.advertiseMode, advertisedIpRanges: r.advertisedIpRanges, bgpPeers: r.bgpPeers.map((p) => p.name) })) },
          data: { masterCidr, router: target ? lastSegment(target.name) : `cr-onprem-${place.region}` },
          remediation,
        }),
      );
    }
    return out;
  },
});
