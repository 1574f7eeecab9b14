import rule from '../../../shared/rules/aws/eks-private-endpoint.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { eks, estate } from './builders.js';
import { botocoreOutput, eksFromSdk, placebo, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'private endpoint on, public restricted', inventory: { aws: { clusters: [eks('data-api', { endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'] })] } } },
    { name: 'conformant estate', inventory: { aws: estate() } },
    ...realdataCases(() => [
      { name: 'realdata: c7n public+private cluster', inventory: { aws: { clusters: [eksFromSdk(placebo('eks-DescribeCluster-public-and-private.placebo.json')['cluster'])] } } },
    ]),
  ],
  invalid: [
    {
      name: 'public-only cluster (high)',
      inventory: { aws: { clusters: [eks('legacy-web', { endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] })] } },
      findings: [{ resource: 'legacy-web', severity: 'high', messageIncludes: ['endpointPrivateAccess false', 'public endpoint on (0.0.0.0/0)'] }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n public-only cluster pod2-9756 (high)',
        inventory: { aws: { clusters: [eksFromSdk(placebo('eks-DescribeCluster-public-0.0.0.0.placebo.json')['cluster'])] } },
        findings: [{ resource: 'pod2-9756', severity: 'high' }],
      },
      {
        name: 'realdata: botocore 1.10 cluster without endpoint fields has private off (high)',
        inventory: { aws: { clusters: [eksFromSdk(botocoreOutput('eks-DescribeCluster.examples.json')['cluster'])] } },
        findings: [{ resource: 'arn:aws:eks:us-west-2:012345678910:cluster/devel', severity: 'high' }],
      },
    ]),
  ],
});
