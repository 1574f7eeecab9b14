import rule from '../../../shared/rules/aws/address-overlap.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { estate, SCOPE, vpc, VPC } from './builders.js';
import { kopsFromSpec, placebo, realdataCases, vpcFromSdk } from './fixtures.js';

const onPrem = { onPrem: { ranges: ['10.10.0.0/16', '172.20.0.0/14'] } };
const C7N = { account: '644160558196', region: 'us-east-1' };

ruleTester.run(rule, {
  valid: [
    { name: 'VPC clear of on-prem', inventory: { aws: estate() }, config: onPrem },
    { name: 'no on-prem ranges configured', inventory: { aws: estate({ vpcs: [vpc(VPC, { cidrBlocks: ['10.10.0.0/16'] })] }) } },
    {
      name: 'an unparseable VPC block is undecided, not passed',
      inventory: { aws: estate({ vpcs: [vpc(VPC, { cidrBlocks: ['10.64.0.0/16', 'not-a-cidr'] })] }) },
      config: onPrem,
      undecided: [SCOPE],
    },
    ...realdataCases(() => [
      { name: 'realdata: c7n VPC 10.0.0.0/16 against other on-prem ranges', inventory: { aws: { vpcs: (placebo('ec2-DescribeVpcs.placebo.json')['Vpcs'] as unknown[]).map((v) => vpcFromSdk(v, C7N)) } }, config: onPrem },
    ]),
  ],
  invalid: [
    {
      name: 'legacy VPC built from a data-centre range (high)',
      inventory: { aws: estate({ vpcs: [vpc('vpc-0c0ffee0000000002', { name: 'eks-legacy', cidrBlocks: ['10.10.128.0/20'] })] }) },
      config: onPrem,
      findings: [{ resource: 'vpc-0c0ffee0000000002', severity: 'high', messageIncludes: ['CIDR block 10.10.128.0/20 overlaps on-prem range 10.10.0.0/16'] }],
    },
    {
      name: 'secondary block overlapping, one finding per pair (high)',
      inventory: { aws: estate({ vpcs: [vpc(VPC, { cidrBlocks: ['10.64.0.0/16', '172.21.0.0/16', '172.22.0.0/16'] })] }) },
      config: onPrem,
      findings: [
        { resource: VPC, severity: 'high', messageIncludes: '172.21.0.0/16 overlaps on-prem range 172.20.0.0/14' },
        { resource: VPC, severity: 'high', messageIncludes: '172.22.0.0/16' },
      ],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n VPC 10.0.0.0/16 overlaps an on-prem 10.0.0.0/8 (high)',
        inventory: { aws: { vpcs: (placebo('ec2-DescribeVpcs.placebo.json')['Vpcs'] as unknown[]).map((v) => vpcFromSdk(v, C7N)) } },
        config: { onPrem: { ranges: ['10.0.0.0/8'] } },
        findings: [{ resource: 'vpc-0c1be6284618ac4c1', severity: 'high', messageIncludes: '10.0.0.0/16 overlaps on-prem range 10.0.0.0/8' }],
      },
      {
        name: 'realdata: kops complex networkCIDR 172.20.0.0/16 before its VPC exists, reported on the cluster (high)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('complex')] } },
        config: onPrem,
        findings: [{ resource: 's3://clusters.example.com/complex.example.com', severity: 'high', messageIncludes: ['kops cluster `complex.example.com`', 'networkCIDR 172.20.0.0/16 overlaps on-prem range 172.20.0.0/14'] }],
      },
      {
        name: 'realdata: kops shared_vpc in an inventoried VPC reports on the VPC (high)',
        inventory: { aws: { vpcs: [vpc('vpc-12345678', { cidrBlocks: ['172.20.0.0/16'] })], kopsClusters: [kopsFromSpec('shared_vpc')] } },
        config: onPrem,
        findings: [{ resource: 'vpc-12345678', severity: 'high', messageIncludes: '172.20.0.0/16' }],
      },
    ]),
  ],
});
