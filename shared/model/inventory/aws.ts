import type { ScopeKey } from '../scope.js';

export interface AwsResource {
  /** ARN where the API gives one, else the resource id (`vpc-...`, `subnet-...`). */
  id: string;
  name: string;
  scope: ScopeKey;
  accountId: string;
  region: string;
  tags: Record<string, string>;
}

export interface EksCluster extends AwsResource {
  arn: string;
  /** Absent in some emulators; derive it from the subnets then. */
  vpcId?: string;
  subnetIds: string[];
  /** Defaults to true when the API omits it (old clusters). */
  endpointPublicAccess: boolean;
  /** Defaults to false when the API omits it. */
  endpointPrivateAccess: boolean;
  /** Defaults to ["0.0.0.0/0"] when the API omits it and the public endpoint is on. */
  publicAccessCidrs: string[];
}

export interface AwsVpc extends AwsResource {
  cidrBlocks: string[];
  ipv6CidrBlocks: string[];
  isDefault: boolean;
}

export interface AwsSubnet extends AwsResource {
  vpcId: string;
  cidrBlock: string;
  availabilityZone?: string;
  mapPublicIpOnLaunch: boolean;
}

export interface AwsRoute {
  destinationCidrBlock?: string;
  destinationIpv6CidrBlock?: string;
  gatewayId?: string;
  natGatewayId?: string;
  transitGatewayId?: string;
  vpcPeeringConnectionId?: string;
  state?: string;
}

export interface AwsRouteTable extends AwsResource {
  vpcId: string;
  main: boolean;
  subnetIds: string[];
  routes: AwsRoute[];
}

export interface AwsInternetGateway extends AwsResource {
  attachments: { vpcId: string; state?: string }[];
}

export interface AwsInstance extends AwsResource {
  vpcId?: string;
  subnetId?: string;
  privateIpAddress?: string;
  publicIpAddress?: string;
  state?: string;
}

export interface AwsLoadBalancer extends AwsResource {
  kind: 'application' | 'network' | 'gateway' | 'classic';
  /** internet-facing | internal. */
  scheme: string;
  vpcId?: string;
  subnetIds: string[];
  dnsName?: string;
}

export interface AwsVpcEndpoint extends AwsResource {
  vpcId: string;
  /** e.g. `com.amazonaws.eu-west-1.ecr.dkr`. */
  serviceName: string;
  /** Interface | Gateway | GatewayLoadBalancer | ... */
  type: string;
  privateDnsEnabled: boolean;
  state?: string;
}

export interface AwsHostedZone extends AwsResource {
  /** With trailing dot. */
  zoneName: string;
  privateZone: boolean;
  vpcIds: string[];
}

export interface AwsTransitGateway extends AwsResource {
  state?: string;
  attachedVpcIds: string[];
}

export interface AwsNatGateway extends AwsResource {
  vpcId: string;
  subnetId?: string;
  state?: string;
}

/** Data-processing cost of a Transit Gateway or NAT gateway over the window. */
export interface AwsTransferCost {
  scope: ScopeKey;
  resourceId: string;
  kind: 'transit-gateway' | 'nat-gateway';
  quantityGb: number;
  cost: number;
  currency: string;
  periodStart: string;
  periodEnd: string;
}

export interface AwsInventory {
  clusters: EksCluster[];
  vpcs: AwsVpc[];
  subnets: AwsSubnet[];
  routeTables: AwsRouteTable[];
  internetGateways: AwsInternetGateway[];
  instances: AwsInstance[];
  loadBalancers: AwsLoadBalancer[];
  vpcEndpoints: AwsVpcEndpoint[];
  hostedZones: AwsHostedZone[];
  transitGateways: AwsTransitGateway[];
  natGateways: AwsNatGateway[];
  transferCosts: AwsTransferCost[];
}

export type AwsDataset = keyof AwsInventory;

export function emptyAwsInventory(): AwsInventory {
  return {
    clusters: [],
    vpcs: [],
    subnets: [],
    routeTables: [],
    internetGateways: [],
    instances: [],
    loadBalancers: [],
    vpcEndpoints: [],
    hostedZones: [],
    transitGateways: [],
    natGateways: [],
    transferCosts: [],
  };
}
