import { overlappingPairs, tryParseCidr } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { CLUSTER_TYPE, clusterRef, clusterWhere, lastSegment, regionOf, resourcePath, SUBNETWORK_TYPE } from './topology.js';

const SUBNET_FIX =
  'gcloud compute networks subnets create {subnetwork}-v2 --network={network} --region={region} --project={project} --range=NON_OVERLAPPING_CIDR, move the workloads, then gcloud compute networks subnets delete {subnetwork} --region={region} --project={project}';
const CLUSTER_FIX =
  'gcloud container clusters create {cluster}-v2 --location={location} --project={project} --network={network} --enable-private-nodes --master-ipv4-cidr=NON_OVERLAPPING_CIDR, move the workloads, then gcloud container clusters delete {cluster} --location={location} --project={project}';

export default defineRule({
  meta: {
    id: 'gcp/address-overlap',
    title: 'Subnet, pod, service and control-plane ranges do not overlap on-prem',
    severity: 'high',
    category: 'addressing',
    cloud: 'gcp',
    resource: `${SUBNETWORK_TYPE} | ${CLUSTER_TYPE}`,
    description:
      "Fires (high) once per overlapping pair with a configured on-prem range (`onPrem.ranges`): a subnetwork's primary or secondary range (reported on the subnetwork), and a GKE cluster's control-plane range (`masterIpv4CidrBlock`) or, for routes-based clusters, its pod and service ranges (reported on the cluster). Undecided for a scope holding a range that is not a CIDR.",
    risk: 'Overlapping ranges make routing ambiguous: on-prem addresses in the overlap become unreachable from the cluster (or the cluster from on-prem), BGP-learned routes are shadowed by subnet routes, and the only fix is re-addressing.',
    remediation: SUBNET_FIX,
    references: ['https://cloud.google.com/kubernetes-engine/docs/concepts/alias-ips#cluster_sizing', 'https://cloud.google.com/vpc/docs/subnets#valid-ranges'],
    needs: ['gcp.subnetworks', 'gcp.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const onPrem = ctx.config.onPrem.ranges;
    if (onPrem.length === 0) return out;
    const unparsed = (scope: string, what: string, ranges: readonly string[]): boolean => {
      const bad = ranges.filter((r) => tryParseCidr(r) === undefined);
      if (bad.length > 0) out.push(ctx.undecided(scope, `${what}: ${bad.join(', ')} not a CIDR`));
      return bad.length > 0;
    };

    for (const s of inv.gcp.subnetworks) {
      const labelled = [{ label: 'primary range', range: s.ipCidrRange }, ...s.secondaryIpRanges.map((r) => ({ label: `secondary range ${r.rangeName}`, range: r.ipCidrRange }))];
      const id = resourcePath(s.selfLink || s.id);
      if (unparsed(s.scope, `subnetwork ${id}`, labelled.map((l) => l.range))) continue;
      const region = regionOf(s.region);
      for (const { label, range } of labelled) {
        for (const [own, prem] of overlappingPairs([range], onPrem)) {
          out.push(
            ctx.finding({
              scope: s.scope,
              resource: { id, type: SUBNETWORK_TYPE, name: s.name },
              discriminator: `${own} ${prem}`,
              message: `subnetwork \`${s.name}\` (project ${s.projectId}, region ${region}, network ${lastSegment(s.network)}): ${label} ${own} overlaps on-prem range ${prem}`,
              evidence: { range: own, rangeKind: label, onPremRange: prem },
              data: { subnetwork: s.name, network: lastSegment(s.network), region, project: s.projectId },
            }),
          );
        }
      }
    }

    for (const c of inv.gcp.clusters) {
      const labelled = [
        ...(c.masterIpv4CidrBlock ? [{ label: 'control-plane range', range: c.masterIpv4CidrBlock }] : []),
        // VPC-native pod and service ranges are subnet secondary ranges, judged on the subnetwork.
        ...(!c.vpcNative && c.clusterIpv4Cidr ? [{ label: 'pod range', range: c.clusterIpv4Cidr }] : []),
        ...(!c.vpcNative && c.servicesIpv4Cidr ? [{ label: 'service range', range: c.servicesIpv4Cidr }] : []),
      ];
      if (unparsed(c.scope, `GKE cluster ${c.projectId}/${c.name}`, labelled.map((l) => l.range))) continue;
      for (const { label, range } of labelled) {
        for (const [own, prem] of overlappingPairs([range], onPrem)) {
          out.push(
            ctx.finding({
              scope: c.scope,
              resource: clusterRef(c),
              discriminator: `${own} ${prem}`,
              message: `GKE cluster ${clusterWhere(c)}: ${label} ${own} overlaps on-prem range ${prem}`,
              evidence: { range: own, rangeKind: label, onPremRange: prem },
              data: { cluster: c.name, location: c.location, project: c.projectId, network: lastSegment(c.network) },
              remediation: CLUSTER_FIX,
            }),
          );
        }
      }
    }
    return out;
  },
});
