import { expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import rule from '../../../shared/rules/azure/hub-peering-cost.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { buildInventory, ruleTester } from '../../helpers/rule-tester.js';
import { peering, peeringCost, scopeOf, SUB, unreadable, vnet } from './builders.js';
import { peeringFromArm, realdataCases, specBody } from './fixtures.js';

const hub = vnet('vnet-hub', ['10.0.0.0/22'], { rg: 'rg-hub' });
const spokeBase = vnet('vnet-spoke', ['10.20.0.0/16']);
const spoke = { ...spokeBase, peerings: [peering(spokeBase, hub, { useRemoteGateways: true })] };
const spokeToSpoke = { ...spokeBase, peerings: [peering(spokeBase, vnet('vnet-other', ['10.30.0.0/16']))] };
const hubWithCosts = { ...hub, peerings: [peering(hub, spokeBase, { allowGatewayTransit: true })] };

/** Intra-region in and out over a 30-day window. */
const monthOf = (v: typeof spoke, usd: number, over = {}) => [
  peeringCost(v, 'Intra-Region Ingress', usd * 50, usd / 2, over),
  peeringCost(v, 'Intra-Region Egress', usd * 50, usd / 2, over),
];

ruleTester.run(rule, {
  valid: [
    { name: 'peering charge above threshold but below a VpnGw1 (138.70/month)', inventory: { azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 120) } } },
    { name: 'spoke-to-spoke peering without remote gateways', inventory: { azure: { virtualNetworks: [spokeToSpoke], peeringCosts: monthOf(spokeToSpoke, 900) } } },
    { name: 'above the gateway price but below the configured threshold', inventory: { azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 400) } }, config: { cost: { hubPeeringMonthlyThreshold: 500 } } },
    { name: 'a configured hub VNet is not a spoke', inventory: { azure: { virtualNetworks: [hubWithCosts], peeringCosts: monthOf(hubWithCosts, 900) } }, config: { clouds: { azure: { hubVnets: [hub.id] } } } },
    { name: 'gateway price overridden above the charge', inventory: { azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 300) } }, config: { cost: { prices: { 'azure.vpnGateway.VpnGw1.hour': 0.5 } } } },
    { name: 'no Cost Management records for the spoke', inventory: { azure: { virtualNetworks: [hub, spoke] } } },
    { name: 'cost data unreadable: undecided', inventory: { azure: { virtualNetworks: [hub, spoke] } }, scopes: [unreadable(['peeringCosts'])], undecided: [scopeOf(SUB)] },
    {
      name: 'billed in EUR: undecided rather than compared with USD prices',
      inventory: { azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 900, { currency: 'EUR' }) } },
      undecided: [scopeOf(SUB)],
    },
    ...realdataCases(() => {
      const p = peeringFromArm(specBody('network/VirtualNetworkPeeringGet.2024-05-01.json'));
      const v1 = { ...vnet('vnet1', ['10.1.0.0/16'], { rg: 'peerTest', sub: 'subid' }), peerings: [p] };
      return [{ name: 'realdata: spec VirtualNetworkPeeringGet (useRemoteGateways false, not to a hub)', inventory: { azure: { virtualNetworks: [v1], peeringCosts: monthOf(v1, 900) } } }];
    }),
  ],
  invalid: [
    {
      name: 'useRemoteGateways spoke paying 412.50 a month',
      inventory: { azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 412.5) } },
      findings: [{ resource: 'vnet-spoke', severity: 'low', messageIncludes: ['USD 412.50 per month', 'hub vnet-hub', 'USD 138.70', 'saving USD 273.80', 'over 30 days'] }],
    },
    {
      name: 'a 15-day window is normalised to 30 days',
      inventory: { azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 150, { periodStart: '2026-11-01', periodEnd: '2026-11-15' }) } },
      findings: [{ resource: 'vnet-spoke', messageIncludes: ['USD 300.00 per month', 'over 15 days'] }],
    },
    {
      name: 'peered to a configured hub without useRemoteGateways',
      inventory: { azure: { virtualNetworks: [hub, spokeToSpoke], peeringCosts: monthOf(spokeToSpoke, 200) } },
      config: { clouds: { azure: { hubVnets: ['/subscriptions/1b2c3d4e-0000-4000-8000-000000000001/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-other'] } } },
      findings: [{ resource: 'vnet-spoke', messageIncludes: 'hub vnet-other' }],
    },
    ...realdataCases(() => {
      const p = peeringFromArm(specBody('network/VirtualNetworkPeeringGet.2024-05-01.json'));
      const v1 = { ...vnet('vnet1', ['10.1.0.0/16'], { rg: 'peerTest', sub: 'subid' }), peerings: [p] };
      return [
        {
          name: 'realdata: spec VirtualNetworkPeeringGet to vnet2 configured as the hub',
          inventory: { azure: { virtualNetworks: [v1], peeringCosts: monthOf(v1, 900) } },
          config: { clouds: { azure: { hubVnets: [p.remoteVirtualNetworkId] } } },
          findings: [{ resource: 'vnet1', messageIncludes: 'hub vnet2' }],
        },
      ];
    }),
  ],
});

