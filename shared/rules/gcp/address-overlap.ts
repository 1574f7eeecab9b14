import type { GkeCluster } from '../../model/inventory/gcp.js';
import { addressPlanFor, noFreeRangeRemediation, overlappingPairs, tryParseCidr, type AddressPlan, type FreeRange } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterRef, clusterWhere, lastSegment, placeOf, regionOf, resourcePath, SUBNETWORK_TYPE } from './topology.js';

const PRIMARY_FIX =
  'gcloud compute networks subnets create {subnetwork}-v2 --network={network} --region={region} --project={project} --range={suggestedRange}, move the workloads, then gcloud compute networks subnets delete {subnetwork} --region={region} --project={project}';
const SECONDARY_FIX =
  'gcloud compute networks subnets update {subnetwork} --region={region} --project={project} --add-secondary-ranges={rangeName}-v2={suggestedRange}, move the pods or services that use {rangeName} to it (a new node pool or cluster), then gcloud compute networks subnets update {subnetwork} --region={region} --project={project} --remove-secondary-ranges={rangeName}';
const CLUSTER_FIX =
  'gcloud container clusters create {cluster}-v2 --location={location} --project={project} --network={networkPath}{subnetworkFlag}{rangeFlags}, move the workloads, then gcloud container clusters delete {cluster} --location={location} --project={project}';

/** GCP's smallest subnetwork range: a primary range can shrink to it when no block of its size is free. */
const SMALLEST_SUBNET = 29;
/** A peering-based private control plane is always a /28. */
const MASTER_PREFIX = 28;

interface Fix {
  remediation: string;
  data: Record<string, string>;
  /** The replacement for the finding's own range. */
  own: FreeRange;
}

/**
 * The replacement cluster: a /28 control plane where the cluster has one, and (routes-based
 * clusters) pod and service ranges of the same sizes, all free; VPC-native from the start.
 */
function clusterFix(plan: AddressPlan, c: GkeCluster, ownLabel: string, ownRange: string): Fix {
  const key = `gcp|${resourcePath(c.id).toLowerCase()}`;
  const wanted: { label: string; flag: string; free: FreeRange }[] = [];
  if (c.masterIpv4CidrBlock) wanted.push({ label: 'control-plane range', flag: '--enable-private-nodes --master-ipv4-cidr=', free: plan.suggest(`${key}|master`, c.masterIpv4CidrBlock, { prefixLength: MASTER_PREFIX }) });
  if (!c.vpcNative && c.clusterIpv4Cidr) wanted.push({ label: 'pod range', flag: '--cluster-ipv4-cidr=', free: plan.suggest(`${key}|pods`, c.clusterIpv4Cidr) });
  if (!c.vpcNative && c.servicesIpv4Cidr) wanted.push({ label: 'service range', flag: '--services-ipv4-cidr=', free: plan.suggest(`${key}|services`, c.servicesIpv4Cidr) });
  const own = wanted.find((w) => w.label === ownLabel)?.free ?? plan.suggest(`${key}|${ownLabel}`, ownRange);
  const missing = wanted.find((w) => !w.free.found);
  if (missing) return { remediation: noFreeRangeRemediation(`the ${missing.label} of cluster ${c.name}`, missing.free), data: {}, own };
  const place = placeOf(c);
  const flags = wanted.map((w) => ` ${w.flag}${w.free.found ? w.free.cidr : ''}`).join('');
  return {
    remediation: CLUSTER_FIX,
    data: {
      ...clusterData(c),
      networkPath: `projects/${place.networkProject}/global/networks/${place.network}`,
      subnetworkFlag: c.subnetwork ? ` --subnetwork=${resourcePath(c.subnetwork)}` : '',
      rangeFlags: `${c.vpcNative ? '' : ' --enable-ip-alias'}${flags}`,
    },
    own,
  };
}

/** "; replacement: ..." for a message. */
const replacement = (free: FreeRange): string => `; replacement: ${free.explanation}`;

