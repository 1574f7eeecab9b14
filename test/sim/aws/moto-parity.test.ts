import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  CreateVpcEndpointCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
  ModifySubnetAttributeCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateClusterCommand, DescribeClusterCommand, EKSClient, ListClustersCommand } from '@aws-sdk/client-eks';
import { CreateLoadBalancerCommand, DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ChangeResourceRecordSetsCommand, CreateHostedZoneCommand, GetHostedZoneCommand, ListHostedZonesByVPCCommand, ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsProvider } from '../../../sim/aws/index.js';
import { awsEstateSchema, type AwsEstate } from '../../../sim/aws/scenario.js';
import { serveProvider, type Harness } from '../harness.js';

/**
 * moto parity: the same small estate built in moto (through SDK v3 create calls) and declared in
 * the simulator, read back with the same SDK v3 read calls, compared after normalisation. Ids are
 * mapped to the roles they play; fields where moto differs from real AWS (realdata/INDEX.md: EKS
 * vpcId, publicAccessCidrs when unset, NLB ARNs, internal DNS names, gateway endpoint private DNS)
 * are not compared.
 */

const motoAvailable = spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const CREDENTIALS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sim-secret' };

interface Ids {
  vpc: string;
  privateA: string;
  privateB: string;
  publicA: string;
  igw: string;
  publicRtb: string;
  instance: string;
}

/** How long startMoto waits for the port before it gives up (well inside the 60 s hook timeout). */
const MOTO_START_MS = 30_000;

/** Resolves once the process has exited (at once if it already has: `exit` will not fire again). */
function exitOf(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => proc.once('exit', () => { resolve(); }));
}

/** Kills the process and waits for it to be gone. */
async function killMoto(proc: ChildProcess): Promise<void> {
  const exited = exitOf(proc);
  if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  await exited;
}

