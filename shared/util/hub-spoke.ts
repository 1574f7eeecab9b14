import type { VirtualNetwork, VnetPeering } from '../model/inventory/azure.js';

/**
 * The peerings that make a VNet a spoke of a hub: those using the remote (hub) gateway, or those to
 * a VNet listed as a hub in configuration. A configured hub is never a spoke. One definition for
 * the cost collector (which subscriptions to query) and azure/hub-peering-cost (which VNets to judge).
 */
export function hubPeeringsOf(vnet: Pick<VirtualNetwork, 'id' | 'peerings'>, hubVnets: readonly string[]): VnetPeering[] {
  const hubs = new Set(hubVnets.map((id) => id.toLowerCase()));
  if (hubs.has(vnet.id.toLowerCase())) return [];
  return vnet.peerings.filter((p) => p.useRemoteGateways || hubs.has(p.remoteVirtualNetworkId.toLowerCase()));
}
