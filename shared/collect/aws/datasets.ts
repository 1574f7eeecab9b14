import { z } from 'zod';
import type {
  AwsHostedZone,
  AwsInstance,
  AwsInternetGateway,
  AwsInventory,
  AwsLoadBalancer,
  AwsNatGateway,
  AwsRouteTable,
  AwsSubnet,
  AwsTransitGateway,
  AwsVpc,
  AwsVpcEndpoint,
  EksCluster,
} from '../../model/inventory/aws.js';
import type { ScopeKey } from '../../model/scope.js';
import { operationsOf, type DatasetDescriptor, type Operation } from '../kit/descriptor.js';
import { ShapeError } from '../kit/errors.js';

/**
 * The AWS datasets: for each, the operations that read it (with the IAM action each needs) and
 * the zod schema that accepts what the SDK v3 returns, mapped to the inventory record. Every
 * action is a Describe*, List* or Get*: the audit role never needs more.
 */

const op = (api: string, permission: string, description: string): Operation => ({ api, permission, description });

export const AWS_OPS = {
  assumeRole: op('sts:AssumeRole', 'sts:AssumeRole', 'Assume the read-only audit role in each account (granted by the role trust policy)'),
  listAccounts: op('organizations:ListAccounts', 'organizations:ListAccounts', 'Accounts of the organisation (useOrganizations: true, management account)'),
  describeRegions: op('ec2:DescribeRegions', 'ec2:DescribeRegions', 'Enabled regions of each account (regions: [])'),
  describeVpcs: op('ec2:DescribeVpcs', 'ec2:DescribeVpcs', 'VPCs with their IPv4 and IPv6 ranges'),
  describeSubnets: op('ec2:DescribeSubnets', 'ec2:DescribeSubnets', 'Subnets, their zones and MapPublicIpOnLaunch'),
  describeRouteTables: op('ec2:DescribeRouteTables', 'ec2:DescribeRouteTables', 'Route tables, associations and routes'),
  describeInternetGateways: op('ec2:DescribeInternetGateways', 'ec2:DescribeInternetGateways', 'Internet gateways and their VPC attachments'),
  describeNatGateways: op('ec2:DescribeNatGateways', 'ec2:DescribeNatGateways', 'NAT gateways'),
  describeTransitGateways: op('ec2:DescribeTransitGateways', 'ec2:DescribeTransitGateways', 'Transit Gateways'),
  describeTransitGatewayAttachments: op('ec2:DescribeTransitGatewayAttachments', 'ec2:DescribeTransitGatewayAttachments', 'VPC attachments of the Transit Gateways'),
  describeInstances: op('ec2:DescribeInstances', 'ec2:DescribeInstances', 'Instances with their private and public addresses'),
  describeVpcEndpoints: op('ec2:DescribeVpcEndpoints', 'ec2:DescribeVpcEndpoints', 'VPC endpoints (service, type, private DNS)'),
  describeLoadBalancersV2: op('elbv2:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancers', 'Application, network and gateway load balancers'),
  describeTagsV2: op('elbv2:DescribeTags', 'elasticloadbalancing:DescribeTags', 'Tags of the ELBv2 load balancers (cluster and Service ownership)'),
  describeLoadBalancersClassic: op('elb:DescribeLoadBalancers', 'elasticloadbalancing:DescribeLoadBalancers', 'Classic load balancers'),
  describeTagsClassic: op('elb:DescribeTags', 'elasticloadbalancing:DescribeTags', 'Tags of the classic load balancers'),
  listClusters: op('eks:ListClusters', 'eks:ListClusters', 'EKS clusters per region'),
  describeCluster: op('eks:DescribeCluster', 'eks:DescribeCluster', 'EKS endpoint access, public CIDRs, VPC and subnets'),
  listHostedZones: op('route53:ListHostedZones', 'route53:ListHostedZones', 'Hosted zones of each account'),
  getHostedZone: op('route53:GetHostedZone', 'route53:GetHostedZone', 'VPC associations of each private hosted zone'),
  getCostAndUsage: op('ce:GetCostAndUsage', 'ce:GetCostAndUsage', 'Monthly NAT gateway and Transit Gateway data-processing charges per usage type (one call per account)'),
  listStateStore: op('s3:ListObjectsV2', 's3:ListBucket', 'kops clusters in each state store (clouds.aws.kopsStateStores)'),
  getStateStoreObject: op('s3:GetObject', 's3:GetObject', 'kops cluster specs and instance groups'),
} as const satisfies Record<string, Operation>;