/** Starts moto_server.py; if its port does not appear (exit, error or MOTO_START_MS), the process is killed before the error is thrown, so no python is left behind. */
async function startMoto(): Promise<{ url: string; proc: ChildProcess }> {
  const script = fileURLToPath(new URL('./moto_server.py', import.meta.url));
  const proc = spawn('python3', [script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      timer = setTimeout(() => {
        reject(new Error(`moto_server.py printed no port within ${String(MOTO_START_MS)} ms: ${err}`));
      }, MOTO_START_MS);
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve(line.trim());
      });
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString();
      });
      proc.on('error', reject);
      proc.on('exit', (code) => {
        reject(new Error(`moto_server.py exited with ${String(code)} before printing its port: ${err}`));
      });
    });
    return { url: `http://127.0.0.1:${port}`, proc };
  } catch (e) {
    await killMoto(proc);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the estate in moto through the SDK's create calls; returns the ids moto chose. */
async function buildInMoto(url: string): Promise<Ids> {
  const cfg = { endpoint: url, region: REGION, credentials: CREDENTIALS };
  const ec2 = new EC2Client(cfg);
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.20.0.0/16' }))).Vpc?.VpcId ?? '';
  const subnet = async (cidr: string, az: string, name: string) => {
    const id = (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: cidr, AvailabilityZone: az }))).Subnet?.SubnetId ?? '';
    await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Name', Value: name }] }));
    return id;
  };
  await ec2.send(new CreateTagsCommand({ Resources: [vpc], Tags: [{ Key: 'Name', Value: 'eks-parity' }] }));
  const privateA = await subnet('10.20.1.0/24', 'us-east-1a', 'private-a');
  const privateB = await subnet('10.20.2.0/24', 'us-east-1b', 'private-b');
  const publicA = await subnet('10.20.101.0/24', 'us-east-1a', 'public-a');
  await ec2.send(new ModifySubnetAttributeCommand({ SubnetId: publicA, MapPublicIpOnLaunch: { Value: true } }));
  const igw = (await ec2.send(new CreateInternetGatewayCommand({}))).InternetGateway?.InternetGatewayId ?? '';
  await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: igw, VpcId: vpc }));
  const publicRtb = (await ec2.send(new CreateRouteTableCommand({ VpcId: vpc }))).RouteTable?.RouteTableId ?? '';
  await ec2.send(new CreateRouteCommand({ RouteTableId: publicRtb, DestinationCidrBlock: '0.0.0.0/0', GatewayId: igw }));
  await ec2.send(new AssociateRouteTableCommand({ RouteTableId: publicRtb, SubnetId: publicA }));
  await ec2.send(new CreateVpcEndpointCommand({ VpcId: vpc, ServiceName: `com.amazonaws.${REGION}.ecr.api`, VpcEndpointType: 'Interface', SubnetIds: [privateA, privateB], PrivateDnsEnabled: true }));
  await ec2.send(new CreateVpcEndpointCommand({ VpcId: vpc, ServiceName: `com.amazonaws.${REGION}.s3`, VpcEndpointType: 'Gateway' }));
  const run = await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', MinCount: 1, MaxCount: 1, InstanceType: 'm6i.large', SubnetId: privateA }));
  const instance = run.Instances?.[0]?.InstanceId ?? '';

  const elbv2 = new ElasticLoadBalancingV2Client(cfg);
  await elbv2.send(new CreateLoadBalancerCommand({ Name: 'parity-public', Subnets: [publicA, privateB], Scheme: 'internet-facing', Type: 'application' }));
  await elbv2.send(new CreateLoadBalancerCommand({ Name: 'parity-internal', Subnets: [privateA, privateB], Scheme: 'internal', Type: 'application' }));

  const eks = new EKSClient(cfg);
  const roleArn = `arn:aws:iam::${ACCOUNT}:role/eks-cluster`;
  await eks.send(new CreateClusterCommand({ name: 'parity-private', roleArn, resourcesVpcConfig: { subnetIds: [privateA, privateB], endpointPublicAccess: false, endpointPrivateAccess: true } }));
  await eks.send(
    new CreateClusterCommand({ name: 'parity-restricted', roleArn, resourcesVpcConfig: { subnetIds: [privateA, privateB], endpointPublicAccess: true, endpointPrivateAccess: true, publicAccessCidrs: ['203.0.113.0/24'] } }),
  );

  const r53 = new Route53Client(cfg);
  const zone = await r53.send(new CreateHostedZoneCommand({ Name: 'parity.internal', CallerReference: 'parity-1', HostedZoneConfig: { PrivateZone: true, Comment: 'parity' }, VPC: { VPCId: vpc, VPCRegion: REGION } }));
  await r53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zone.HostedZone?.Id ?? '',
      ChangeBatch: { Changes: [{ Action: 'CREATE', ResourceRecordSet: { Name: 'api.parity.internal', Type: 'A', TTL: 300, ResourceRecords: [{ Value: '10.20.1.50' }] } }] },
    }),
  );
  return { vpc, privateA, privateB, publicA, igw, publicRtb, instance };
}

/** The same estate as a simulator scenario, with moto's ids so relations line up. */
function simEstate(ids: Ids): AwsEstate {
  return awsEstateSchema.parse({
    accounts: [
      {
        id: ACCOUNT,
        name: 'parity',
        regions: [
          {
            name: REGION,
            vpcs: [
              {
                id: ids.vpc,
                name: 'eks-parity',
                cidr: '10.20.0.0/16',
                internetGateway: ids.igw,
                subnets: [
                  { id: ids.privateA, name: 'private-a', cidr: '10.20.1.0/24', az: 'a' },
                  { id: ids.privateB, name: 'private-b', cidr: '10.20.2.0/24', az: 'b' },
                  { id: ids.publicA, name: 'public-a', cidr: '10.20.101.0/24', az: 'a', mapPublicIpOnLaunch: true },
                ],
                routeTables: [{ id: ids.publicRtb, name: 'public', subnets: ['public-a'], routes: [{ destination: '0.0.0.0/0', target: 'igw' }] }],
                endpoints: [{ service: 'ecr.api', subnets: ['private-a', 'private-b'] }, 's3'],
              },
            ],
            instances: [{ id: ids.instance, name: 'node-a', subnet: 'private-a' }],
            loadBalancers: [
              { name: 'parity-public', type: 'application', scheme: 'internet-facing', vpc: 'eks-parity', subnets: ['public-a', 'private-b'] },
              { name: 'parity-internal', type: 'application', scheme: 'internal', vpc: 'eks-parity', subnets: ['private-a', 'private-b'] },
            ],
            clusters: [
              { name: 'parity-private', subnets: ['private-a', 'private-b'] },
              { name: 'parity-restricted', subnets: ['private-a', 'private-b'], endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] },
            ],
          },
        ],
        hostedZones: [{ name: 'parity.internal', vpcs: [{ region: REGION, vpc: 'eks-parity' }], records: [{ name: 'api', type: 'A', values: ['10.20.1.50'] }] }],
      },
    ],
  });
}

