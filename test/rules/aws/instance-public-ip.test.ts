import rule from '../../../shared/rules/aws/instance-public-ip.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { estate, instance } from './builders.js';
import { eksFromSdk, instancesFromSdk, placebo, realdataCases, routeTableFromSdk, subnetFromSdk } from './fixtures.js';

const C7N = { account: '644160558196', region: 'us-east-1' };

function c7nEstate(clusterVpc: string) {
  return {
    clusters: [{ ...eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster']), vpcId: clusterVpc }],
    subnets: (placebo('ec2-DescribeSubnets-igw-scenario.placebo.json')['Subnets'] as unknown[]).map((s) => subnetFromSdk(s, C7N)),
    routeTables: (placebo('ec2-DescribeRouteTables-igw-routes.placebo.json')['RouteTables'] as unknown[]).map((t) => routeTableFromSdk(t, C7N)),
    instances: instancesFromSdk(placebo('ec2-DescribeInstances.placebo.json'), C7N),
  };
}

ruleTester.run(rule, {
  valid: [
    { name: 'nodes with private addresses only', inventory: { aws: estate({ instances: [instance('i-0a1'), instance('i-0a2')] }) } },
    { name: 'terminated node that still reports a public IP', inventory: { aws: estate({ instances: [instance('i-0a1', { publicIpAddress: '52.1.2.3', state: 'terminated' })] }) } },
    { name: 'public instance in a VPC without clusters, untagged', inventory: { aws: estate({ instances: [instance('i-0web', { vpcId: 'vpc-0ffff000000000001', subnetId: 'subnet-0ffff', publicIpAddress: '52.1.2.3' })] }) } },
    ...realdataCases(() => [{ name: 'realdata: c7n instances, cluster in another VPC', inventory: { aws: c7nEstate('vpc-0other') } }]),
  ],
  invalid: [
    {
      name: 'bastion in the cluster VPC with a public IP, no IGW route (high)',
      inventory: { aws: estate({ instances: [instance('i-0c0ffee0000000201', { name: 'storefront-bastion', publicIpAddress: '18.130.44.12' })] }) },
      findings: [{ resource: 'i-0c0ffee0000000201', severity: 'high', messageIncludes: ['public IP 18.130.44.12', 'no internet gateway route today', 'EKS cluster payments'] }],
    },
    {
      name: 'node tagged for a cluster this audit holds no record of, in another VPC (high)',
      inventory: { aws: estate({ instances: [instance('i-0tagged', { vpcId: 'vpc-0ffff000000000001', subnetId: 'subnet-0ffff', publicIpAddress: '52.1.2.3', tags: { 'kubernetes.io/cluster/batch': 'owned' } })] }) },
      findings: [{ resource: 'i-0tagged', severity: 'high', messageIncludes: 'cluster batch' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n i-05799f38ad9df4c34 with 3.83.45.205 in the IGW-routed subnet of the cluster VPC (high)',
        inventory: { aws: c7nEstate('vpc-06a22444b7946ea01') },
        findings: [{ resource: 'i-05799f38ad9df4c34', severity: 'high', messageIncludes: ['3.83.45.205', 'reachable from the internet', 'igw-0186e33a1d5903db5'] }],
      },
    ]),
  ],
});
