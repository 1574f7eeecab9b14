import { z } from 'zod';
import { dropExtensionKeys, estateTruthSchema } from '../core/estate-schema.js';

/**
 * The aws part of a scenario: accounts → regions → VPCs (with subnets, route tables, an internet
 * gateway, VPC endpoints and NAT gateways), instances, load balancers, EKS clusters and Transit
 * Gateways; Route 53 hosted zones per account. Ids (`vpc-…`, `subnet-…`) are derived from the
 * names when not given, so a scenario only spells out the ids its truth names.
 *
 * References inside a region (a route table's subnets, an instance's subnet, a cluster's subnets,
 * a load balancer's VPC) accept the id or the name.
 */

const ref = z.string().min(1);
const cidr = z.string().min(1);
const tags = z.record(z.string(), z.string()).default({});
const id = (prefix: string) => z.string().regex(new RegExp(`^${prefix}-[0-9a-f]{8,17}$`), `an id like ${prefix}-0123456789abcdef0`);

const subnet = z
  .object({
    id: id('subnet').optional(),
    name: z.string().min(1),
    cidr,
    /** Availability-zone suffix (`a`) or full name (`eu-west-1a`). */
    az: z.string().default('a'),
    mapPublicIpOnLaunch: z.boolean().default(false),
    tags,
  })
  .strict();

const route = z
  .object({
    destination: cidr,
    /** `igw` (the VPC's internet gateway), or an id: `igw-…`, `nat-…`, `tgw-…`, `pcx-…`, `vgw-…`, `eni-…`, `local`. */
    target: z.string().min(1),
  })
  .strict();

const routeTable = z
  .object({
    id: id('rtb').optional(),
    name: z.string().min(1),
    main: z.boolean().default(false),
    subnets: z.array(ref).default([]),
    routes: z.array(route).default([]),
    tags,
  })
  .strict();

const endpoint = z.union([
  /** Service suffix: `s3` / `dynamodb` become Gateway endpoints, anything else an Interface endpoint. */
  z.string().min(1),
  z
    .object({
      id: id('vpce').optional(),
      service: z.string().min(1),
      type: z.enum(['Interface', 'Gateway', 'GatewayLoadBalancer']).optional(),
      privateDns: z.boolean().optional(),
      /** Interface endpoints: subnets (id or name) holding its network interfaces; default all of the VPC's. */
      subnets: z.array(ref).optional(),
    })
    .strict(),
]);

const transferFigures = {
  /** GB processed over the cost window (a month). */
  dataProcessedGb: z.number().nonnegative().default(0),
  /** Data-processing cost over the window; defaults to GB × list price (NAT 0.045, TGW 0.02 USD/GB). */
  costUsd: z.number().nonnegative().optional(),
};

const natGateway = z
  .object({
    id: id('nat').optional(),
    name: z.string().min(1),
    subnet: ref,
    publicIp: z.string().optional(),
    ...transferFigures,
    tags,
  })
  .strict();

const vpc = z
  .object({
    id: id('vpc').optional(),
    name: z.string().min(1),
    cidr,
    secondaryCidrs: z.array(cidr).default([]),
    isDefault: z.boolean().default(false),
    /** An attached internet gateway: `true` (id derived) or its id. */
    internetGateway: z.union([z.boolean(), id('igw')]).default(false),
    subnets: z.array(subnet).default([]),
    /** Without a `main: true` table, a main table with only the local route is added. */
    routeTables: z.array(routeTable).default([]),
    endpoints: z.array(endpoint).default([]),
    natGateways: z.array(natGateway).default([]),
    tags,
  })
  .strict();

const instance = z
  .object({
    id: id('i').optional(),
    name: z.string().min(1),
    subnet: ref,
    privateIp: z.string().optional(),
    publicIp: z.string().optional(),
    instanceType: z.string().default('m6i.large'),
    /** EKS cluster name: adds `eks:cluster-name` and `kubernetes.io/cluster/<name>` tags. */
    cluster: z.string().optional(),
    tags,
  })
  .strict();

