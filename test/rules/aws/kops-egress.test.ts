import rule from '../../../shared/rules/aws/kops-egress.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { ALL_ENDPOINTS, endpoint, kops, nat, routeTable, subnet, SUBNET_A, VPC } from './builders.js';
import { kopsFromSpec, realdataCases } from './fixtures.js';

const ID = 's3://corp-kops-state/k8s.corp.example.com';
const isolated = { subnets: [subnet(SUBNET_A)], routeTables: [routeTable('rtb-0main', { main: true })] };

ruleTester.run(rule, {
  valid: [
    { name: 'kops-managed Private subnet not in the inventory yet: kops creates its NAT gateway', inventory: { aws: { kopsClusters: [kops('k8s.corp.example.com', { subnets: [{ name: 'eu-west-1a', type: 'Private', zone: 'eu-west-1a' }] })] } } },
    { name: 'shared Private subnet whose route table sends 0.0.0.0/0 to a Transit Gateway', inventory: { aws: { kopsClusters: [kops()], subnets: [subnet(SUBNET_A)], routeTables: [routeTable('rtb-0main', { main: true, routes: [{ destinationCidrBlock: '0.0.0.0/0', transitGatewayId: 'tgw-0a1' }] })] } } },
    { name: 'isolated VPC with ECR, S3 and STS endpoints', inventory: { aws: { kopsClusters: [kops()], ...isolated, vpcEndpoints: ALL_ENDPOINTS.map((s) => endpoint(s)) } } },
    { name: 'egressProxy on the cluster', inventory: { aws: { kopsClusters: [kops('k8s.corp.example.com', { egressProxy: 'proxy.corp.example.com:3128' })], ...isolated } } },
    ...realdataCases(() => [
      { name: 'realdata: kops privatekopeio (egress nat-b2345678)', inventory: { aws: { kopsClusters: [kopsFromSpec('privatekopeio', { completed: true })] } } },
      { name: 'realdata: kops complex (egress tgw-123456)', inventory: { aws: { kopsClusters: [kopsFromSpec('complex')] } } },
      { name: 'realdata: kops privatecalico (kops-managed NAT)', inventory: { aws: { kopsClusters: [kopsFromSpec('privatecalico')] } } },
    ]),
  ],
  invalid: [
    {
      name: 'shared Private subnet with no default route, no endpoints, no proxy (medium)',
      inventory: { aws: { kopsClusters: [kops()], ...isolated, vpcEndpoints: [endpoint('ecr.api')] } },
      findings: [{ resource: ID, severity: 'medium', messageIncludes: ['Private subnet eu-west-1a (subnet-0a1b2c3d4e5f60011)', 'route table rtb-0main has no default route', 'lacks endpoints for ecr.dkr, s3, sts'] }],
    },
    {
      name: 'a NAT gateway in the VPC becomes the suggested egress (medium)',
      inventory: { aws: { kopsClusters: [kops()], ...isolated, natGateways: [nat('nat-0abc')] } },
      findings: [{ resource: ID, severity: 'medium', messageIncludes: `VPC ${VPC}` }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: kops privatecalico with egress External and no proxy or endpoints (medium)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('privatecalico', { edit: (spec) => { (spec['subnets'] as Record<string, unknown>[]).forEach((s) => s['type'] === 'Private' && (s['egress'] = 'External')); } })] } },
        findings: [{ resource: 'privatecalico.example.com', severity: 'medium', messageIncludes: 'egress is External, so kops adds no route' }],
      },
    ]),
  ],
});
