import rule from '../../../shared/rules/aws/transit-cost.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { estate, nat, routeTable, SCOPE, transferCost, TGW } from './builders.js';

// No Cost Explorer body is recorded in realdata (see test/docs/rule-docs.ts WITHOUT_REALDATA).
const NAT = 'nat-0d47a0000000001';

ruleTester.run(rule, {
  valid: [
    { name: 'Transit Gateway processing below the default USD 100 threshold', inventory: { aws: estate({ transferCosts: [transferCost(TGW, 36)] }) } },
    { name: 'NAT above the default but below a raised threshold', inventory: { aws: estate({ transferCosts: [transferCost(NAT, 270)] }) }, config: { cost: { transitMonthlyThreshold: 500 } } },
    { name: 'charges in EUR are undecided', inventory: { aws: estate({ transferCosts: [transferCost(TGW, 960, { currency: 'EUR' })] }) }, undecided: [SCOPE] },
  ],
  invalid: [
    {
      name: 'hub Transit Gateway processing 48 TB a month (low, cost)',
      inventory: { aws: estate({ transferCosts: [transferCost(TGW, 480, { periodEnd: '2026-10-15', quantityGb: 24000 }), transferCost(TGW, 480, { periodStart: '2026-10-16', quantityGb: 24000 })] }) },
      findings: [{ resource: TGW, severity: 'low', messageIncludes: ['Transit Gateway tgw-0a1b2c3d4e5f60001', 'processed 48000 GB', 'USD 960.00 per month', 'threshold of USD 100.00'] }],
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
  ],
});