it('azure/hub-peering-cost reports monthly, alternative and saving in cost', () => {
  const out = evaluateRules([rule], {
    inventory: buildInventory({ azure: { virtualNetworks: [hub, spoke], peeringCosts: monthOf(spoke, 150, { periodStart: '2026-11-01T00:00:00Z', periodEnd: '2026-11-16T00:00:00Z' }) } }),
    coverage: emptyCoverage(),
    config: configSchema.parse({}),
    now: new Date('2026-11-22T06:00:00Z'),
  });
  expect(out.findings).toHaveLength(1);
  expect(out.findings[0]?.cost).toMatchObject({ currency: 'USD', monthly: 300, alternativeMonthly: 138.7, savingMonthly: 161.3 });
  expect(out.findings[0]?.cost?.basis).toContain('azure.vpnGateway.VpnGw1.hour');
});

const run = (vnets: (typeof spoke)[], costs: ReturnType<typeof monthOf>, hubVnets: string[] = []) =>
  evaluateRules([rule], {
    inventory: buildInventory({ azure: { virtualNetworks: vnets, peeringCosts: costs } }),
    coverage: emptyCoverage(),
    config: configSchema.parse({ clouds: { azure: { hubVnets } } }),
    now: new Date('2026-11-22T06:00:00Z'),
  }).findings;

it('azure/hub-peering-cost: a spoke using the hub gateway is told to turn useRemoteGateways off on its own peering', () => {
  const [f] = run([hub, spoke], monthOf(spoke, 412.5));
  expect(f?.remediation).toContain(`--subscription ${SUB} -g rg-net --vnet-name vnet-spoke -n vnet-spoke-to-vnet-hub --set useRemoteGateways=false`);
  expect(f?.evidence).toMatchObject({ hubPeerings: [{ name: 'vnet-spoke-to-vnet-hub', useRemoteGateways: true }] });
});

it('azure/hub-peering-cost: a spoke peered to a configured hub without useRemoteGateways is not told to turn off what is already off', () => {
  const findings = run([hub, spokeToSpoke], monthOf(spokeToSpoke, 412.5), [spokeToSpoke.peerings[0]?.remoteVirtualNetworkId ?? '']);
  expect(findings).toHaveLength(1);
  const [f] = findings;
  expect(f?.evidence).toMatchObject({ hubPeerings: [{ useRemoteGateways: false }] });
  expect(f?.remediation).not.toMatch(/useRemoteGateways=false/);
  expect(f?.message).toContain('does not use the hub gateway');
  // A gateway in the spoke would not replace this traffic: no saving is claimed.
  expect(f?.cost?.savingMonthly).toBeUndefined();
  expect(f?.cost?.monthly).toBe(412.5);
});
