import rule from '../../../shared/rules/aws/lb-internet-facing.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { estate, kops, lb, subnet } from './builders.js';
import { eksFromSdk, loadBalancersFromSdk, placebo, realdataCases, subnetFromSdk } from './fixtures.js';

const C7N_PLACE = { account: '644160558196', region: 'us-east-1' };

ruleTester.run(rule, {
  valid: [
    { name: 'internal NLB in the cluster VPC', inventory: { aws: estate({ loadBalancers: [lb('payments-api-internal', { tags: { 'kubernetes.io/cluster/payments': 'owned' } })] }) } },
    { name: 'internet-facing ALB in a VPC without clusters and untagged', inventory: { aws: estate({ loadBalancers: [lb('marketing', { kind: 'application', scheme: 'internet-facing', vpcId: 'vpc-0ffff000000000001', subnetIds: [] })] }) } },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n internal ALBs in the private EKS cluster VPC',
        inventory: {
          aws: {
            clusters: [eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster'])],
            loadBalancers: loadBalancersFromSdk(placebo('elbv2-DescribeLoadBalancers-internal.placebo.json')),
          },
        },
      },
    ]),
  ],
  invalid: [
    {
      name: 'tenant Service through the AWS Load Balancer Controller names namespace and Service (critical)',
      inventory: {
        aws: estate({ loadBalancers: [lb('k8s-promo-web', { scheme: 'internet-facing', tags: { 'elbv2.k8s.aws/cluster': 'payments', 'service.k8s.aws/stack': 'promo/web' } })] }),
      },
      findings: [{ resource: 'k8s-promo-web', severity: 'critical', messageIncludes: ['NLB', 'is internet-facing', 'Service promo/web', 'EKS cluster payments'] }],
    },
    {
      name: 'legacy in-tree Service, classic ELB tagged for the cluster outside its VPC (critical)',
      inventory: {
        aws: estate({ loadBalancers: [lb('a1b2c3', { kind: 'classic', scheme: 'internet-facing', vpcId: 'vpc-0ffff000000000001', subnetIds: [], tags: { 'kubernetes.io/cluster/payments': 'owned', 'kubernetes.io/service-name': 'shop/frontend' } })] }),
      },
      findings: [{ resource: 'arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/a1b2c3', severity: 'critical', messageIncludes: ['classic ELB', 'Service shop/frontend'] }],
    },
    {
      name: 'untagged internet-facing ALB in the cluster VPC (critical)',
      inventory: { aws: estate({ loadBalancers: [lb('storefront-public', { kind: 'application', scheme: 'internet-facing', lbId: '5f1c0ffee0a1b2c3' })] }) },
      findings: [{ resource: 'arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/app/storefront-public/5f1c0ffee0a1b2c3', severity: 'critical', messageIncludes: 'in VPC vpc-0a1b2c3d4e5f60001' }],
    },
    {
      name: 'internet-facing NLB in the VPC of a kops cluster (critical)',
      inventory: { aws: { clusters: [], subnets: [subnet('subnet-0a1b2c3d4e5f60011')], kopsClusters: [kops()], loadBalancers: [lb('api-k8s-corp', { scheme: 'internet-facing' })] } },
      findings: [{ resource: 'api-k8s-corp', severity: 'critical', messageIncludes: 'kops cluster k8s.corp.example.com' }],
    },
    ...realdataCases(() => [
      {
        name: "realdata: c7n internet-facing ALBs on the 'private' EKS cluster's subnets (critical)",
        inventory: {
          aws: {
            clusters: [eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster'])],
            subnets: (placebo('ec2-DescribeSubnets-eks-private-cluster-subnets.placebo.json')['Subnets'] as unknown[]).map((s) => subnetFromSdk(s, C7N_PLACE)),
            loadBalancers: loadBalancersFromSdk(placebo('elbv2-DescribeLoadBalancers-internet-facing.placebo.json')),
          },
        },
        findings: [
          { resource: 'alb-testing-1', severity: 'critical', messageIncludes: ['vpc-d2d616b5', 'EKS cluster c7n-test-eks-cluster'] },
          { resource: 'alb-testing-2', severity: 'critical', messageIncludes: 'vpc-d2d616b5' },
        ],
      },
    ]),
  ],
});
