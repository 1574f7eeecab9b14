import {
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeNatGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayAttachmentsCommand,
  DescribeTransitGatewaysCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient, paginateListClusters } from '@aws-sdk/client-eks';
import { DescribeLoadBalancersCommand as DescribeClassicCommand, DescribeTagsCommand as DescribeClassicTagsCommand, ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeLoadBalancersCommand as DescribeLoadBalancersV2Command, DescribeTagsCommand, ElasticLoadBalancingV2Client, paginateDescribeLoadBalancers } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ListAccountsCommand, OrganizationsClient, paginateListAccounts } from '@aws-sdk/client-organizations';
import { GetHostedZoneCommand, ListHostedZonesByVPCCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../sim/aws/index.js';
import { awsEstateSchema } from '../../../sim/aws/scenario.js';
import { serveProvider, type Harness } from '../harness.js';
import { loadScenarioEstate } from '../scenario-estates.js';

// Through the real AWS SDK v3 clients, pointed at the simulator with endpoint, region and
// static credentials only.

const BASE_CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sim-secret' };

let sim: Harness;
let platform: AwsCredentialIdentity;

function cfg(region: string, credentials: AwsCredentialIdentity = platform) {
  return { endpoint: sim.url, region, credentials };
}

beforeAll(async () => {
  const estate = awsEstateSchema.parse({
    ...loadScenarioEstate('aws', 'conformant'),
    accounts: [
      ...loadScenarioEstate('aws', 'conformant').accounts,
      { id: '999988887777', name: 'acme-locked', denied: true, regions: [{ name: 'eu-west-1' }] },
      { id: '444455556666', name: 'acme-legacy', regions: [{ name: 'eu-central-1', denied: true }] },
    ],
  });
  const legacy = estate.accounts.find((a) => a.id === '210987654321')?.regions[0];
  legacy?.loadBalancers.push({ name: 'legacy-billing', type: 'classic', scheme: 'internal', vpc: 'eks-prod', subnets: ['eks-prod-private-a'], tags: { owner: 'billing' } });
  sim = await serveProvider((env) => createAwsProvider(estate, env), { pageSize: 2 });
  const sts = new STSClient(cfg('eu-west-1', BASE_CREDENTIALS));
  const res = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::210987654321:role/airlock-audit', RoleSessionName: 'airlock' }));
  const c = res.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
  platform = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, ...(c.SessionToken ? { sessionToken: c.SessionToken } : {}) };
});

afterAll(async () => {
  await sim.stop();
});

