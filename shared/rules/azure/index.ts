import type { Rule } from '../kit.js';
import acrPrivate from './acr-private.js';
import addressOverlap from './address-overlap.js';
import aksEgressBypass from './aks-egress-bypass.js';
import aksIdentity from './aks-identity.js';
import aksNetworkPolicy from './aks-network-policy.js';
import aksNodePublicIp from './aks-node-public-ip.js';
import aksPrivateApi from './aks-private-api.js';
import aksPrivateDnsLinks from './aks-private-dns-links.js';
import aksPrivateDnsRecord from './aks-private-dns-record.js';
import aksPublicFqdn from './aks-public-fqdn.js';
import bastionCost from './bastion-cost.js';
import hubPeeringCost from './hub-peering-cost.js';
import lbPublicFrontend from './lb-public-frontend.js';
import onpremDnsPath from './onprem-dns-path.js';
import publicIpInNodeRg from './public-ip-in-node-rg.js';
import virtualNodes from './virtual-nodes.js';

/** The azure/* rules in catalog order (the rule catalog of the domain guide; docs/rules.md). */
export const azureRules: Rule[] = [
  aksPrivateApi,
  aksPublicFqdn,
  aksPrivateDnsRecord,
  aksPrivateDnsLinks,
  onpremDnsPath,
  lbPublicFrontend,
  publicIpInNodeRg,
  aksNodePublicIp,
  aksEgressBypass,
  aksNetworkPolicy,
  addressOverlap,
  hubPeeringCost,
  bastionCost,
  virtualNodes,
  aksIdentity,
  acrPrivate,
];
