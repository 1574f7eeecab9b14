import { describe, expect, it } from 'vitest';
import { attributeUsage, lastMonth } from '../../../shared/collect/aws/cost.js';
import rule from '../../../shared/rules/aws/transit-cost.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { evaluate } from '../suggestions.js';
import { estate, nat, routeTable, SCOPE, transferCost, TGW } from './builders.js';

// No Cost Explorer body is recorded in realdata (see test/docs/rule-docs.ts WITHOUT_REALDATA).
const NAT = 'nat-0d47a0000000001';
const NAT_B = 'nat-0d47a0000000002';
const TGW_B = 'tgw-0a1b2c3d4e5f60002';

/** The collector's own attribution of one regional Cost Explorer figure (usage type per region) to the region's NAT gateways. */
const splitByCollector = attributeUsage(
  [{ region: 'eu-west-1', kind: 'nat-gateway', quantityGb: 12000, cost: 540, currency: 'USD' }],
  new Map([['eu-west-1', SCOPE]]),
  { nat: [nat(NAT), nat(NAT_B)], tgw: [] },
  lastMonth(new Date('2026-11-22T06:00:00Z')),
);

ruleTester.run(rule, {
  valid: [
    { name: 'Transit Gateway processing below the default USD 100 threshold', inventory: { aws: estate({ transferCosts: [transferCost(TGW, 36)] }) } },
    { name: 'NAT above the default but below a raised threshold', inventory: { aws: estate({ transferCosts: [transferCost(NAT, 270)] }) }, config: { cost: { transitMonthlyThreshold: 500 } } },
    {
      name: "three Transit Gateways sharing a region's USD 180: each even share (USD 60) is below the threshold",
      inventory: { aws: estate({ transferCosts: [transferCost(TGW, 60), transferCost(TGW_B, 60), transferCost('tgw-0a1b2c3d4e5f60003', 60)] }) },
    },
    { name: 'charges in EUR are undecided', inventory: { aws: estate({ transferCosts: [transferCost(TGW, 960, { currency: 'EUR' })] }) }, undecided: [SCOPE] },
  ],
  invalid: [
    {
      name: 'hub Transit Gateway processing 48 TB a month (low, cost)',
      inventory: { aws: estate({ transferCosts: [transferCost(TGW, 480, { periodEnd: '2026-10-15', quantityGb: 24000 }), transferCost(TGW, 480, { periodStart: '2026-10-16', quantityGb: 24000 })] }) },
      findings: [{ resource: TGW, severity: 'low', messageIncludes: ['Transit Gateway tgw-0a1b2c3d4e5f60001', 'processed 48000 GB', 'USD 960.00 per month', 'threshold of USD 100.00', "this is the region's only Transit Gateway"] }],
    },
    {
      name: 'NAT gateway without an S3 gateway endpoint in its VPC gets the endpoint as the fix (low, cost)',
      inventory: {
        aws: estate({
          natGateways: [nat(NAT, { name: 'egress-nat-a' })],
          vpcEndpoints: [],
          routeTables: [routeTable('rtb-0main', { main: true, routes: [{ destinationCidrBlock: '0.0.0.0/0', natGatewayId: NAT }] })],
          transferCosts: [transferCost(NAT, 270, { quantityGb: 6000 })],
        }),
      },
      findings: [{ resource: NAT, severity: 'low', messageIncludes: ['NAT gateway nat-0d47a0000000001 (`egress-nat-a`)', 'USD 270.00'] }],
    },
    {
      name: "two NAT gateways sharing the region's figure, as the collector divides it: each finding says it is an even share of the region's total (low, cost)",
      inventory: { aws: estate({ natGateways: [nat(NAT), nat(NAT_B)], transferCosts: splitByCollector }) },
      findings: [NAT, NAT_B].map((id) => ({
        resource: id,
        severity: 'low' as const,
        messageIncludes: [`NAT gateway ${id}`, 'about USD 261.29 per month (6000 GB, 31 days of Cost Explorer data) as its even share', "Cost Explorer reports NAT gateway data processing per region, not per gateway: the region's USD 522.58 per month (12000 GB) is divided evenly among its 2 NAT gateways (nat-0d47a0000000001, nat-0d47a0000000002)"],
      })),
    },
  ],
});

describe('aws/transit-cost attribution', () => {
  it('evidence says whether the figure is a share of the region or the region\'s whole charge', () => {
    const [split] = evaluate(rule, { aws: estate({ natGateways: [nat(NAT), nat(NAT_B)], transferCosts: splitByCollector }) }, {});
    expect(split?.evidence).toEqual({ kind: 'nat-gateway', attribution: 'region-split', gatewaysSharing: 2, sharedWith: [NAT_B], regionMonthly: 522.58, regionGb: 12000 });
    expect(split?.remediation).toContain(`--namespace AWS/NATGateway --metric-name BytesOutToDestination --dimensions Name=NatGatewayId,Value=${NAT} --start-time 2026-10-01 --end-time 2026-10-31`);
    const [alone] = evaluate(rule, { aws: estate({ transferCosts: [transferCost(TGW, 480)] }) }, {});
    expect(alone?.evidence).toEqual({ kind: 'transit-gateway', attribution: 'only-gateway-in-region', gatewaysSharing: 1 });
    expect(alone?.remediation.startsWith('aws ec2 describe-transit-gateway-attachments')).toBe(true);
  });

  it("a shared Transit Gateway figure starts the fix with the gateway's own CloudWatch bytes", () => {
    const findings = evaluate(rule, { aws: estate({ transferCosts: [transferCost(TGW, 300), transferCost(TGW_B, 300)] }) }, {});
    expect(findings.map((f) => f.resource.id)).toEqual([TGW, TGW_B]);
    expect(findings[0]?.remediation).toBe(
      "aws cloudwatch get-metric-statistics --region eu-west-1 --namespace AWS/TransitGateway --metric-name BytesIn --dimensions Name=TransitGateway,Value=tgw-0a1b2c3d4e5f60001 --start-time 2026-10-01 --end-time 2026-10-30 --period 86400 --statistics Sum (this gateway's own volume; the cost figure is a share of the region's), then aws ec2 describe-transit-gateway-attachments --region eu-west-1 --filters Name=transit-gateway-id,Values=tgw-0a1b2c3d4e5f60001 (find the attachments carrying the traffic; peer the busiest VPC pair directly or keep S3/ECR traffic on VPC endpoints)",
    );
  });
});
