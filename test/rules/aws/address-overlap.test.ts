import { describe, expect, it } from 'vitest';
import rule from '../../../shared/rules/aws/address-overlap.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { evaluate, expectFreeSuggestions } from '../suggestions.js';
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
      findings: [{ resource: 'vpc-0c0ffee0000000002', severity: 'high', messageIncludes: ['CIDR block 10.10.128.0/20 overlaps on-prem range 10.10.0.0/16; replacement: 10.0.0.0/20 is the first free /20 in 10.0.0.0/8 (RFC 1918)'] }],
    },
    {
      name: 'secondary block overlapping, one finding per pair (high)',
      inventory: { aws: estate({ vpcs: [vpc(VPC, { cidrBlocks: ['10.64.0.0/16', '172.21.0.0/16', '172.22.0.0/16'] })] }) },
      config: onPrem,
      findings: [
        { resource: VPC, severity: 'high', messageIncludes: '172.21.0.0/16 overlaps on-prem range 172.20.0.0/14; replacement: 172.16.0.0/16 is the first free /16 in 172.16.0.0/12' },
        { resource: VPC, severity: 'high', messageIncludes: '172.22.0.0/16 overlaps on-prem range 172.20.0.0/14; replacement: 172.17.0.0/16 is the first free /16 in 172.16.0.0/12' },
      ],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n VPC 10.0.0.0/16 overlaps an on-prem 10.0.0.0/8 (high)',
        inventory: { aws: { vpcs: (placebo('ec2-DescribeVpcs.placebo.json')['Vpcs'] as unknown[]).map((v) => vpcFromSdk(v, C7N)) } },
        config: { onPrem: { ranges: ['10.0.0.0/8'] } },
        findings: [{ resource: 'vpc-0c1be6284618ac4c1', severity: 'high', messageIncludes: ['10.0.0.0/16 overlaps on-prem range 10.0.0.0/8; replacement: no /16 is free in 10.0.0.0/8 (RFC 1918), the space of 10.0.0.0/16; 172.16.0.0/16 is the first free /16 in 172.16.0.0/12 (RFC 1918)', 'check that on-prem routing and firewalls accept that space'] }],
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

describe('aws/address-overlap suggested ranges', () => {
  const onPrem = ['10.10.0.0/16', '172.20.0.0/14'];

  it('are free and distinct; a primary block gets a new VPC, a secondary one an association swap, kops a new networkCIDR', () => {
    const inventory = { aws: { ...estate({ vpcs: [vpc(VPC, { cidrBlocks: ['10.64.0.0/16', '172.21.0.0/16'] }), vpc('vpc-0c0ffee0000000002', { name: 'eks-legacy', cidrBlocks: ['10.10.128.0/20'] })] }), kopsClusters: realdataCases(() => [kopsFromSpec('complex')]) } };
    const findings = evaluate(rule, inventory, { onPrem: { ranges: onPrem } });
    expectFreeSuggestions(findings, inventory, onPrem);
    const [secondary, primary, kops] = findings;
    expect(secondary?.remediation).toBe(
      `aws ec2 associate-vpc-cidr-block --region eu-west-1 --vpc-id ${VPC} --cidr-block 172.16.0.0/16, create subnets in it and move the resources out of 172.21.0.0/16, then aws ec2 disassociate-vpc-cidr-block --region eu-west-1 --association-id $(aws ec2 describe-vpcs --region eu-west-1 --vpc-ids ${VPC} --query "Vpcs[0].CidrBlockAssociationSet[?CidrBlock=='172.21.0.0/16'].AssociationId" --output text)`,
    );
    expect(primary?.remediation).toBe("aws ec2 create-vpc --region eu-west-1 --cidr-block 10.0.0.0/20 --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value=eks-legacy-readdressed}]' and migrate the cluster into it (a VPC primary CIDR cannot change)");
    if (kops) expect(kops.remediation).toContain('--set spec.networkCIDR=172.17.0.0/16, give its subnets (');
  });

  it('a VPC too large for any free block shrinks, down to /28, and says so', () => {
    const inventory = { aws: estate({ vpcs: [vpc(VPC, { cidrBlocks: ['10.0.0.0/8'] })] }) };
    const config = { onPrem: { ranges: ['10.0.0.0/9', '172.16.0.0/12', '192.168.0.0/16'] } };
    const [f] = evaluate(rule, inventory, config);
    expect(f?.message).toContain('replacement: no /8 is free in any private space (RFC 1918, RFC 6598); 100.64.0.0/10 is the largest free block');
    expectFreeSuggestions(evaluate(rule, inventory, config), inventory, config.onPrem.ranges);
  });
});