/** Reads the estate back with SDK v3 read calls and normalises it: ids become the roles they play. */
async function readInventory(url: string, ids: Ids): Promise<unknown> {
  const cfg = { endpoint: url, region: REGION, credentials: CREDENTIALS };
  const names = new Map<string, string>(Object.entries(ids).map(([role, id]) => [id, `<${role}>`]));
  const n = (id: string | undefined) => (id === undefined ? undefined : (names.get(id) ?? id.replace(/^([a-z]+)-.*$/, '<$1-?>')));
  const vpcFilter = [{ Name: 'vpc-id', Values: [ids.vpc] }];
  const ec2 = new EC2Client(cfg);
  const tag = (tags: { Key?: string | undefined; Value?: string | undefined }[] | undefined) => tags?.find((t) => t.Key === 'Name')?.Value;

  const vpcs = ((await ec2.send(new DescribeVpcsCommand({ VpcIds: [ids.vpc] }))).Vpcs ?? []).map((v) => ({ id: n(v.VpcId), cidr: v.CidrBlock, isDefault: v.IsDefault, state: v.State, name: tag(v.Tags) }));
  const subnets = ((await ec2.send(new DescribeSubnetsCommand({ Filters: vpcFilter }))).Subnets ?? [])
    .map((s) => ({ id: n(s.SubnetId), vpc: n(s.VpcId), cidr: s.CidrBlock, az: s.AvailabilityZone, mapPublicIpOnLaunch: s.MapPublicIpOnLaunch, name: tag(s.Tags) }))
    .sort((a, b) => String(a.cidr).localeCompare(String(b.cidr)));
  const routeTables = ((await ec2.send(new DescribeRouteTablesCommand({ Filters: vpcFilter }))).RouteTables ?? [])
    .map((t) => ({
      main: (t.Associations ?? []).some((a) => a.Main),
      vpc: n(t.VpcId),
      subnets: (t.Associations ?? []).flatMap((a) => (a.SubnetId ? [n(a.SubnetId)] : [])).sort(),
      routes: (t.Routes ?? []).map((r) => ({ dest: r.DestinationCidrBlock, gateway: n(r.GatewayId), state: r.State })).sort((a, b) => String(a.dest).localeCompare(String(b.dest))),
    }))
    .sort((a, b) => Number(b.main) - Number(a.main));
  const igws = ((await ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [ids.vpc] }] }))).InternetGateways ?? []).map((g) => ({
    id: n(g.InternetGatewayId),
    attachments: (g.Attachments ?? []).map((a) => ({ vpc: n(a.VpcId), state: a.State })),
  }));
  const instances = ((await ec2.send(new DescribeInstancesCommand({ Filters: vpcFilter }))).Reservations ?? [])
    .flatMap((r) => r.Instances ?? [])
    .map((i) => ({ id: n(i.InstanceId), subnet: n(i.SubnetId), vpc: n(i.VpcId), publicIp: i.PublicIpAddress !== undefined, privateIpInSubnet: (i.PrivateIpAddress ?? '').startsWith('10.20.1.'), state: i.State?.Name, type: i.InstanceType }));
  const endpoints = ((await ec2.send(new DescribeVpcEndpointsCommand({ Filters: vpcFilter }))).VpcEndpoints ?? [])
    .map((e) => ({
      service: e.ServiceName,
      type: e.VpcEndpointType,
      vpc: n(e.VpcId),
      // moto reports private DNS on gateway endpoints; real AWS does not (INDEX.md).
      ...(e.VpcEndpointType === 'Interface' ? { privateDns: e.PrivateDnsEnabled, subnets: (e.SubnetIds ?? []).map(n).sort() } : {}),
    }))
    .sort((a, b) => String(a.service).localeCompare(String(b.service)));

  const lbs = ((await new ElasticLoadBalancingV2Client(cfg).send(new DescribeLoadBalancersCommand({}))).LoadBalancers ?? [])
    .map((l) => ({ name: l.LoadBalancerName, scheme: l.Scheme, type: l.Type, vpc: n(l.VpcId), subnets: (l.AvailabilityZones ?? []).map((z) => n(z.SubnetId)).sort(), arnKind: l.LoadBalancerArn?.split(':')[5]?.split('/').slice(0, 2).join('/') }))
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));

  const eks = new EKSClient(cfg);
  const clusterNames = ((await eks.send(new ListClustersCommand({}))).clusters ?? []).sort();
  const clusters = [];
  for (const name of clusterNames) {
    const c = (await eks.send(new DescribeClusterCommand({ name }))).cluster;
    const v = c?.resourcesVpcConfig;
    clusters.push({
      name: c?.name,
      arn: c?.arn,
      subnets: (v?.subnetIds ?? []).map(n).sort(),
      endpointPublicAccess: v?.endpointPublicAccess,
      endpointPrivateAccess: v?.endpointPrivateAccess,
      // moto omits publicAccessCidrs when the create call did not set them (INDEX.md).
      ...(v?.endpointPublicAccess ? { publicAccessCidrs: v.publicAccessCidrs } : {}),
    });
  }

  const r53 = new Route53Client(cfg);
  const byVpc = (await r53.send(new ListHostedZonesByVPCCommand({ VPCId: ids.vpc, VPCRegion: REGION }))).HostedZoneSummaries ?? [];
  const zones = [];
  for (const z of byVpc) {
    const got = await r53.send(new GetHostedZoneCommand({ Id: z.HostedZoneId ?? '' }));
    const records = (await r53.send(new ListResourceRecordSetsCommand({ HostedZoneId: z.HostedZoneId ?? '' }))).ResourceRecordSets ?? [];
    zones.push({
      name: z.Name,
      owner: z.Owner?.OwningAccount,
      private: got.HostedZone?.Config?.PrivateZone,
      vpcs: (got.VPCs ?? []).map((v) => ({ vpc: n(v.VPCId), region: v.VPCRegion })),
      recordTypes: records.map((r) => `${r.Type ?? ''} ${r.Name ?? ''}`).sort(),
      aRecords: records.filter((r) => r.Type === 'A').map((r) => ({ name: r.Name, ttl: r.TTL, values: (r.ResourceRecords ?? []).map((x) => x.Value) })),
    });
  }
  return { vpcs, subnets, routeTables, igws, instances, endpoints, lbs, clusters, zones };
}

