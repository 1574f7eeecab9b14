import rule from '../../../shared/rules/aws/eks-public-endpoint.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { eks, estate } from './builders.js';
import { botocoreOutput, eksFromSdk, placebo, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'private-only endpoint', inventory: { aws: estate() } },
    ...realdataCases(() => [{ name: 'realdata: c7n private-only cluster (publicAccessCidrs [])', inventory: { aws: { clusters: [eksFromSdk(placebo('eks-DescribeCluster-private-endpoint-only.placebo.json')['cluster'])] } } }]),
  ],
  invalid: [
    {
      name: 'public endpoint restricted to a CI range (medium)',
      inventory: { aws: { clusters: [eks('data-api', { endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] })] } },
      findings: [{ resource: 'data-api', severity: 'medium', messageIncludes: ['limited to 203.0.113.0/24', 'account 210987654321, region eu-west-1'] }],
    },
    {
      name: 'public endpoint with an empty CIDR list reads as the 0.0.0.0/0 default (high)',
      inventory: { aws: { clusters: [eks('legacy-web', { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: [] })] } },
      findings: [{ resource: 'arn:aws:eks:eu-west-1:210987654321:cluster/legacy-web', severity: 'high', messageIncludes: ['open to 0.0.0.0/0', 'private endpoint off'] }],
    },
    {
      name: 'IPv6 any-address among restricted ranges (high)',
      inventory: { aws: { clusters: [eks('v6', { endpointPublicAccess: true, publicAccessCidrs: ['198.51.100.0/24', '::/0'] })] } },
      findings: [{ resource: 'v6', severity: 'high', messageIncludes: 'open to ::/0' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n public-only cluster open to 0.0.0.0/0 (high)',
        inventory: { aws: { clusters: [eksFromSdk(placebo('eks-DescribeCluster-public-0.0.0.0.placebo.json')['cluster'])] } },
        findings: [{ resource: 'pod2-9756', severity: 'high', messageIncludes: ['open to 0.0.0.0/0', 'private endpoint off'] }],
      },
      {
        name: 'realdata: c7n public+private cluster without publicAccessCidrs (API default 0.0.0.0/0, high)',
        inventory: { aws: { clusters: [eksFromSdk(placebo('eks-DescribeCluster-public-and-private.placebo.json')['cluster'])] } },
        findings: [{ resource: 'arn:aws:eks:us-east-2:644160558196:cluster/devk8s', severity: 'high', messageIncludes: ['open to 0.0.0.0/0', 'private endpoint on'] }],
      },
      {
        name: 'realdata: botocore 1.10 cluster without endpoint fields defaults to public (high)',
        inventory: { aws: { clusters: [eksFromSdk(botocoreOutput('eks-DescribeCluster.examples.json')['cluster'])] } },
        findings: [{ resource: 'devel', severity: 'high', messageIncludes: 'open to 0.0.0.0/0' }],
      },
    ]),
  ],
});
