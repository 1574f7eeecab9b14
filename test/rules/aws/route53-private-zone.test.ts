import rule from '../../../shared/rules/aws/route53-private-zone.js';
import type { AwsHostedZone } from '../../../shared/model/inventory/aws.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { ACCOUNT, estate, kops, REGION, SCOPE, VPC, zone } from './builders.js';
import { kopsFromSpec, placebo, realdataCases } from './fixtures.js';

const C7N_ACCOUNT = '644160558196';

/** The c7n ListHostedZones zones, associated with the given VPC (the listing itself carries no VPCs). */
function c7nZones(vpcId: string): AwsHostedZone[] {
  return (placebo('route53-ListHostedZones-public-and-private.placebo.json')['HostedZones'] as Record<string, unknown>[]).map((z) => {
    const privateZone = (z['Config'] as { PrivateZone?: boolean } | undefined)?.PrivateZone === true;
    return { ...zone(String(z['Name']).replace(/\.$/, ''), { id: String(z['Id']), accountId: C7N_ACCOUNT, privateZone, vpcIds: privateZone ? [vpcId] : [] }) };
  });
}

ruleTester.run(rule, {
  valid: [
    { name: 'cluster VPC with a private zone', inventory: { aws: estate() } },
    {
      // The fault matrix's false positive: ListHostedZones failed, so "no private zone" is what could not be seen.
      name: 'hosted zones could not be read in the account-region: undecided, no finding',
      inventory: { aws: estate({ hostedZones: [] }) },
      scopes: [{ scope: { cloud: 'aws', kind: 'account-region', id: `${ACCOUNT}/${REGION}` }, complete: false, failed: [{ dataset: 'hostedZones', api: 'route53:ListHostedZones', status: 503, errorKind: 'server', message: 'ServiceUnavailable' }] }],
      undecided: [SCOPE],
    },
    { name: 'gossip kops cluster needs no zone', inventory: { aws: estate({ clusters: [], hostedZones: [], kopsClusters: [kops('dev.k8s.local', { dnsZone: undefined })] }) } },
    ...realdataCases(() => [
      { name: 'realdata: c7n private zone vpc.internal. associated with the cluster VPC', inventory: { aws: estate({ hostedZones: c7nZones(VPC) }) } },
      {
        name: 'realdata: kops privatedns1 with its private zone internal.example.com associated',
        inventory: { aws: estate({ clusters: [], kopsClusters: [{ ...kopsFromSpec('privatedns1'), networkId: VPC }], hostedZones: [zone('internal.example.com')] }) },
      },
    ]),
  ],
  invalid: [
    {
      name: 'cluster VPC with no private zone; the public zone does not count (medium)',
      inventory: { aws: estate({ hostedZones: [zone('shop.example.com', { privateZone: false, vpcIds: [] })] }) },
      findings: [{ resource: VPC, severity: 'medium', messageIncludes: ['no Route 53 private hosted zone associated', 'EKS cluster payments'] }],
    },
    {
      name: 'private zone of the account on another VPC: the fix associates it (medium)',
      inventory: { aws: estate({ hostedZones: [zone('data.corp.internal', { id: '/hostedzone/Z0DATA', vpcIds: ['vpc-0other'] })] }) },
      findings: [{ resource: VPC, severity: 'medium', messageIncludes: 'has private zone data.corp.internal. on other VPCs' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n private zone vpc.internal. is on another VPC (medium)',
        inventory: { aws: estate({ hostedZones: c7nZones('vpc-0other') }) },
        findings: [{ resource: VPC, severity: 'medium' }],
      },
      {
        name: "realdata: kops privatedns1 (topology.dns Private) whose VPC only has some other private zone (medium)",
        inventory: { aws: estate({ clusters: [], kopsClusters: [{ ...kopsFromSpec('privatedns1'), networkId: VPC }] }) },
        findings: [{ resource: VPC, severity: 'medium', messageIncludes: ['private hosted zone internal.example.com', 'kops cluster privatedns1.example.com'] }],
      },
    ]),
  ],
});