describe.skipIf(!motoAvailable)('moto parity (needs python3 with moto: skipped when absent)', () => {
  let moto: { url: string; proc: ChildProcess } | undefined;
  let sim: Harness | undefined;
  let ids: Ids;

  beforeAll(async () => {
    moto = await startMoto();
    ids = await buildInMoto(moto.url);
    const estate = simEstate(ids);
    sim = await serveProvider((env) => createAwsProvider(estate, env), { pageSize: 1000 });
  });

  afterAll(async () => {
    await sim?.stop();
    if (moto) {
      const proc = moto.proc;
      // Already gone (crashed, or killed): `exit` will not fire again, so do not wait for it.
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const exited = exitOf(proc);
      proc.stdin?.end();
      // Closing stdin stops it; if it does not within 10 s, kill it rather than hang the hook.
      const timer = setTimeout(() => { proc.kill('SIGKILL'); }, 10_000);
      await exited;
      clearTimeout(timer);
    }
  });

  it('reads the same normalised inventory from moto and from the simulator', async () => {
    if (!moto || !sim) throw new Error('setup failed');
    const fromMoto = await readInventory(moto.url, ids);
    const fromSim = await readInventory(sim.url, ids);
    expect(fromSim).toEqual(fromMoto);
    // Guard against both sides being empty.
    expect(fromSim).toMatchObject({ subnets: [{}, {}, {}], lbs: [{}, {}], clusters: [{}, {}], zones: [{ aRecords: [{ values: ['10.20.1.50'] }] }] });
  });
});
