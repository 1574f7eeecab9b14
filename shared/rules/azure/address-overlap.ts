import type { AzureResource } from '../../model/inventory/azure.js';
import { overlappingPairs } from '../../util/cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterVnetIds, indexById, lc, nameOf, ref, where } from './topology.js';

const VNET_TYPE = 'Microsoft.Network/virtualNetworks';

/** A labelled set of ranges: what a message calls them and where they come from. */
interface RangeSet {
  kind: 'vnet' | 'peered-vnet' | 'on-prem' | 'pod' | 'service';
  label: string;
  ranges: string[];
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

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
    remediation:
      'Re-address the side that is cheapest to move: az network vnet update -g <rg> -n <vnet> --address-prefixes <non-overlapping CIDR> (after emptying the old prefix), or for pod/service CIDRs create a new cluster with az aks create ... --pod-cidr <CIDR> --service-cidr <CIDR> --dns-service-ip <IP> outside the VNet, peered and on-prem ranges, and migrate workloads.',
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
    const push = (scope: string, resource: { id: string; type: string; name: string }, subject: string, a: RangeSet, b: RangeSet): void => {
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
          }),
        );
      }
    };
    const vnets = indexById(inv.azure.virtualNetworks);
    const peerSets = (vnetId: string): { id: string; record: AzureResource | undefined; set: RangeSet }[] => {
      const vnet = vnets.get(lc(vnetId));
      if (!vnet) return [];
      return vnet.peerings.map((p) => {
        const peer = vnets.get(lc(p.remoteVirtualNetworkId));
        const ranges = unique([...p.remoteAddressPrefixes, ...(peer?.addressPrefixes ?? [])]);
        return { id: p.remoteVirtualNetworkId, record: peer, set: { kind: 'peered-vnet', label: `peered VNet \`${peer?.name ?? nameOf(p.remoteVirtualNetworkId)}\``, ranges } };
      });
    };

    for (const vnet of inv.azure.virtualNetworks) {
      const own: RangeSet = { kind: 'vnet', label: `VNet \`${vnet.name}\` prefix`, ranges: vnet.addressPrefixes };
      push(vnet.scope, ref(vnet, VNET_TYPE), `VNet ${where(vnet)}`, own, onPrem);
      for (const peer of peerSets(vnet.id)) {
        // VNet–VNet pairs are named on the id that sorts first, so both peering directions agree.
        if (lc(vnet.id) <= lc(peer.id)) {
          push(vnet.scope, ref(vnet, VNET_TYPE), `VNet ${where(vnet)}`, own, peer.set);
        } else {
          const peerAsOwner: RangeSet = { kind: 'vnet', label: `VNet \`${peer.record?.name ?? nameOf(peer.id)}\` prefix`, ranges: peer.set.ranges };
          const mine: RangeSet = { kind: 'peered-vnet', label: `peered VNet \`${vnet.name}\``, ranges: vnet.addressPrefixes };
          const subject = peer.record ? `VNet ${where(peer.record)}` : `VNet \`${nameOf(peer.id)}\``;
          push(peer.record?.scope ?? vnet.scope, { id: peer.id, type: VNET_TYPE, name: peer.record?.name ?? nameOf(peer.id) }, subject, peerAsOwner, mine);
        }
      }
    }

    for (const c of inv.azure.clusters) {
      const subject = `AKS cluster ${where(c)}`;
      const pods: RangeSet = { kind: 'pod', label: 'pod CIDR', ranges: c.podCidrs };
      const services: RangeSet = { kind: 'service', label: 'service CIDR', ranges: c.serviceCidrs };
      const others: RangeSet[] = [onPrem];
      for (const vnetId of clusterVnetIds(c, inv.azure)) {
        const vnet = vnets.get(vnetId);
        if (vnet) others.push({ kind: 'vnet', label: `cluster VNet \`${vnet.name}\` prefix`, ranges: vnet.addressPrefixes });
        others.push(...peerSets(vnetId).map((p) => p.set));
      }
      for (const own of [pods, services]) {
        for (const other of others) push(c.scope, ref(c, CLUSTER_TYPE), subject, own, other);
      }
      push(c.scope, ref(c, CLUSTER_TYPE), subject, pods, services);
    }
    return out;
  },
});
