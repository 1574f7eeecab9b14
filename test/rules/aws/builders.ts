/**
 * Small builders for AWS inventory records, so rule cases read as the estate they describe. The
 * default estate is conformant: a private EKS cluster in VPC `vpc-0a1b2c3d4e5f60001` (10.64.0.0/16)
 * whose private subnets route 0.0.0.0/0 to a Transit Gateway, with every VPC endpoint a private
 * cluster needs and a private hosted zone. Cases override what they test.
 */
import type {
  AwsHostedZone,
  AwsInstance,
  AwsInventory,
  AwsLoadBalancer,
  AwsNatGateway,
  AwsRouteTable,
  AwsSubnet,
  AwsTransferCost,
  AwsVpc,
  AwsVpcEndpoint,
  EksCluster,
  KopsCluster,
} from '../../../shared/model/inventory/aws.js';
import { scopeKey } from '../../../shared/model/scope.js';

/** Overrides for a builder: a key set to `undefined` removes that optional field (the API omitted it). */
export type Over<T> = { [K in keyof T]?: T[K] | undefined };

function merge<T extends object>(defaults: T, over: object): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [key, value] of Object.entries(over)) {
    if (value === undefined) Reflect.deleteProperty(out, key);
    else out[key] = value;
  }
  return out as T;
}

export const ACCOUNT = '210987654321';
export const REGION = 'eu-west-1';
export const SCOPE = scopeKey({ cloud: 'aws', kind: 'account-region', id: `${ACCOUNT}/${REGION}` });
export const VPC = 'vpc-0a1b2c3d4e5f60001';
export const SUBNET_A = 'subnet-0a1b2c3d4e5f60011';
export const SUBNET_B = 'subnet-0a1b2c3d4e5f60012';
export const TGW = 'tgw-0a1b2c3d4e5f60001';

function base(id: string, name = id) {
  return { id, name, scope: SCOPE, accountId: ACCOUNT, region: REGION, tags: {} };
}

export function eks(name = 'payments', over: Over<EksCluster> = {}): EksCluster {
  const arn = `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`;
  return merge<EksCluster>(
    { ...base(arn, name), arn, vpcId: VPC, subnetIds: [SUBNET_A, SUBNET_B], endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: [] },
    over,
  );
}

export function vpc(id = VPC, over: Over<AwsVpc> = {}): AwsVpc {
  return merge<AwsVpc>({ ...base(id, 'eks-prod'), cidrBlocks: ['10.64.0.0/16'], ipv6CidrBlocks: [], isDefault: false }, over);
}

export function subnet(id: string, over: Over<AwsSubnet> = {}): AwsSubnet {
  return merge<AwsSubnet>({ ...base(id), vpcId: VPC, cidrBlock: '10.64.0.0/19', availabilityZone: `${REGION}a`, mapPublicIpOnLaunch: false }, over);
}

export function routeTable(id: string, over: Over<AwsRouteTable> = {}): AwsRouteTable {
  return merge<AwsRouteTable>(
    { ...base(id), vpcId: VPC, main: false, subnetIds: [], routes: [{ destinationCidrBlock: '10.64.0.0/16', gatewayId: 'local', state: 'active' }] },
    over,
  );
}

export function instance(id: string, over: Over<AwsInstance> = {}): AwsInstance {
  return merge<AwsInstance>({ ...base(id), vpcId: VPC, subnetId: SUBNET_A, privateIpAddress: '10.64.1.10', state: 'running' }, over);
}

export function lb(name: string, over: Over<AwsLoadBalancer> & { lbId?: string } = {}): AwsLoadBalancer {
  const { lbId = '0123456789abcdef', ...rest } = over;
  const kind = rest.kind ?? 'network';
  const arn = kind === 'classic' ? `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${name}` : `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/${kind === 'application' ? 'app' : 'net'}/${name}/${lbId}`;
  return merge<AwsLoadBalancer>({ ...base(arn, name), kind, scheme: 'internal', vpcId: VPC, subnetIds: [SUBNET_A, SUBNET_B], dnsName: `${name}.elb.${REGION}.amazonaws.com` }, rest);
}

