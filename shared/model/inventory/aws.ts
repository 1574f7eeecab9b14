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
  /** `InstanceId` / `NetworkInterfaceId`: a NAT instance or appliance as the next hop. */
  instanceId?: string;
  networkInterfaceId?: string;
  /** `State`: active | blackhole. */
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

/** A kops subnet (`spec.subnets[]` of the Cluster in the state store). */
export interface KopsSubnet {
  /** `name`: instance groups refer to subnets by it. */
  name: string;
  /** `type`: Public | Private | Utility | DualStack; absent in old specs (then `topology` decides). */
  type?: string;
  /** `cidr`. */
  cidr?: string;
  /** `zone`, e.g. `us-east-1a`. */
  zone?: string;
  /** `id`: an existing (shared) subnet; absent when kops creates it (tagged `KubernetesCluster`, Name `<name>.<cluster>`). */
  id?: string;
  /** `egress`: `nat-...` (NAT gateway), `i-...` (NAT instance), `tgw-...`, or `External`; absent: kops creates a NAT gateway. */
  egress?: string;
}

/** A kops instance group (`<cluster>/instancegroup/<name>` in the state store). */
export interface KopsInstanceGroup {
  /** `metadata.name`. */
  name: string;
  /** `spec.role`: ControlPlane (older: Master) | Node | APIServer | Bastion. */
  role: string;
  /** `spec.subnets`: names of the cluster's `spec.subnets[]`. */
  subnets: string[];
  /** `spec.associatePublicIp`, when set. */
  associatePublicIp?: boolean;
}

/**
 * A kops cluster read from an S3 state store (`clouds.aws.kopsStateStores`):
 * `<store>/<cluster>/cluster-completed.spec` (or `config`) plus `<store>/<cluster>/instancegroup/*`.
 * `scope` is the account-region the cluster runs in (region from the subnets' zones); `id` is
 * the cluster's path in the store, `s3://<bucket>[/<prefix>]/<cluster>`; `name` is `metadata.name`.
 */
export interface KopsCluster extends AwsResource {
  /** The state store, `s3://<bucket>[/<prefix>]` (what `kops --state` takes). */
  stateStore: string;
  /** `spec.networkID`: an existing VPC; absent when kops creates the VPC (tagged `KubernetesCluster: <name>`). */
  networkId?: string;
  /** `spec.networkCIDR` followed by `spec.additionalNetworkCIDRs`. */
  networkCidrs: string[];
  subnets: KopsSubnet[];
  /** Older specs: `spec.topology.masters` / `spec.topology.nodes` (`public` | `private`). */
  topologyMasters?: string;
  topologyNodes?: string;
  /** `spec.topology.dns.type` (Public | Private | None); kops defaults it to Public. */
  dnsType?: string;
  /** `spec.dnsZone`: a zone name or a hosted zone id (`Z...`); absent for gossip clusters (`*.k8s.local`). */
  dnsZone?: string;
  /** `spec.api.loadBalancer.type` (Public | Internal) when the API has a load balancer. */
  apiLoadBalancerType?: string;
  /** True when `spec.api.dns` is set: DNS names point straight at the control-plane instances. */
  apiDns: boolean;
  /** `spec.kubernetesApiAccess`; kops defaults it to 0.0.0.0/0 and ::/0 when absent. */
  kubernetesApiAccess?: string[];
  /** The key under `spec.networking` (kubenet, calico, cilium, cni, amazonvpc, kopeio, ...); older specs a string. */
  networking?: string;
  /** `spec.egressProxy.httpProxy.host` (and `:port`), when the cluster egresses through a proxy. */
  egressProxy?: string;
  instanceGroups: KopsInstanceGroup[];
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
  kopsClusters: KopsCluster[];
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
    kopsClusters: [],
  };
}
