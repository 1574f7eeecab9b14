import type { Rule } from '../kit.js';
import addressOverlap from './address-overlap.js';
import gkeAuthorizedNetworks from './gke-authorized-networks.js';
import gkePeeringExport from './gke-peering-export.js';
import gkePrivateNodes from './gke-private-nodes.js';
import gkePublicEndpoint from './gke-public-endpoint.js';
import gkeVpcNative from './gke-vpc-native.js';
import nodeExternalIp from './node-external-ip.js';
import privateGoogleAccess from './private-google-access.js';
import restrictedVipDns from './restricted-vip-dns.js';
import restrictedVipEgress from './restricted-vip-egress.js';
import restrictedVipRoute from './restricted-vip-route.js';
import routerAdvertisesMaster from './router-advertises-master.js';

/** The gcp/* rules in catalog order (domain.md, "Rule catalog"). */
export const gcpRules: Rule[] = [
  gkePrivateNodes,
  gkePublicEndpoint,
  gkeAuthorizedNetworks,
  gkeVpcNative,
  gkePeeringExport,
  routerAdvertisesMaster,
  privateGoogleAccess,
  restrictedVipDns,
  restrictedVipRoute,
  restrictedVipEgress,
  nodeExternalIp,
  addressOverlap,
];
