import type { Rule } from '../kit.js';
import addressOverlap from './address-overlap.js';
import eksPrivateEndpoint from './eks-private-endpoint.js';
import eksPublicEndpoint from './eks-public-endpoint.js';
import instancePublicIp from './instance-public-ip.js';
import kopsApiInternal from './kops-api-internal.js';
import kopsEgress from './kops-egress.js';
import kopsNetworking from './kops-networking.js';
import kopsPrivateTopology from './kops-private-topology.js';
import lbInternetFacing from './lb-internet-facing.js';
import route53PrivateZone from './route53-private-zone.js';
import subnetAutoPublicIp from './subnet-auto-public-ip.js';
import subnetIgwRoute from './subnet-igw-route.js';
import transitCost from './transit-cost.js';
import vpcEndpoints from './vpc-endpoints.js';

/** The catalog's aws/* rules, in documentation order; the kops rules judge clusters read from kops state stores. */
export const awsRules: Rule[] = [
  eksPublicEndpoint,
  eksPrivateEndpoint,
  lbInternetFacing,
  subnetIgwRoute,
  subnetAutoPublicIp,
  instancePublicIp,
  vpcEndpoints,
  route53PrivateZone,
  addressOverlap,
  transitCost,
  kopsPrivateTopology,
  kopsApiInternal,
  kopsEgress,
  kopsNetworking,
];
