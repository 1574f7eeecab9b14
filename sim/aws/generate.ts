import { hex, prng } from '../core/deterministic.js';
import type { AwsGenerateOptions } from '../core/types.js';
import type { AwsAccountSpec, AwsEstate, AwsRegionSpec } from './scenario.js';

/**
 * Generates a plausible EKS estate of any size: accounts with up to three regions each, one
 * private cluster VPC per account-region behind a Transit Gateway, and a deterministic sprinkle of
 * failures (about one account-region in four) with the ground truth they produce.
 */

const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const ENDPOINTS = ['ecr.api', 'ecr.dkr', 'sts', 'logs', 's3'];

const AWS_FAILURES = [
  'eks-public-open',
  'eks-public-restricted',
  'public-lb',
  'igw-route',
  'auto-public-ip',
  'instance-public-ip',
  'no-endpoints',
  'no-private-zone',
  'overlap',
  'transit-cost',
  'denied',
] as const;
type AwsFailure = (typeof AWS_FAILURES)[number];

export function generateAwsEstate(options: AwsGenerateOptions & { failureRate?: number }): AwsEstate {
  const random = prng(options.seed ^ 0x5eed);
  const rate = options.failureRate ?? 0.25;
  const accounts: AwsAccountSpec[] = [];
  const truth: AwsEstate['truth'] = [];
  const management = '100000000000';
  accounts.push({ id: management, name: 'management', denied: false, regions: [], hostedZones: [] });

  for (let pair = 0; pair < options.accountRegions; pair++) {
    const a = Math.floor(pair / REGIONS.length);
    const accountId = String(200000000000 + a * 7919);
    let account = accounts[accounts.length - 1];
    if (!account || account.id !== accountId) {
      account = { id: accountId, name: `acme-app-${String(a).padStart(4, '0')}`, denied: false, regions: [], hostedZones: [{ name: `a${a}.aws.acme.internal.`, private: true, vpcs: [], records: [] }] };
      accounts.push(account);
    }
    const region = REGIONS[pair % REGIONS.length] ?? 'eu-west-1';
    const failure: AwsFailure | undefined = random() < rate ? AWS_FAILURES[Math.floor(random() * AWS_FAILURES.length)] : undefined;
    const id = (prefix: string, what: string) => `${prefix}-0${hex(`${options.seed}/${accountId}/${region}/${what}`, 16)}`;
    const vpcId = id('vpc', 'eks');
    const subnetA = id('subnet', 'a');
    const subnetB = id('subnet', 'b');
    const igwId = id('igw', 'igw');
    const tgwId = id('tgw', 'hub');
    const base = failure === 'overlap' ? '172.20' : '10.64';
    const clusterName = `apps-${region.replace(/-/g, '')}`;
    const clusterArn = `arn:aws:eks:${region}:${accountId}:cluster/${clusterName}`;
    const nodeA = id('i', 'node-a');

    const spec: AwsRegionSpec = {
      name: region,
      denied: failure === 'denied',
      vpcs: [
        {
          id: vpcId,
          name: 'eks',
          cidr: `${base}.0.0/16`,
          secondaryCidrs: [],
          isDefault: false,
          internetGateway: failure === 'igw-route' ? igwId : false,
          subnets: [
            { id: subnetA, name: 'eks-private-a', cidr: `${base}.0.0/19`, az: 'a', mapPublicIpOnLaunch: failure === 'auto-public-ip', tags: {} },
            { id: subnetB, name: 'eks-private-b', cidr: `${base}.32.0/19`, az: 'b', mapPublicIpOnLaunch: false, tags: {} },
          ],
          routeTables: [
            {
              name: 'eks-private',
              main: true,
              subnets: ['eks-private-a', 'eks-private-b'],
              routes: [
                ...(failure === 'no-endpoints' ? [] : [{ destination: '0.0.0.0/0', target: failure === 'igw-route' ? 'igw' : tgwId }]),
                { destination: '10.10.0.0/16', target: tgwId },
                { destination: '172.20.0.0/14', target: tgwId },
              ],
              tags: {},
            },
          ],
          endpoints: failure === 'no-endpoints' ? [] : ENDPOINTS,
          natGateways: [],
          tags: {},
        },
      ],
      instances: [
        { id: nodeA, name: `${clusterName}-node-a`, subnet: 'eks-private-a', instanceType: 'm6i.large', cluster: clusterName, tags: {}, ...(failure === 'instance-public-ip' ? { publicIp: `52.${10 + (pair % 200)}.${Math.floor(pair / 200) % 250}.7` } : {}) },
        { id: id('i', 'node-b'), name: `${clusterName}-node-b`, subnet: 'eks-private-b', instanceType: 'm6i.large', cluster: clusterName, tags: {} },
      ],
      loadBalancers: [
        { name: `${clusterName}-ingress`, type: 'network', scheme: 'internal', vpc: 'eks', subnets: ['eks-private-a', 'eks-private-b'], tags: { [`kubernetes.io/cluster/${clusterName}`]: 'owned' } },
        ...(failure === 'public-lb' ? [{ name: `${clusterName}-public`, id: hex(`${options.seed}/${accountId}/${region}/lb`, 16), type: 'application' as const, scheme: 'internet-facing' as const, vpc: 'eks', subnets: ['eks-private-a', 'eks-private-b'], tags: {} }] : []),
      ],
      clusters: [
        {
          name: clusterName,
          subnets: ['eks-private-a', 'eks-private-b'],
          endpointPublicAccess: failure === 'eks-public-open' || failure === 'eks-public-restricted',
          endpointPrivateAccess: failure !== 'eks-public-open',
          ...(failure === 'eks-public-restricted' ? { publicAccessCidrs: ['198.51.100.0/24'] } : {}),
          serviceIpv4Cidr: '172.16.0.0/16',
          version: '1.31',
          tags: {},
        },
      ],
      transitGateways: [{ id: tgwId, name: 'hub', attachments: ['eks'], dataProcessedGb: failure === 'transit-cost' ? 20000 : 400, tags: {} }],
    };
    account.regions.push(spec);
    if (failure !== 'no-private-zone') account.hostedZones[0]?.vpcs.push({ region, vpc: vpcId });

    switch (failure) {
      case 'eks-public-open':
        truth.push({ ruleId: 'aws/eks-public-endpoint', resourceId: clusterArn }, { ruleId: 'aws/eks-private-endpoint', resourceId: clusterArn });
        break;
      case 'eks-public-restricted':
        truth.push({ ruleId: 'aws/eks-public-endpoint', resourceId: clusterArn });
        break;
      case 'public-lb': {
        const lb = spec.loadBalancers[1];
        if (lb) truth.push({ ruleId: 'aws/lb-internet-facing', resourceId: `arn:aws:elasticloadbalancing:${region}:${accountId}:loadbalancer/app/${lb.name}/${lb.id ?? ''}` });
        break;
      }
      case 'igw-route':
        truth.push({ ruleId: 'aws/subnet-igw-route', resourceId: subnetA }, { ruleId: 'aws/subnet-igw-route', resourceId: subnetB });
        break;
      case 'auto-public-ip':
        truth.push({ ruleId: 'aws/subnet-auto-public-ip', resourceId: subnetA });
        break;
      case 'instance-public-ip':
        truth.push({ ruleId: 'aws/instance-public-ip', resourceId: nodeA });
        break;
      case 'no-endpoints':
        truth.push({ ruleId: 'aws/vpc-endpoints', resourceId: vpcId });
        break;
      case 'no-private-zone':
        truth.push({ ruleId: 'aws/route53-private-zone', resourceId: vpcId });
        break;
      case 'overlap':
        truth.push({ ruleId: 'aws/address-overlap', resourceId: vpcId });
        break;
      case 'transit-cost':
        truth.push({ ruleId: 'aws/transit-cost', resourceId: tgwId });
        break;
      case 'denied':
        truth.push({ ruleId: 'audit/scope-unreadable', resourceId: `aws/account-region/${accountId}/${region}` });
        break;
      case undefined:
        break;
    }
  }
  return { managementAccount: management, organizationId: 'o-airlocksim01', accounts, s3Buckets: [], truth };
}
