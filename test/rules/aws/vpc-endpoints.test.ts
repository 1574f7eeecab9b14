import rule from '../../../shared/rules/aws/vpc-endpoints.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { ALL_ENDPOINTS, endpoint, estate, kops, routeTable, SUBNET_A, SUBNET_B, VPC } from './builders.js';
import { placebo, realdataCases, vpcEndpointsFromSdk } from './fixtures.js';

const C7N = { account: '644160558196', region: 'us-east-1' };
/** The cluster VPC with no default route anywhere. */
const isolatedTables = [routeTable('rtb-0main', { main: true }), routeTable('rtb-0private', { subnetIds: [SUBNET_A, SUBNET_B] })];
const noEgress = (over: Parameters<typeof estate>[0] = {}) => estate({ routeTables: isolatedTables, ...over });

ruleTester.run(rule, {
  valid: [
    { name: 'isolated VPC with every endpoint', inventory: { aws: noEgress() } },
    { name: 'no endpoints but a Transit Gateway default route', inventory: { aws: estate({ vpcEndpoints: [] }) } },
    { name: 'no endpoints, no route, but the VPC egresses through the configured proxy', inventory: { aws: noEgress({ vpcEndpoints: [] }) }, config: { clouds: { aws: { egressProxyVpcs: [VPC] } } } },
    { name: 'no endpoints, no route, kops cluster with egressProxy', inventory: { aws: noEgress({ clusters: [], vpcEndpoints: [], kopsClusters: [kops('k.corp.example.com', { egressProxy: 'proxy.corp:3128' })] }) } },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n endpoints of other VPCs beside the complete set in the cluster VPC',
        inventory: { aws: noEgress({ vpcEndpoints: [...ALL_ENDPOINTS.map((e) => endpoint(e)), ...vpcEndpointsFromSdk(placebo('ec2-DescribeVpcEndpoints.placebo.json'), C7N)] }) },
      },
    ]),
  ],
  invalid: [
    {
      name: 'isolated VPC with only ECR endpoints names the missing ones (medium)',
      inventory: { aws: noEgress({ vpcEndpoints: [endpoint('ecr.api'), endpoint('ecr.dkr')] }) },
      findings: [{ resource: VPC, severity: 'medium', messageIncludes: ['no egress path', 'sts, logs, s3', 'EKS cluster payments'] }],
    },
    {
      name: 'an interface endpoint without private DNS counts as missing (medium)',
      inventory: { aws: noEgress({ vpcEndpoints: ALL_ENDPOINTS.map((s) => (s === 'sts' ? endpoint(s, { id: 'vpce-0sts', privateDnsEnabled: false }) : endpoint(s))) }) },
      findings: [{ resource: VPC, severity: 'medium', messageIncludes: 'sts (vpce-0sts has private DNS off)' }],
    },
    ...realdataCases(() => [
      {
        name: "realdata: c7n endpoints (private DNS off, another service) don't serve the isolated cluster VPC (medium)",
        inventory: { aws: noEgress({ vpcEndpoints: vpcEndpointsFromSdk(placebo('ec2-DescribeVpcEndpoints.placebo.json'), C7N).map((e) => ({ ...e, vpcId: VPC })) }) },
        findings: [{ resource: VPC, severity: 'medium', messageIncludes: 'ecr.api, ecr.dkr, sts, logs' }],
      },
    ]),
  ],
});

