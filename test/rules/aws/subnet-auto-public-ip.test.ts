import rule from '../../../shared/rules/aws/subnet-auto-public-ip.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { estate, subnet } from './builders.js';
import { eksFromSdk, placebo, realdataCases, subnetFromSdk } from './fixtures.js';

const C7N = { account: '644160558196', region: 'us-east-1' };
const base = estate();

ruleTester.run(rule, {
  valid: [
    { name: 'cluster subnets without MapPublicIpOnLaunch', inventory: { aws: base } },
    { name: 'auto-assigning subnet in a VPC without clusters', inventory: { aws: estate({ subnets: [...(base.subnets ?? []), subnet('subnet-0other', { vpcId: 'vpc-0ffff000000000001', mapPublicIpOnLaunch: true })] }) } },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n EKS cluster subnets have MapPublicIpOnLaunch false',
        inventory: {
          aws: {
            clusters: [eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster'])],
            subnets: (placebo('ec2-DescribeSubnets-eks-private-cluster-subnets.placebo.json')['Subnets'] as unknown[]).map((s) => subnetFromSdk(s, C7N)),
          },
        },
      },
    ]),
  ],
  invalid: [
    {
      name: 'public subnet in the cluster VPC assigns public IPs (medium)',
      inventory: { aws: estate({ subnets: [...(base.subnets ?? []), subnet('subnet-0c0ffee0000000021', { name: 'eks-prod-public-a', cidrBlock: '10.64.128.0/24', mapPublicIpOnLaunch: true })] }) },
      findings: [{ resource: 'subnet-0c0ffee0000000021', severity: 'medium', messageIncludes: ['`eks-prod-public-a`', '10.64.128.0/24', 'EKS cluster payments'] }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n EKS cluster subnet switched to MapPublicIpOnLaunch (medium)',
        inventory: {
          aws: {
            clusters: [eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster'])],
            subnets: (placebo('ec2-DescribeSubnets-eks-private-cluster-subnets.placebo.json')['Subnets'] as unknown[]).map((s) => ({ ...subnetFromSdk(s, C7N), mapPublicIpOnLaunch: true })),
          },
        },
        findings: [
          { resource: 'subnet-efbcccb7', severity: 'medium', messageIncludes: 'vpc-d2d616b5' },
          { resource: 'subnet-914763e7', severity: 'medium' },
        ],
      },
    ]),
  ],
});