/** Where a raw item was read: the account-region scope it belongs to. */
export interface AwsOrigin {
  scope: ScopeKey;
  accountId: string;
  region: string;
}

/** One item as read (SDK v3 shape, sometimes with the results of a follow-up call joined in), with its origin. */
export interface AwsRawItem {
  origin: AwsOrigin;
  item: unknown;
}

/** Per account-region (EC2, ELB, EKS) or per account (Route 53, Cost Explorer), every path required. */
export interface AwsPaths {
  accountRegion?: readonly Operation[];
  account?: readonly Operation[];
}

type Datasets = Omit<AwsInventory, 'transferCosts' | 'kopsClusters'>;
export type AwsDatasetName = keyof Datasets;
export type AwsDescriptor<K extends keyof Datasets> = DatasetDescriptor<'aws', K, Datasets[K][number], AwsPaths>;

const str = z.string();
const opt = z.string().optional();
const tagList = z.array(z.object({ Key: opt, Value: opt })).optional();

function tagsOf(list: z.infer<typeof tagList>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

function parse<S extends z.ZodType>(schema: S, raw: AwsRawItem, what: string): z.output<S> {
  const result = schema.safeParse(raw.item);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ShapeError(`${what} in ${raw.origin.scope}: unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

function base(raw: AwsRawItem, id: string, tags: Record<string, string>, name?: string) {
  return { id, name: name ?? tags['Name'] ?? id, scope: raw.origin.scope, accountId: raw.origin.accountId, region: raw.origin.region, tags };
}

const def = <K extends keyof Datasets>(dataset: K, paths: AwsPaths, map: (raw: AwsRawItem) => Datasets[K][number]): AwsDescriptor<K> => ({
  cloud: 'aws',
  dataset,
  paths,
  map: (raw) => map(raw as AwsRawItem),
});

const vpcSchema = z.object({
  VpcId: str,
  CidrBlock: opt,
  IsDefault: z.boolean().optional(),
  CidrBlockAssociationSet: z.array(z.object({ CidrBlock: opt, CidrBlockState: z.object({ State: opt }).optional() })).optional(),
  Ipv6CidrBlockAssociationSet: z.array(z.object({ Ipv6CidrBlock: opt, Ipv6CidrBlockState: z.object({ State: opt }).optional() })).optional(),
  Tags: tagList,
});

const live = (state: string | undefined): boolean => state === undefined || !/^(disassociat|failed)/i.test(state);

export const vpcs = def('vpcs', { accountRegion: [AWS_OPS.describeVpcs] }, (raw): AwsVpc => {
  const v = parse(vpcSchema, raw, 'VPC');
  const cidrs = (v.CidrBlockAssociationSet ?? []).filter((a) => live(a.CidrBlockState?.State)).map((a) => a.CidrBlock).filter((c): c is string => c !== undefined);
  const cidrBlocks = [...new Set([...(v.CidrBlock ? [v.CidrBlock] : []), ...cidrs])];
  const ipv6CidrBlocks = (v.Ipv6CidrBlockAssociationSet ?? []).filter((a) => live(a.Ipv6CidrBlockState?.State)).map((a) => a.Ipv6CidrBlock).filter((c): c is string => c !== undefined);
  return { ...base(raw, v.VpcId, tagsOf(v.Tags)), cidrBlocks, ipv6CidrBlocks, isDefault: v.IsDefault ?? false };
});

const subnetSchema = z.object({ SubnetId: str, VpcId: str, CidrBlock: z.string().default(''), AvailabilityZone: opt, MapPublicIpOnLaunch: z.boolean().optional(), Tags: tagList });

export const subnets = def('subnets', { accountRegion: [AWS_OPS.describeSubnets] }, (raw): AwsSubnet => {
  const s = parse(subnetSchema, raw, 'subnet');
  return { ...base(raw, s.SubnetId, tagsOf(s.Tags)), vpcId: s.VpcId, cidrBlock: s.CidrBlock, ...(s.AvailabilityZone ? { availabilityZone: s.AvailabilityZone } : {}), mapPublicIpOnLaunch: s.MapPublicIpOnLaunch ?? false };
});

const routeSchema = z.object({
  DestinationCidrBlock: opt,
  DestinationIpv6CidrBlock: opt,
  GatewayId: opt,
  NatGatewayId: opt,
  TransitGatewayId: opt,
  VpcPeeringConnectionId: opt,
  InstanceId: opt,
  NetworkInterfaceId: opt,
  State: opt,
});
const routeTableSchema = z.object({
  RouteTableId: str,
  VpcId: str,
  Associations: z.array(z.object({ Main: z.boolean().optional(), SubnetId: opt })).optional(),
  Routes: z.array(routeSchema).optional(),
  Tags: tagList,
});

/** Copies the defined fields of `from` under their camel-case names (the route shape the rules read). */
function defined<T extends Record<string, string | undefined>>(from: T): { [K in keyof T]?: string } {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(from)) if (v !== undefined) out[k] = v;
  return out;
}

export const routeTables = def('routeTables', { accountRegion: [AWS_OPS.describeRouteTables] }, (raw): AwsRouteTable => {
  const t = parse(routeTableSchema, raw, 'route table');
  const associations = t.Associations ?? [];
  return {
    ...base(raw, t.RouteTableId, tagsOf(t.Tags)),
    vpcId: t.VpcId,
    main: associations.some((a) => a.Main === true),
    subnetIds: associations.map((a) => a.SubnetId).filter((s): s is string => s !== undefined),
    routes: (t.Routes ?? []).map((r) =>
      defined({
        destinationCidrBlock: r.DestinationCidrBlock,
        destinationIpv6CidrBlock: r.DestinationIpv6CidrBlock,
        gatewayId: r.GatewayId,
        natGatewayId: r.NatGatewayId,
        transitGatewayId: r.TransitGatewayId,
        vpcPeeringConnectionId: r.VpcPeeringConnectionId,
        instanceId: r.InstanceId,
        networkInterfaceId: r.NetworkInterfaceId,
        state: r.State,
      }),
    ),
  };
});

const igwSchema = z.object({ InternetGatewayId: str, Attachments: z.array(z.object({ VpcId: str, State: opt })).optional(), Tags: tagList });

export const internetGateways = def('internetGateways', { accountRegion: [AWS_OPS.describeInternetGateways] }, (raw): AwsInternetGateway => {
  const g = parse(igwSchema, raw, 'internet gateway');
  return { ...base(raw, g.InternetGatewayId, tagsOf(g.Tags)), attachments: (g.Attachments ?? []).map((a) => ({ vpcId: a.VpcId, ...(a.State ? { state: a.State } : {}) })) };
});

const instanceSchema = z.object({ InstanceId: str, VpcId: opt, SubnetId: opt, PrivateIpAddress: opt, PublicIpAddress: opt, State: z.object({ Name: opt }).optional(), Tags: tagList });

/** One instance (the collector flattens DescribeInstances' reservations). */
export const instances = def('instances', { accountRegion: [AWS_OPS.describeInstances] }, (raw): AwsInstance => {
  const i = parse(instanceSchema, raw, 'instance');
  return {
    ...base(raw, i.InstanceId, tagsOf(i.Tags)),
    ...defined({ vpcId: i.VpcId, subnetId: i.SubnetId, privateIpAddress: i.PrivateIpAddress, publicIpAddress: i.PublicIpAddress, state: i.State?.Name }),
  };
});

const endpointSchema = z.object({ VpcEndpointId: str, VpcId: str, ServiceName: str, VpcEndpointType: z.string().default('Gateway'), PrivateDnsEnabled: z.boolean().optional(), State: opt, Tags: tagList });

export const vpcEndpoints = def('vpcEndpoints', { accountRegion: [AWS_OPS.describeVpcEndpoints] }, (raw): AwsVpcEndpoint => {
  const e = parse(endpointSchema, raw, 'VPC endpoint');
  return {
    ...base(raw, e.VpcEndpointId, tagsOf(e.Tags)),
    vpcId: e.VpcId,
    serviceName: e.ServiceName,
    type: e.VpcEndpointType,
    // Real AWS reports false for gateway endpoints (moto says true); only interface endpoints have private DNS.
    privateDnsEnabled: e.VpcEndpointType.toLowerCase() === 'gateway' ? false : (e.PrivateDnsEnabled ?? false),
    ...(e.State ? { state: e.State } : {}),
  };
});

const natSchema = z.object({ NatGatewayId: str, VpcId: str, SubnetId: opt, State: opt, Tags: tagList });

export const natGateways = def('natGateways', { accountRegion: [AWS_OPS.describeNatGateways] }, (raw): AwsNatGateway => {
  const n = parse(natSchema, raw, 'NAT gateway');
  return { ...base(raw, n.NatGatewayId, tagsOf(n.Tags)), vpcId: n.VpcId, ...defined({ subnetId: n.SubnetId, state: n.State }) };
});

/** A Transit Gateway with its VPC attachments (DescribeTransitGatewayAttachments) joined in as `Attachments`. */
const tgwSchema = z.object({
  TransitGatewayId: str,
  State: opt,
  Tags: tagList,
  Attachments: z.array(z.object({ ResourceType: opt, ResourceId: opt, State: opt })).default([]),
});

export const transitGateways = def('transitGateways', { accountRegion: [AWS_OPS.describeTransitGateways, AWS_OPS.describeTransitGatewayAttachments] }, (raw): AwsTransitGateway => {
  const t = parse(tgwSchema, raw, 'Transit Gateway');
  const attached = t.Attachments.filter((a) => (a.ResourceType ?? 'vpc') === 'vpc' && a.ResourceId && !/^(deleted|deleting|failed|rejected)/i.test(a.State ?? '')).map((a) => a.ResourceId ?? '');
  return { ...base(raw, t.TransitGatewayId, tagsOf(t.Tags)), ...(t.State ? { state: t.State } : {}), attachedVpcIds: [...new Set(attached)] };
});

/** ELBv2 load balancer with its DescribeTags result joined in as `Tags`. */
const lbV2Schema = z.object({
  LoadBalancerArn: str,
  LoadBalancerName: str,
  Type: z.enum(['application', 'network', 'gateway']).default('application'),
  Scheme: z.string().default('internet-facing'),
  VpcId: opt,
  DNSName: opt,
  AvailabilityZones: z.array(z.object({ SubnetId: opt })).optional(),
  Tags: tagList,
});
/** Classic load balancer (`Classic: true` marks it) with its tags joined in. */
const lbClassicSchema = z.object({
  Classic: z.literal(true),
  LoadBalancerName: str,
  Scheme: z.string().default('internet-facing'),
  VPCId: opt,
  DNSName: opt,
  Subnets: z.array(z.string()).optional(),
  Tags: tagList,
});

export const loadBalancers = def('loadBalancers', { accountRegion: [AWS_OPS.describeLoadBalancersV2, AWS_OPS.describeTagsV2, AWS_OPS.describeLoadBalancersClassic, AWS_OPS.describeTagsClassic] }, (raw): AwsLoadBalancer => {
  const item = raw.item as { Classic?: unknown } | null;
  if (item !== null && typeof item === 'object' && item.Classic === true) {
    const c = parse(lbClassicSchema, raw, 'classic load balancer');
    const arn = `arn:aws:elasticloadbalancing:${raw.origin.region}:${raw.origin.accountId}:loadbalancer/${c.LoadBalancerName}`;
    return { ...base(raw, arn, tagsOf(c.Tags), c.LoadBalancerName), kind: 'classic', scheme: c.Scheme, ...defined({ vpcId: c.VPCId, dnsName: c.DNSName }), subnetIds: c.Subnets ?? [] };
  }
  const l = parse(lbV2Schema, raw, 'load balancer');
  return {
    ...base(raw, l.LoadBalancerArn, tagsOf(l.Tags), l.LoadBalancerName),
    kind: l.Type,
    scheme: l.Scheme,
    ...defined({ vpcId: l.VpcId, dnsName: l.DNSName }),
    subnetIds: (l.AvailabilityZones ?? []).map((z) => z.SubnetId).filter((s): s is string => s !== undefined),
  };
});

const eksSchema = z.object({
  name: str,
  arn: str,
  tags: z.record(z.string(), z.string()).optional(),
  resourcesVpcConfig: z
    .object({
      vpcId: opt,
      subnetIds: z.array(z.string()).optional(),
      endpointPublicAccess: z.boolean().optional(),
      endpointPrivateAccess: z.boolean().optional(),
      publicAccessCidrs: z.array(z.string()).optional(),
    })
    .optional(),
});

export const clusters = def('clusters', { accountRegion: [AWS_OPS.listClusters, AWS_OPS.describeCluster] }, (raw): EksCluster => {
  const c = parse(eksSchema, raw, 'EKS cluster');
  const vpc = c.resourcesVpcConfig ?? {};
  // The API's defaults where it omits a key (old clusters, emulators): public on, private off, public open to all.
  const endpointPublicAccess = vpc.endpointPublicAccess ?? true;
  const publicAccessCidrs = vpc.publicAccessCidrs ?? (endpointPublicAccess ? ['0.0.0.0/0'] : []);
  return {
    ...base(raw, c.arn, c.tags ?? {}, c.name),
    arn: c.arn,
    ...(vpc.vpcId ? { vpcId: vpc.vpcId } : {}),
    subnetIds: vpc.subnetIds ?? [],
    endpointPublicAccess,
    endpointPrivateAccess: vpc.endpointPrivateAccess ?? false,
    publicAccessCidrs,
  };
});

/** A hosted zone (ListHostedZones) with its GetHostedZone VPC associations joined in as `VPCs`. */
const zoneSchema = z.object({
  Id: str,
  Name: str,
  Config: z.object({ PrivateZone: z.boolean().optional() }).optional(),
  VPCs: z.array(z.object({ VPCId: opt, VPCRegion: opt })).default([]),
});

export const hostedZones = def('hostedZones', { account: [AWS_OPS.listHostedZones, AWS_OPS.getHostedZone] }, (raw): AwsHostedZone => {
  const z0 = parse(zoneSchema, raw, 'hosted zone');
  const id = z0.Id.startsWith('/hostedzone/') ? z0.Id : `/hostedzone/${z0.Id}`;
  const zoneName = z0.Name.endsWith('.') ? z0.Name : `${z0.Name}.`;
  return {
    ...base(raw, id, {}, zoneName.replace(/\.$/, '')),
    zoneName,
    privateZone: z0.Config?.PrivateZone ?? false,
    vpcIds: z0.VPCs.map((v) => v.VPCId).filter((v): v is string => v !== undefined),
  };
});

/** Every descriptor; the transfer costs (Cost Explorer) and kops clusters (S3) have their own modules. */
export const AWS_DESCRIPTORS = [vpcs, subnets, routeTables, internetGateways, natGateways, transitGateways, instances, vpcEndpoints, loadBalancers, clusters, hostedZones] as const;

/**
 * Every operation the read-only role in each account must allow (the IAM policy). sts:AssumeRole is
 * left out: the audit identity's own policy and the role's trust policy grant it (docs/aws-setup.md).
 */
export const AWS_OPERATIONS: readonly Operation[] = operationsOf(AWS_DESCRIPTORS, [AWS_OPS.listAccounts, AWS_OPS.describeRegions, AWS_OPS.getCostAndUsage, AWS_OPS.listStateStore, AWS_OPS.getStateStoreObject]);
