import type { AksCluster, AzureResource, VirtualNetwork } from '../../model/inventory/azure.js';
import { parseArmId } from '../../util/arm-id.js';
import { allCidrs, anyOverlap, overlappingPairs, tryParseCidr } from '../cidr.js';
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

/** The VNet side: keep its other prefixes, add a free one, then re-sync every peering so peers learn the new space. */
const VNET_FIX =
  'Re-address VNet {vnet} (NEW_PREFIX: a free range outside on-prem and the peered VNets): move its subnets out of {range}, then az network vnet update --subscription {subscription} -g {resourceGroup} -n {vnet} --address-prefixes {keptPrefixes}"$NEW_PREFIX"{syncPeerings}';

/** Pod and service CIDRs are fixed at creation: the cluster is rebuilt with ranges outside what it must reach. */
const CLUSTER_FIX =
  'The {rangeKind} CIDR {range} of cluster {cluster} cannot be changed in place: create a replacement with ranges outside its VNet, peered VNets and on-prem (POD_CIDR, SERVICE_CIDR, DNS_SERVICE_IP chosen free): az aks create --subscription {subscription} -g {resourceGroup} -n {cluster}-v2 --network-plugin azure --network-plugin-mode overlay --pod-cidr "$POD_CIDR" --service-cidr "$SERVICE_CIDR" --dns-service-ip "$DNS_SERVICE_IP" ..., move the workloads, then delete {cluster}.';

interface PeerSet {
  id: string;
  record: AzureResource | undefined;
  set: RangeSet;
}

interface Fix {
  remediation: string;
  data: Record<string, string>;
}

function vnetFix(id: string, record: VirtualNetwork | undefined, range: string): Fix {
  const parts = parseArmId(id);
  const kept = (record?.addressPrefixes ?? []).filter((p) => p !== range);
  const sync = (record?.peerings ?? []).map((p) => `az network vnet peering sync --subscription ${record?.subscriptionId ?? ''} -g ${record?.resourceGroup ?? ''} --vnet-name ${record?.name ?? ''} -n ${p.name}`);
  return {
    remediation: VNET_FIX,
    data: {
      subscription: record?.subscriptionId ?? parts?.subscriptionId ?? '',
      resourceGroup: record?.resourceGroup ?? parts?.resourceGroup ?? '',
      vnet: record?.name ?? nameOf(id),
      range,
      keptPrefixes: kept.map((p) => `${p} `).join(''),
      syncPeerings: sync.length > 0 ? `, then ${sync.join(' && ')}` : '',
    },
  };
}

function clusterFix(c: AksCluster, kind: RangeSet['kind'], range: string): Fix {
  return { remediation: CLUSTER_FIX, data: { ...clusterData(c), rangeKind: kind === 'pod' ? 'pod' : 'service', range } };
}

export default defineRule({
  meta: {
    id: 'azure/address-overlap',
    title: 'Cluster and VNet address ranges do not overlap',
    severity: 'high',
    category: 'addressing',
    cloud: 'azure',
    resource: `${VNET_TYPE} | ${CLUSTER_TYPE}`,
    description:
      "Fires (high) once per overlapping pair of ranges: a VNet prefix against the configured on-prem ranges (`onPrem.ranges`) or a peered VNet's prefixes (the peering's remoteAddressSpace and the peer VNet's record), reported on the VNet (for VNet–VNet pairs, the id that sorts first); and an AKS cluster's pod or service CIDRs against its VNet's prefixes, the prefixes of VNets peered with it, on-prem, and each other, reported on the cluster. Pod CIDRs of kubenet / Azure CNI overlay clusters are not routed outside the cluster, but the nodes route those addresses into the pod network, so an overlapping on-prem or VNet range becomes unreachable from the cluster (Microsoft requires them disjoint): they are reported like service CIDRs.",
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
    const push = (scope: string, resource: { id: string; type: string; name: string }, subject: string, a: RangeSet, b: RangeSet, fix: (range: string) => Fix): void => {
      for (const [x, y] of overlappingPairs(a.ranges, b.ranges)) {
        const discriminator = `${x} ${y}`;
        const key = `${lc(resource.id)}|${discriminator}`;
        if (reported.has(key)) continue;
        reported.add(key);
        out.push(
          ctx.finding({
            scope,
            resource,
            discriminator,
            message: `${subject}: ${a.label} ${x} overlaps ${b.label} ${y}`,
            evidence: { ranges: [{ kind: a.kind, source: a.label, range: x }, { kind: b.kind, source: b.label, range: y }] },
            ...fix(x),
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
      const ownFix = (range: string): Fix => vnetFix(vnet.id, vnet, range);
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
          push(peer.record?.scope ?? vnet.scope, { id: peer.id, type: VNET_TYPE, name: peer.record?.name ?? nameOf(peer.id) }, subject, peerAsOwner, mine, (range) => vnetFix(peer.id, peerRecord, range));
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
      for (const own of [pods, services]) {
        for (const other of others) push(c.scope, ref(c, CLUSTER_TYPE), subject, own, other, (range) => clusterFix(c, own.kind, range));
      }
      push(c.scope, ref(c, CLUSTER_TYPE), subject, pods, services, (range) => clusterFix(c, 'pod', range));
    }
    return out;
  },
});
