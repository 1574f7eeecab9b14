import type { AksCluster, AzureResource, VirtualNetwork } from '../../model/inventory/azure.js';
import { parseArmId } from '../../util/arm-id.js';
import { addressPlanFor, allCidrs, anyOverlap, ipv4Text, noFreeRangeRemediation, overlappingPairs, overlaps, tryParseCidr, type AddressPlan, type FreeRange } from '../cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { azureIndex, CLUSTER_TYPE, clusterData, clusterVnetIds, lc, nameOf, ref, where } from './topology.js';

const VNET_TYPE = 'Microsoft.Network/virtualNetworks';

/** A labelled set of ranges: what a message calls them and where they come from. */
interface RangeSet {
  kind: 'vnet' | 'peered-vnet' | 'on-prem' | 'pod' | 'service';
  label: string;
  ranges: string[];
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/**
 * The VNet side: add the free prefix beside the others, move the subnets in the overlapping one
 * into it, then drop the overlapping one; every address-space change is followed by a peering
 * sync so the peers learn it.
 */
const VNET_FIX =
  'Add {suggestedRange} to VNet {vnet}: az network vnet update --subscription {subscription} -g {resourceGroup} -n {vnet} --address-prefixes {currentPrefixes} {suggestedRange}{syncPeerings}; create subnets in {suggestedRange} and move the resources out of {range}{subnetsIn}; then drop {range}: az network vnet update --subscription {subscription} -g {resourceGroup} -n {vnet} --address-prefixes {keptPrefixes}{suggestedRange}{syncPeerings}';

/** Pod and service CIDRs are fixed at creation: the cluster is rebuilt with free ranges (a range that overlaps nothing is kept). */
const CLUSTER_FIX =
  'The {rangeKind} CIDR {range} of cluster {cluster} cannot be changed in place: create a replacement with pod CIDR {podCidr} and service CIDR {serviceCidr} (give it the node pools of {cluster}: az aks nodepool list --subscription {subscription} -g {resourceGroup} --cluster-name {cluster} -o table): az aks create --subscription {subscription} -g {resourceGroup} -n {cluster}-v2 --network-plugin azure --network-plugin-mode overlay{subnetArg} --pod-cidr {podCidr} --service-cidr {serviceCidr} --dns-service-ip {dnsServiceIp}, move the workloads, then az aks delete --subscription {subscription} -g {resourceGroup} -n {cluster}';

/** Azure's smallest subnet: a VNet prefix can shrink to it when no block of its size is free. */
const SMALLEST_VNET_PREFIX = 29;
/** The pod CIDR an overlay cluster without one gets (AKS's default size). */
const DEFAULT_POD_PREFIX = 16;

interface PeerSet {
  id: string;
  record: AzureResource | undefined;
  set: RangeSet;
}

interface Fix {
  remediation: string;
  data: Record<string, string>;
  /** The replacement for the finding's own range. */
  own: FreeRange;
}

function vnetFix(plan: AddressPlan, id: string, record: VirtualNetwork | undefined, range: string): Fix {
  const own = plan.suggest(`azure|${lc(id)}|${range}`, range, { smallestPrefixLength: SMALLEST_VNET_PREFIX });
  const name = record?.name ?? nameOf(id);
  if (!own.found) return { remediation: noFreeRangeRemediation(`prefix ${range} of VNet ${name}`, own), data: {}, own };
  const parts = parseArmId(id);
  const subscription = record?.subscriptionId ?? parts?.subscriptionId ?? '';
  const resourceGroup = record?.resourceGroup ?? parts?.resourceGroup ?? '';
  const current = record?.addressPrefixes ?? [range];
  const kept = current.filter((p) => p !== range);
  const sync = (record?.peerings ?? []).map((p) => `az network vnet peering sync --subscription ${subscription} -g ${resourceGroup} --vnet-name ${name} -n ${p.name}`);
  const moving = (record?.subnets ?? []).filter((sn) => sn.addressPrefixes.some((p) => tryParseCidr(p) !== undefined && overlaps(range, p))).map((sn) => sn.name);
  return {
    remediation: VNET_FIX,
    data: {
      subscription,
      resourceGroup,
      vnet: name,
      range,
      suggestedRange: own.cidr,
      currentPrefixes: current.join(' '),
      keptPrefixes: kept.map((p) => `${p} `).join(''),
      subnetsIn: moving.length > 0 ? ` (subnets ${moving.join(', ')})` : '',
      syncPeerings: sync.length > 0 ? ` && ${sync.join(' && ')}` : '',
    },
    own,
  };
}

/** The replacement cluster's ranges: each kind that overlaps something gets a free block of its size; the other is kept. */
function clusterFix(plan: AddressPlan, c: AksCluster, kind: RangeSet['kind'], range: string, bad: { pod: boolean; service: boolean }): Fix {
  const key = `azure|${lc(c.id)}`;
  const ipv4 = (ranges: readonly string[]): string | undefined => ranges.find((r) => tryParseCidr(r)?.family === 'ipv4');
  const pod = ipv4(c.podCidrs);
  const service = ipv4(c.serviceCidrs);
  const podFree = pod === undefined ? plan.suggest(`${key}|pod`, `10.244.0.0/${String(DEFAULT_POD_PREFIX)}`) : bad.pod ? plan.suggest(`${key}|pod`, pod) : undefined;
  const serviceFree = service !== undefined && bad.service ? plan.suggest(`${key}|service`, service) : undefined;
  const own = (kind === 'pod' ? podFree : serviceFree) ?? plan.suggest(`${key}|${kind}`, range);
  const missing = [podFree, serviceFree].find((f) => f?.found === false);
  if (missing) return { remediation: noFreeRangeRemediation(`the ${kind === 'pod' ? 'pod' : 'service'} CIDR ${range} of cluster ${c.name}`, missing), data: {}, own };
  const podCidr = podFree?.found ? podFree.cidr : (pod ?? '');
  const serviceCidr = serviceFree?.found ? serviceFree.cidr : (service ?? '');
  const serviceBlock = tryParseCidr(serviceCidr);
  // AKS's convention: the cluster DNS service is the tenth address of the service CIDR.
  const dnsServiceIp = serviceBlock ? ipv4Text(serviceBlock.first + 10n) : '';
  const subnet = c.agentPools.find((p) => p.vnetSubnetId)?.vnetSubnetId;
  return {
    remediation: CLUSTER_FIX,
    data: { ...clusterData(c), rangeKind: kind === 'pod' ? 'pod' : 'service', range, podCidr, serviceCidr, dnsServiceIp, subnetArg: subnet ? ` --vnet-subnet-id ${subnet}` : '' },
    own,
  };
}

/** "; replacement: ..." for a message. */
const replacement = (free: FreeRange): string => `; replacement: ${free.explanation}`;

export default defineRule({
  meta: {
    id: 'azure/address-overlap',
    title: 'Cluster and VNet address ranges do not overlap',
    severity: 'high',
    category: 'addressing',
    cloud: 'azure',
    resource: `${VNET_TYPE} | ${CLUSTER_TYPE}`,
    description:
      "Fires (high) once per overlapping pair of ranges: a VNet prefix against the configured on-prem ranges (`onPrem.ranges`) or a peered VNet's prefixes (the peering's remoteAddressSpace and the peer VNet's record), reported on the VNet (for VNet–VNet pairs, the id that sorts first); and an AKS cluster's pod or service CIDRs against its VNet's prefixes, the prefixes of VNets peered with it, on-prem, and each other, reported on the cluster. Pod CIDRs of kubenet / Azure CNI overlay clusters are not routed outside the cluster, but the nodes route those addresses into the pod network, so an overlapping on-prem or VNet range becomes unreachable from the cluster (Microsoft requires them disjoint): they are reported like service CIDRs. The message and the command name a free replacement: the first block of the same size in the private space the range lives in (RFC 1918, then the other RFC 1918 spaces and RFC 6598 100.64.0.0/10), clear of on-prem and of every range in the inventory (every VNet, subnet, peering, pod and service range, and the other clouds' ranges), never one another finding of the run suggests; a VNet prefix may shrink down to /29 when no block of its size is free (the message says so), and a replacement cluster keeps the pod or service CIDR that overlaps nothing. When nothing is free the remediation says what to free first.",
    risk: 'Overlapping ranges make routing ambiguous: traffic to the overlapping addresses goes to the wrong side (or nowhere), peering and gateway connections fail or silently drop routes, and fixing it later means re-addressing a VNet or rebuilding the cluster.',
    remediation: `For a VNet prefix: ${VNET_FIX}. For a pod or service CIDR: ${CLUSTER_FIX}`,
    references: [
      'https://learn.microsoft.com/azure/aks/configure-kubenet#ip-address-availability-and-exhaustion',
      'https://learn.microsoft.com/azure/aks/azure-cni-overlay#ip-address-planning',
      'https://learn.microsoft.com/azure/virtual-network/virtual-network-manage-peering#requirements-and-constraints',
      'https://learn.microsoft.com/azure/architecture/networking/guide/ipv4-exhaustion',
    ],
    needs: ['azure.virtualNetworks', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const reported = new Set<string>();
    const onPrem: RangeSet = { kind: 'on-prem', label: 'on-prem range', ranges: ctx.config.onPrem.ranges };
    const plan = addressPlanFor(ctx, inv);
    const push = (scope: string, resource: { id: string; type: string; name: string }, subject: string, a: RangeSet, b: RangeSet, fix: (range: string) => Fix): void => {
      for (const [x, y] of overlappingPairs(a.ranges, b.ranges)) {
        const discriminator = `${x} ${y}`;
        const key = `${lc(resource.id)}|${discriminator}`;
        if (reported.has(key)) continue;
        reported.add(key);
        const { remediation, data, own } = fix(x);
        out.push(
          ctx.finding({
            scope,
            resource,
            discriminator,
            message: `${subject}: ${a.label} ${x} overlaps ${b.label} ${y}${replacement(own)}`,
            evidence: { ranges: [{ kind: a.kind, source: a.label, range: x }, { kind: b.kind, source: b.label, range: y }] },
            remediation,
            data,
          }),
        );
      }
    };
    // A range that does not parse could overlap anything: the resource's scope is undecided, never skipped.
    const unparsed = (scope: string, subject: string, ranges: readonly string[]): void => {
      const bad = ranges.filter((r) => tryParseCidr(r) === undefined);
      if (bad.length > 0) out.push(ctx.undecided(scope, `${subject}: ${bad.join(', ')} is not a CIDR`));
    };
    const vnets = azureIndex.vnetsById(ctx, inv.azure);
    // A hub's peer list is long and many clusters may sit in it: build each VNet's peer sets once.
    const peerCache = new Map<string, PeerSet[]>();
    const peerSets = (vnetId: string): PeerSet[] => {
      const cached = peerCache.get(lc(vnetId));
      if (cached) return cached;
      const vnet = vnets.get(lc(vnetId));
      if (!vnet) return [];
      const sets = vnet.peerings.map((p): PeerSet => {
        const peer = vnets.get(lc(p.remoteVirtualNetworkId));
        const ranges = unique([...p.remoteAddressPrefixes, ...(peer?.addressPrefixes ?? [])]);
        return { id: p.remoteVirtualNetworkId, record: peer, set: { kind: 'peered-vnet', label: `peered VNet \`${peer?.name ?? nameOf(p.remoteVirtualNetworkId)}\``, ranges } };
      });
      peerCache.set(lc(vnetId), sets);
      return sets;
    };

    // Most VNets and clusters overlap nothing: a check that builds nothing comes first, and the
    // labels, messages and fixes are built only for those that do.
    const peeringsParse = (vnet: VirtualNetwork): boolean => {
      for (const p of vnet.peerings) if (!allCidrs(p.remoteAddressPrefixes)) return false;
      return true;
    };
    const overlapsAnyPeer = (prefixes: readonly string[], vnetId: string): boolean => {
      for (const peer of peerSets(vnetId)) if (anyOverlap(prefixes, peer.set.ranges)) return true;
      return false;
    };
    for (const vnet of inv.azure.virtualNetworks) {
      if (!allCidrs(vnet.addressPrefixes) || !peeringsParse(vnet)) {
        unparsed(vnet.scope, `VNet ${where(vnet)}`, [...vnet.addressPrefixes, ...vnet.peerings.flatMap((p) => p.remoteAddressPrefixes)]);
      }
      if (!anyOverlap(vnet.addressPrefixes, onPrem.ranges) && !overlapsAnyPeer(vnet.addressPrefixes, vnet.id)) continue;
      const own: RangeSet = { kind: 'vnet', label: `VNet \`${vnet.name}\` prefix`, ranges: vnet.addressPrefixes };
      const ownFix = (range: string): Fix => vnetFix(plan, vnet.id, vnet, range);
      push(vnet.scope, ref(vnet, VNET_TYPE), `VNet ${where(vnet)}`, own, onPrem, ownFix);
      for (const peer of peerSets(vnet.id)) {
        // VNet–VNet pairs are named on the id that sorts first, so both peering directions agree.
        if (lc(vnet.id) <= lc(peer.id)) {
          push(vnet.scope, ref(vnet, VNET_TYPE), `VNet ${where(vnet)}`, own, peer.set, ownFix);
        } else {
          const peerAsOwner: RangeSet = { kind: 'vnet', label: `VNet \`${peer.record?.name ?? nameOf(peer.id)}\` prefix`, ranges: peer.set.ranges };
          const mine: RangeSet = { kind: 'peered-vnet', label: `peered VNet \`${vnet.name}\``, ranges: vnet.addressPrefixes };
          const subject = peer.record ? `VNet ${where(peer.record)}` : `VNet \`${nameOf(peer.id)}\``;
          const peerRecord = vnets.get(lc(peer.id));
          push(peer.record?.scope ?? vnet.scope, { id: peer.id, type: VNET_TYPE, name: peer.record?.name ?? nameOf(peer.id) }, subject, peerAsOwner, mine, (range) => vnetFix(plan, peer.id, peerRecord, range));
        }
      }
    }

    const clusterOverlaps = (c: AksCluster): boolean => {
      const own = [c.podCidrs, c.serviceCidrs];
      if (anyOverlap(c.podCidrs, c.serviceCidrs)) return true;
      for (const ranges of own) {
        if (anyOverlap(ranges, onPrem.ranges)) return true;
        for (const vnetId of clusterVnetIds(c, inv.azure, ctx)) {
          if (anyOverlap(ranges, vnets.get(vnetId)?.addressPrefixes ?? []) || overlapsAnyPeer(ranges, vnetId)) return true;
        }
      }
      return false;
    };
    for (const c of inv.azure.clusters) {
      if (!allCidrs(c.podCidrs) || !allCidrs(c.serviceCidrs)) unparsed(c.scope, `AKS cluster ${where(c)}`, [...c.podCidrs, ...c.serviceCidrs]);
      if (!clusterOverlaps(c)) continue;
      const subject = `AKS cluster ${where(c)}`;
      const pods: RangeSet = { kind: 'pod', label: 'pod CIDR', ranges: c.podCidrs };
      const services: RangeSet = { kind: 'service', label: 'service CIDR', ranges: c.serviceCidrs };
      const others: RangeSet[] = [onPrem];
      for (const vnetId of clusterVnetIds(c, inv.azure, ctx)) {
        const vnet = vnets.get(vnetId);
        if (vnet) others.push({ kind: 'vnet', label: `cluster VNet \`${vnet.name}\` prefix`, ranges: vnet.addressPrefixes });
        others.push(...peerSets(vnetId).map((p) => p.set));
      }
      // Pods over services: the pod CIDR moves (the one the pair's finding names).
      const bad = { pod: anyOverlap(c.podCidrs, c.serviceCidrs) || others.some((o) => anyOverlap(c.podCidrs, o.ranges)), service: others.some((o) => anyOverlap(c.serviceCidrs, o.ranges)) };
      for (const own of [pods, services]) {
        for (const other of others) push(c.scope, ref(c, CLUSTER_TYPE), subject, own, other, (range) => clusterFix(plan, c, own.kind, range, bad));
      }
      push(c.scope, ref(c, CLUSTER_TYPE), subject, pods, services, (range) => clusterFix(plan, c, 'pod', range, bad));
    }
    return out;
  },
});