export function endpoint(service: string, over: Over<AwsVpcEndpoint> = {}): AwsVpcEndpoint {
  const gateway = service === 's3';
  return merge<AwsVpcEndpoint>(
    { ...base(`vpce-${service.replace(/\W/g, '')}0001`), vpcId: VPC, serviceName: `com.amazonaws.${REGION}.${service}`, type: gateway ? 'Gateway' : 'Interface', privateDnsEnabled: !gateway, state: 'available' },
    over,
  );
}

export const ALL_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'sts', 'logs', 's3'];

export function zone(name: string, over: Over<AwsHostedZone> = {}): AwsHostedZone {
  return merge<AwsHostedZone>({ ...base('/hostedzone/Z0PRIVATE0001', name), zoneName: `${name}.`, privateZone: true, vpcIds: [VPC] }, over);
}

export function nat(id: string, over: Over<AwsNatGateway> = {}): AwsNatGateway {
  return merge<AwsNatGateway>({ ...base(id), vpcId: VPC, state: 'available' }, over);
}

export function transferCost(resourceId: string, cost: number, over: Over<AwsTransferCost> = {}): AwsTransferCost {
  return merge<AwsTransferCost>(
    { scope: SCOPE, resourceId, kind: resourceId.startsWith('nat-') ? 'nat-gateway' : 'transit-gateway', quantityGb: cost / 0.02, cost, currency: 'USD', periodStart: '2026-10-01', periodEnd: '2026-10-30' },
    over,
  );
}

/** A private kops cluster: Private subnets with kops-managed egress, Utility subnets, an Internal API load balancer, Calico. */
export function kops(name = 'k8s.corp.example.com', over: Over<KopsCluster> = {}): KopsCluster {
  return merge<KopsCluster>(
    {
      ...base(`s3://corp-kops-state/${name}`, name),
      stateStore: 's3://corp-kops-state',
      networkId: VPC,
      networkCidrs: ['10.64.0.0/16'],
      subnets: [
        { name: 'eu-west-1a', type: 'Private', cidr: '10.64.0.0/19', zone: 'eu-west-1a', id: SUBNET_A },
        { name: 'utility-eu-west-1a', type: 'Utility', cidr: '10.64.128.0/22', zone: 'eu-west-1a' },
      ],
      dnsType: 'Private',
      dnsZone: 'corp.example.com',
      apiLoadBalancerType: 'Internal',
      apiDns: false,
      kubernetesApiAccess: ['10.10.0.0/16'],
      networking: 'calico',
      instanceGroups: [
        { name: 'control-plane-eu-west-1a', role: 'ControlPlane', subnets: ['eu-west-1a'] },
        { name: 'nodes-eu-west-1a', role: 'Node', subnets: ['eu-west-1a'] },
        { name: 'bastions', role: 'Bastion', subnets: ['utility-eu-west-1a'] },
      ],
    },
    over,
  );
}

/** The conformant estate around the default cluster; `over` replaces whole datasets. */
export function estate(over: Partial<AwsInventory> = {}): Partial<AwsInventory> {
  return {
    clusters: [eks()],
    vpcs: [vpc()],
    subnets: [subnet(SUBNET_A, { name: 'eks-prod-private-a' }), subnet(SUBNET_B, { name: 'eks-prod-private-b', cidrBlock: '10.64.32.0/19', availabilityZone: `${REGION}b` })],
    routeTables: [
      routeTable('rtb-0a1b2c3d4e5f60001', { main: true }),
      routeTable('rtb-0a1b2c3d4e5f60002', { subnetIds: [SUBNET_A, SUBNET_B], routes: [{ destinationCidrBlock: '10.64.0.0/16', gatewayId: 'local' }, { destinationCidrBlock: '0.0.0.0/0', transitGatewayId: TGW }] }),
    ],
    vpcEndpoints: ALL_ENDPOINTS.map((s) => endpoint(s)),
    hostedZones: [zone('prod.aws.corp.internal')],
    ...over,
  };
}
