import { expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import rule from '../../../shared/rules/azure/bastion-cost.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { buildInventory, ruleTester } from '../../helpers/rule-tester.js';
import { bastion } from './builders.js';

ruleTester.run(rule, {
  valid: [{ name: 'no Bastion host', inventory: { azure: { bastionHosts: [] } } }],
  invalid: [
    { name: 'Basic Bastion, priced', inventory: { azure: { bastionHosts: [bastion('bas-hub', { sku: 'Basic' })] } }, findings: [{ resource: 'bas-hub', severity: 'info', messageIncludes: ['`bas-hub` in `rg-hub`', 'USD 138.70 per month'] }] },
    { name: 'SKU absent: Basic', inventory: { azure: { bastionHosts: [bastion('bas2')] } }, findings: [{ resource: 'bas2', messageIncludes: 'SKU Basic' }] },
    { name: 'Standard without a table price: named, no figure', inventory: { azure: { bastionHosts: [bastion('bas3', { sku: 'Standard' })] } }, findings: [{ resource: 'bas3', messageIncludes: 'azure.bastion.Standard.hour' }] },
    {
      name: 'Standard priced through cost.prices',
      inventory: { azure: { bastionHosts: [bastion('bas4', { sku: 'Standard' })] } },
      config: { cost: { prices: { 'azure.bastion.Standard.hour': 0.29 } } },
      findings: [{ resource: 'bas4', messageIncludes: 'USD 211.70 per month' }],
    },
  ],
});

it('azure/bastion-cost puts the monthly estimate in cost, and none without a price', () => {
  const out = evaluateRules([rule], {
    inventory: buildInventory({ azure: { bastionHosts: [bastion('a', { sku: 'Basic' }), bastion('b', { sku: 'Premium' })] } }),
    coverage: emptyCoverage(),
    config: configSchema.parse({}),
    now: new Date('2026-11-22T06:00:00Z'),
  });
  expect(out.findings.map((f) => [f.resource.name, f.cost?.monthly])).toEqual([
    ['a', 138.7],
    ['b', undefined],
  ]);
  expect(out.findings[0]?.cost?.basis).toContain('azure.bastion.Basic.hour');
});