export default defineRule({
  meta: {
    id: 'gcp/address-overlap',
    title: 'Subnet, pod, service and control-plane ranges do not overlap on-prem',
    severity: 'high',
    category: 'addressing',
    cloud: 'gcp',
    resource: `${SUBNETWORK_TYPE} | ${CLUSTER_TYPE}`,
    description:
      "Fires (high) once per overlapping pair with a configured on-prem range (`onPrem.ranges`): a subnetwork's primary or secondary range (reported on the subnetwork), and a GKE cluster's control-plane range (`masterIpv4CidrBlock`) or, for routes-based clusters, its pod and service ranges (reported on the cluster). Undecided for a scope holding a range that is not a CIDR. The message and the command name a free replacement: the first block of the same size (a /28 for a control plane) in the private space the range lives in (RFC 1918, then the other RFC 1918 spaces and RFC 6598 100.64.0.0/10), clear of on-prem and of every range in the inventory (subnetwork primary and secondary ranges of every network, control-plane, pod and service ranges, and the other clouds' ranges), never one another finding of the run suggests. A primary range may shrink down to /29 when no block of its size is free (the message says so); when nothing is free the remediation says what to free first.",
    risk: 'Overlapping ranges make routing ambiguous: on-prem addresses in the overlap become unreachable from the cluster (or the cluster from on-prem), BGP-learned routes are shadowed by subnet routes, and the only fix is re-addressing.',
    remediation: `For a primary range: ${PRIMARY_FIX}. For a secondary range: ${SECONDARY_FIX}. For a control-plane, pod or service range: ${CLUSTER_FIX}`,
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

    const plan = addressPlanFor(ctx, inv);
    for (const s of inv.gcp.subnetworks) {
      const labelled = [{ label: 'primary range', range: s.ipCidrRange, rangeName: '' }, ...s.secondaryIpRanges.map((r) => ({ label: `secondary range ${r.rangeName}`, range: r.ipCidrRange, rangeName: r.rangeName }))];
      const id = resourcePath(s.selfLink || s.id);
      if (unparsed(s.scope, `subnetwork ${id}`, labelled.map((l) => l.range))) continue;
      const region = regionOf(s.region);
      for (const { label, range, rangeName } of labelled) {
        for (const [own, prem] of overlappingPairs([range], onPrem)) {
          const primary = rangeName === '';
          const free = plan.suggest(`gcp|${id.toLowerCase()}|${own}`, own, primary ? { smallestPrefixLength: SMALLEST_SUBNET } : {});
          out.push(
            ctx.finding({
              scope: s.scope,
              resource: { id, type: SUBNETWORK_TYPE, name: s.name },
              discriminator: `${own} ${prem}`,
              message: `subnetwork \`${s.name}\` (project ${s.projectId}, region ${region}, network ${lastSegment(s.network)}): ${label} ${own} overlaps on-prem range ${prem}${replacement(free)}`,
              evidence: { range: own, rangeKind: label, onPremRange: prem },
              ...(free.found
                ? { remediation: primary ? PRIMARY_FIX : SECONDARY_FIX, data: { subnetwork: s.name, network: lastSegment(s.network), region, project: s.projectId, rangeName, suggestedRange: free.cidr } }
                : { remediation: noFreeRangeRemediation(`${label} ${own} of subnetwork ${s.name}`, free) }),
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
          const fix = clusterFix(plan, c, label, own);
          out.push(
            ctx.finding({
              scope: c.scope,
              resource: clusterRef(c),
              discriminator: `${own} ${prem}`,
              message: `GKE cluster ${clusterWhere(c)}: ${label} ${own} overlaps on-prem range ${prem}${replacement(fix.own)}`,
              evidence: { range: own, rangeKind: label, onPremRange: prem },
              remediation: fix.remediation,
              data: fix.data,
            }),
          );
        }
      }
    }
    return out;
  },
});
