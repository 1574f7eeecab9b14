import rule from '../../../shared/rules/aws/subnet-igw-route.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { estate, kops, routeTable, subnet, SCOPE, VPC } from './builders.js';
import { eksFromSdk, placebo, realdataCases, routeTableFromSdk, subnetFromSdk } from './fixtures.js';

const C7N = { account: '644160558196', region: 'us-east-1' };
const PUBLIC = 'subnet-0a1b2c3d4e5f60021';
const igwTable = routeTable('rtb-0public', { subnetIds: [PUBLIC], routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0a1b2c3d4e5f60001', state: 'active' }] });
const base = estate();

/** The c7n igw scenario as a cluster VPC: a cluster tagged on its private subnet pulls the VPC in. */
function c7nIgwScenario() {
  const subnets = (placebo('ec2-DescribeSubnets-igw-scenario.placebo.json')['Subnets'] as unknown[]).map((s) => subnetFromSdk(s, C7N));
  const cluster = { ...eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster']), vpcId: 'vpc-06a22444b7946ea01', subnetIds: ['subnet-00a7ff0f29a2f7dd7'] };
  return { clusters: [cluster], subnets, routeTables: (placebo('ec2-DescribeRouteTables-igw-routes.placebo.json')['RouteTables'] as unknown[]).map((t) => routeTableFromSdk(t, C7N)) };
}

ruleTester.run(rule, {
  valid: [
    { name: 'private subnets route 0.0.0.0/0 to a Transit Gateway; IGW attached but unrouted', inventory: { aws: base } },
    {
      name: 'public subnet with an IGW route in a VPC with no cluster',
      inventory: { aws: estate({ subnets: [...(base.subnets ?? []), subnet(PUBLIC, { vpcId: 'vpc-0ffff000000000001' })], routeTables: [...(base.routeTables ?? []), { ...igwTable, vpcId: 'vpc-0ffff000000000001' }] }) },
    },
    {
      name: 'blackholed IGW route',
      inventory: { aws: estate({ subnets: [...(base.subnets ?? []), subnet(PUBLIC)], routeTables: [...(base.routeTables ?? []), routeTable('rtb-0dead', { subnetIds: [PUBLIC], routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0a1', state: 'blackhole' }] })] }) },
    },
    {
      name: 'a cluster subnet in a VPC without any main table is undecided, not passed',
      inventory: { aws: estate({ subnets: [subnet(PUBLIC)], routeTables: [] }) },
      undecided: [SCOPE],
    },
    ...realdataCases(() => {
      const s = c7nIgwScenario();
      return [{ name: 'realdata: c7n private subnet (local route only) of a cluster in another VPC', inventory: { aws: { ...s, clusters: s.clusters.map((c) => ({ ...c, vpcId: 'vpc-0other' })), subnets: s.subnets.filter((x) => x.id === 'subnet-00a7ff0f29a2f7dd7').map((x) => ({ ...x, vpcId: 'vpc-0other' })) } } }];
    }),
  ],
  invalid: [
    {
      name: 'public subnet added to the cluster VPC routes 0.0.0.0/0 to the IGW (high)',
      inventory: { aws: estate({ subnets: [...(base.subnets ?? []), subnet(PUBLIC, { name: 'eks-prod-public-a' })], routeTables: [...(base.routeTables ?? []), igwTable] }) },
      findings: [{ resource: PUBLIC, severity: 'high', messageIncludes: ['0.0.0.0/0 → igw-0a1b2c3d4e5f60001', 'its route table rtb-0public', 'EKS cluster payments'] }],
    },
    {
      name: "subnet without association falls back to the VPC's main table, which routes to the IGW (high)",
      inventory: { aws: estate({ subnets: [subnet(PUBLIC)], routeTables: [routeTable('rtb-0main', { main: true, routes: [{ destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0a1' }, { destinationIpv6CidrBlock: '::/0', gatewayId: 'igw-0a1' }] })] }) },
      findings: [{ resource: PUBLIC, severity: 'high', messageIncludes: ["the VPC's main route table rtb-0main", '::/0 → igw-0a1'] }],
    },
    {
      name: "kops cluster's Utility subnet found by its tags (high)",
      inventory: {
        aws: {
          kopsClusters: [kops('k8s.corp.example.com', { networkId: undefined, subnets: [{ name: 'utility-eu-west-1a', type: 'Utility', zone: 'eu-west-1a' }] })],
          subnets: [subnet(PUBLIC, { tags: { Name: 'utility-eu-west-1a.k8s.corp.example.com', KubernetesCluster: 'k8s.corp.example.com' }, vpcId: VPC })],
          routeTables: [igwTable, routeTable('rtb-0main', { main: true })],
        },
      },
      findings: [{ resource: PUBLIC, severity: 'high', messageIncludes: 'kops cluster k8s.corp.example.com' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n subnet with 0.0.0.0/0 → igw in the cluster VPC (high); the private one stays quiet',
        inventory: { aws: c7nIgwScenario() },
        findings: [{ resource: 'subnet-02e1a5b426e2b16a9', severity: 'high', messageIncludes: '0.0.0.0/0 → igw-0186e33a1d5903db5' }],
      },
    ]),
  ],
});