const loadBalancer = z
  .object({
    name: z.string().min(1),
    /** ELBv2: the ARN's last segment (16 hex); derived from the name when absent. */
    id: z.string().regex(/^[0-9a-f]{16}$/).optional(),
    type: z.enum(['application', 'network', 'gateway', 'classic']).default('application'),
    scheme: z.enum(['internet-facing', 'internal']).default('internal'),
    vpc: ref,
    subnets: z.array(ref).min(1),
    tags,
  })
  .strict();

const cluster = z
  .object({
    name: z.string().min(1),
    subnets: z.array(ref).min(1),
    endpointPublicAccess: z.boolean().default(false),
    endpointPrivateAccess: z.boolean().default(true),
    /** Defaults to [] when the public endpoint is off and ["0.0.0.0/0"] when it is on (as EKS does). */
    publicAccessCidrs: z.array(cidr).optional(),
    serviceIpv4Cidr: cidr.default('172.16.0.0/16'),
    version: z.string().default('1.31'),
    tags,
  })
  .strict();

const transitGateway = z
  .object({
    id: id('tgw').optional(),
    name: z.string().min(1),
    /** VPCs (id or name) attached in this region. */
    attachments: z.array(ref).default([]),
    ...transferFigures,
    tags,
  })
  .strict();

const region = z
  .object({
    name: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, 'an AWS region such as eu-west-1'),
    /** Every call in this account-region answers UnauthorizedOperation / AccessDenied. */
    denied: z.boolean().default(false),
    vpcs: z.array(vpc).default([]),
    instances: z.array(instance).default([]),
    loadBalancers: z.array(loadBalancer).default([]),
    clusters: z.array(cluster).default([]),
    transitGateways: z.array(transitGateway).default([]),
  })
  .strict();

const record = z
  .object({ name: z.string().min(1), type: z.string().min(1), ttl: z.number().int().default(300), values: z.array(z.string()).min(1) })
  .strict();

const hostedZone = z
  .object({
    id: z.string().regex(/^Z[0-9A-Z]{6,32}$/).optional(),
    /** With or without the trailing dot. */
    name: z.string().min(1),
    private: z.boolean().default(true),
    /** VPC associations: `{ region, vpc }` where vpc is an id or a name in this account's region. */
    vpcs: z.array(z.object({ region: z.string().min(1), vpc: ref }).strict()).default([]),
    records: z.array(record).default([]),
  })
  .strict();

const account = z
  .object({
    id: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account id'),
    name: z.string().min(1),
    email: z.string().optional(),
    /** AssumeRole into this account is refused (AccessDenied). */
    denied: z.boolean().default(false),
    regions: z.array(region).default([]),
    hostedZones: z.array(hostedZone).default([]),
  })
  .strict();

/** An S3 object: text as given, or a mapping written as YAML (a kops Cluster or InstanceGroup). */
const s3Object = z.union([z.string(), z.record(z.string(), z.unknown())]);

const s3Bucket = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name'),
    /** Key → content, e.g. `<cluster>/cluster-completed.spec`, `<cluster>/instancegroup/nodes` of a kops state store. */
    objects: z.record(z.string().min(1), s3Object).default({}),
  })
  .strict();

const estate = z
  .object({
    /** The organisation's management account: static base credentials act as it. Defaults to the first account. */
    managementAccount: z.string().regex(/^\d{12}$/).optional(),
    /** Organisation id for ListAccounts ARNs. */
    organizationId: z.string().regex(/^o-[a-z0-9]{10,32}$/).default('o-airlocksim01'),
    accounts: z.array(account).default([]),
    /** S3 buckets (any account may read them): kops state stores. */
    s3Buckets: z.array(s3Bucket).default([]),
    truth: z.array(estateTruthSchema).default([]),
  })
  .strict();

export const awsEstateSchema = z.preprocess(dropExtensionKeys, estate);

export type AwsEstate = z.output<typeof estate>;
export type AwsAccountSpec = AwsEstate['accounts'][number];
export type AwsRegionSpec = AwsAccountSpec['regions'][number];