describe('AWS emulation through the official SDK v3 clients', () => {
  it('identifies the caller: base key = management account, assumed role = target account', async () => {
    const base = await new STSClient(cfg('us-east-1', BASE_CREDENTIALS)).send(new GetCallerIdentityCommand({}));
    expect(base.Account).toBe('111122223333');
    const assumed = await new STSClient(cfg('us-east-1')).send(new GetCallerIdentityCommand({}));
    expect(assumed.Account).toBe('210987654321');
    expect(assumed.Arn).toBe('arn:aws:sts::210987654321:assumed-role/airlock-audit/airlock');
  });

  it('refuses AssumeRole into a denied account with AccessDenied', async () => {
    const sts = new STSClient(cfg('eu-west-1', BASE_CREDENTIALS));
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999988887777:role/airlock-audit', RoleSessionName: 'airlock' }))).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it('pages VPCs with NextToken and reads every EC2 resource type', async () => {
    const ec2 = new EC2Client(cfg('eu-west-1'));
    const vpcs = [];
    for await (const page of paginateDescribeVpcs({ client: ec2, pageSize: 5 }, {})) vpcs.push(...(page.Vpcs ?? []));
    expect(vpcs.map((v) => [v.VpcId, v.CidrBlock])).toEqual([
      ['vpc-0a1b2c3d4e5f60001', '10.64.0.0/16'],
      ['vpc-0a1b2c3d4e5f60002', '10.96.0.0/24'],
      ['vpc-0a1b2c3d4e5f60003', '10.66.0.0/16'], // the kops cluster's VPC
    ]);
    expect(vpcs[0]?.Tags).toContainEqual({ Key: 'Name', Value: 'eks-prod' });

    const subnets = (await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60001'] }], MaxResults: 5 }))).Subnets ?? [];
    expect(subnets.map((s) => s.SubnetId)).toEqual(['subnet-0a1b2c3d4e5f60011', 'subnet-0a1b2c3d4e5f60012']);
    expect(subnets[0]?.MapPublicIpOnLaunch).toBe(false);
    expect(subnets[0]?.AvailabilityZone).toBe('eu-west-1a');

    const tables = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-0a1b2c3d4e5f60002'] }] }))).RouteTables ?? [];
    const publicTable = tables.find((t) => t.Tags?.some((tag) => tag.Value === 'egress-public'));
    expect(publicTable?.Routes?.find((r) => r.DestinationCidrBlock === '0.0.0.0/0')?.GatewayId).toBe('igw-0a1b2c3d4e5f60002');
    expect(publicTable?.Associations?.map((a) => a.SubnetId)).toEqual(['subnet-0a1b2c3d4e5f60021']);
    const main = tables.find((t) => t.Associations?.some((a) => a.Main));
    expect(main?.Routes).toEqual([expect.objectContaining({ DestinationCidrBlock: '10.96.0.0/24', GatewayId: 'local' })]);

    const igws = (await ec2.send(new DescribeInternetGatewaysCommand({ InternetGatewayIds: ['igw-0a1b2c3d4e5f60001'] }))).InternetGateways ?? [];
    expect(igws[0]?.Attachments).toEqual([{ VpcId: 'vpc-0a1b2c3d4e5f60001', State: 'available' }]);

    const reservations = (await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:eks:cluster-name', Values: ['payments-*'] }] }))).Reservations ?? [];
    expect(reservations.flatMap((r) => r.Instances ?? []).map((i) => i.InstanceId)).toEqual(['i-0a1b2c3d4e5f60101', 'i-0a1b2c3d4e5f60102']);
    expect(reservations[0]?.Instances?.[0]?.PublicIpAddress).toBeUndefined();
    expect(reservations[0]?.Instances?.[0]?.PrivateIpAddress).toBe('10.64.0.10');

    const endpoints = (await ec2.send(new DescribeVpcEndpointsCommand({ MaxResults: 10 }))).VpcEndpoints ?? [];
    expect(endpoints.map((e) => [e.ServiceName, e.VpcEndpointType])).toEqual([
      ['com.amazonaws.eu-west-1.ecr.api', 'Interface'],
      ['com.amazonaws.eu-west-1.ecr.dkr', 'Interface'],
    ]);

    const nats = (await ec2.send(new DescribeNatGatewaysCommand({}))).NatGateways ?? [];
    expect(nats.map((n) => [n.NatGatewayId, n.SubnetId, n.VpcId])).toEqual([['nat-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60021', 'vpc-0a1b2c3d4e5f60002']]);

    const tgws = (await ec2.send(new DescribeTransitGatewaysCommand({}))).TransitGateways ?? [];
    expect(tgws.map((t) => t.TransitGatewayId)).toEqual(['tgw-0a1b2c3d4e5f60001']);
    const attachments = (await ec2.send(new DescribeTransitGatewayAttachmentsCommand({ Filters: [{ Name: 'resource-type', Values: ['vpc'] }] }))).TransitGatewayAttachments ?? [];
    // One page of two (page size 2): the hub's attachments in estate order, eks-prod then kops-prod.
    expect(attachments.map((a) => a.ResourceId)).toEqual(['vpc-0a1b2c3d4e5f60001', 'vpc-0a1b2c3d4e5f60003']);
  });

  it('answers InvalidVpcID.NotFound for an unknown id', async () => {
    const ec2 = new EC2Client(cfg('eu-west-1'));
    await expect(ec2.send(new DescribeVpcsCommand({ VpcIds: ['vpc-0000000000000dead'] }))).rejects.toMatchObject({ name: 'InvalidVpcID.NotFound' });
  });

  it('pages ELBv2 load balancers with Marker and reads tags and classic ELBs', async () => {
    const elbv2 = new ElasticLoadBalancingV2Client(cfg('eu-west-1'));
    const lbs = [];
    for await (const page of paginateDescribeLoadBalancers({ client: elbv2, pageSize: 1 }, {})) lbs.push(...(page.LoadBalancers ?? []));
    expect(lbs.map((l) => [l.LoadBalancerName, l.Scheme, l.Type, l.VpcId])).toEqual([
      ['payments-api-internal', 'internal', 'network', 'vpc-0a1b2c3d4e5f60001'],
      ['payments-admin', 'internal', 'application', 'vpc-0a1b2c3d4e5f60001'],
      ['api-orders-prod-aws-acme', 'internal', 'network', 'vpc-0a1b2c3d4e5f60003'], // kops API LB
    ]);
    expect(lbs[0]?.LoadBalancerArn).toMatch(/^arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer\/net\/payments-api-internal\//);
    expect(lbs[0]?.AvailabilityZones?.map((z) => z.SubnetId)).toEqual(['subnet-0a1b2c3d4e5f60011', 'subnet-0a1b2c3d4e5f60012']);
    const tags = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [lbs[0]?.LoadBalancerArn ?? ''] }));
    expect(tags.TagDescriptions?.[0]?.Tags).toEqual([{ Key: 'kubernetes.io/cluster/payments-prod', Value: 'owned' }]);

    const elb = new ElasticLoadBalancingClient(cfg('eu-west-1'));
    const classic = await elb.send(new DescribeClassicCommand({}));
    expect(classic.LoadBalancerDescriptions?.map((l) => [l.LoadBalancerName, l.Scheme, l.VPCId, l.Subnets])).toEqual([['legacy-billing', 'internal', 'vpc-0a1b2c3d4e5f60001', ['subnet-0a1b2c3d4e5f60011']]]);
    expect(classic.LoadBalancerDescriptions?.[0]?.DNSName).toMatch(/^internal-legacy-billing-/);
    const classicTags = await elb.send(new DescribeClassicTagsCommand({ LoadBalancerNames: ['legacy-billing'] }));
    expect(classicTags.TagDescriptions?.[0]?.Tags).toEqual([{ Key: 'owner', Value: 'billing' }]);
  });

  it('lists and describes EKS clusters', async () => {
    const eks = new EKSClient(cfg('eu-west-1'));
    const names = [];
    for await (const page of paginateListClusters({ client: eks, pageSize: 1 }, {})) names.push(...(page.clusters ?? []));
    expect(names).toEqual(['payments-prod']);
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'payments-prod' }));
    expect(cluster?.arn).toBe('arn:aws:eks:eu-west-1:210987654321:cluster/payments-prod');
    expect(cluster?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: false, endpointPrivateAccess: true, publicAccessCidrs: [], vpcId: 'vpc-0a1b2c3d4e5f60001' });
    await expect(eks.send(new DescribeClusterCommand({ name: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('reads Route 53 private zones by VPC, the zone and its record sets', async () => {
    const r53 = new Route53Client(cfg('us-east-1'));
    const byVpc = await r53.send(new ListHostedZonesByVPCCommand({ VPCId: 'vpc-0a1b2c3d4e5f60001', VPCRegion: 'eu-west-1' }));
    expect(byVpc.HostedZoneSummaries?.map((z) => [z.Name, z.Owner?.OwningAccount])).toEqual([['prod.aws.acme.internal.', '210987654321']]);
    const id = byVpc.HostedZoneSummaries?.[0]?.HostedZoneId ?? '';
    const zone = await r53.send(new GetHostedZoneCommand({ Id: id }));
    expect(zone.HostedZone?.Config?.PrivateZone).toBe(true);
    expect(zone.VPCs).toEqual([
      { VPCRegion: 'eu-west-1', VPCId: 'vpc-0a1b2c3d4e5f60001' },
      { VPCRegion: 'eu-west-1', VPCId: 'vpc-0a1b2c3d4e5f60003' }, // also the kops cluster's VPC
    ]);
    const first = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, MaxItems: 2 }));
    expect(first.IsTruncated).toBe(true);
    const rest = await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: id, StartRecordName: first.NextRecordName, StartRecordType: first.NextRecordType }));
    const all = [...(first.ResourceRecordSets ?? []), ...(rest.ResourceRecordSets ?? [])];
    expect(all.map((r) => `${r.Type} ${r.Name ?? ''}`)).toEqual(['NS prod.aws.acme.internal.', 'SOA prod.aws.acme.internal.', 'A api.orders.prod.aws.acme.internal.', 'CNAME payments-api.prod.aws.acme.internal.']);
  });

  it('lists organisation accounts from the management account only', async () => {
    const org = new OrganizationsClient(cfg('us-east-1', BASE_CREDENTIALS));
    const ids = [];
    for await (const page of paginateListAccounts({ client: org, pageSize: 2 }, {})) ids.push(...(page.Accounts ?? []).map((a) => a.Id));
    expect(ids).toEqual(['111122223333', '210987654321', '345678901234', '999988887777', '444455556666']);
    await expect(new OrganizationsClient(cfg('us-east-1')).send(new ListAccountsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  });

  it('answers UnauthorizedOperation in a denied account-region', async () => {
    const sts = new STSClient(cfg('eu-central-1', BASE_CREDENTIALS));
    const res = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::444455556666:role/airlock-audit', RoleSessionName: 'airlock' }));
    const c = res.Credentials;
    const ec2 = new EC2Client(cfg('eu-central-1', { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }));
    await expect(ec2.send(new DescribeVpcsCommand({}))).rejects.toMatchObject({ name: 'UnauthorizedOperation', $metadata: { httpStatusCode: 403 } });
  });

  it('retries a throttled EC2 call with the SDK standard retry', async () => {
    const ec2 = new EC2Client(cfg('eu-west-1'));
    sim.throttleNext('ec2:DescribeSubnets', 2);
    const before = sim.counts.get('ec2:DescribeSubnets') ?? 0;
    const res = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: ['subnet-0a1b2c3d4e5f60013'] }));
    expect(res.Subnets?.[0]?.CidrBlock).toBe('10.64.64.0/19');
    expect((sim.counts.get('ec2:DescribeSubnets') ?? 0) - before).toBe(3);
    expect(res.$metadata.attempts).toBe(3);
  });

  it('answers throttling in each service shape, which the SDK recognises and retries', async () => {
    const calls: [string, () => Promise<{ $metadata: { attempts?: number } }>][] = [
      ['elbv2:DescribeLoadBalancers', () => new ElasticLoadBalancingV2Client(cfg('eu-west-1')).send(new DescribeLoadBalancersV2Command({}))],
      ['elb:DescribeLoadBalancers', () => new ElasticLoadBalancingClient(cfg('eu-west-1')).send(new DescribeClassicCommand({}))],
      ['eks:DescribeCluster', () => new EKSClient(cfg('eu-west-1')).send(new DescribeClusterCommand({ name: 'payments-prod' }))],
      ['route53:ListHostedZonesByVPC', () => new Route53Client(cfg('us-east-1')).send(new ListHostedZonesByVPCCommand({ VPCId: 'vpc-0a1b2c3d4e5f60001', VPCRegion: 'eu-west-1' }))],
      ['organizations:ListAccounts', () => new OrganizationsClient(cfg('us-east-1', BASE_CREDENTIALS)).send(new ListAccountsCommand({}))],
      ['sts:GetCallerIdentity', () => new STSClient(cfg('us-east-1')).send(new GetCallerIdentityCommand({}))],
    ];
    for (const [operation, call] of calls) {
      sim.throttleNext(operation, 1);
      const res = await call();
      expect(res.$metadata.attempts, operation).toBe(2);
    }
  });

  it('surfaces an injected server error after the SDK gives up', async () => {
    const eks = new EKSClient({ ...cfg('eu-west-1'), maxAttempts: 2 });
    sim.fail('eks:DescribeCluster', 'server-error');
    try {
      await expect(eks.send(new DescribeClusterCommand({ name: 'payments-prod' }))).rejects.toMatchObject({ name: 'ServerException', $metadata: { httpStatusCode: 500, attempts: 2 } });
    } finally {
      sim.fail('eks:DescribeCluster', undefined);
    }
  });

  it('routes every request the clients made', () => {
    expect(sim.unrouted).toEqual([]);
  });
});
