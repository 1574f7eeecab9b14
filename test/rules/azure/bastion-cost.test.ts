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
    { name: 'Standard from the price table', inventory: { azure: { bastionHosts: [bastion('bas3', { sku: 'Standard' })] } }, findings: [{ resource: 'bas3', messageIncludes: 'USD 211.70 per month' }] },
    { name: 'Premium from the price table; SKU case as Resource Graph spells it', inventory: { azure: { bastionHosts: [bastion('bas5', { sku: 'premium' })] } }, findings: [{ resource: 'bas5', messageIncludes: 'USD 328.50 per month' }] },
    { name: 'Developer is free: said so, not priced at zero dollars', inventory: { azure: { bastionHosts: [bastion('bas6', { sku: 'Developer' })] } }, findings: [{ resource: 'bas6', messageIncludes: 'free at list price' }] },
    {
      name: 'Standard priced through cost.prices',
      inventory: { azure: { bastionHosts: [bastion('bas4', { sku: 'Standard' })] } },
      config: { cost: { prices: { 'azure.bastion.Standard.hour': 0.35 } } },
      findings: [{ resource: 'bas4', messageIncludes: 'USD 255.50 per month' }],
    },
    { name: 'a SKU the table does not know: named, no figure', inventory: { azure: { bastionHosts: [bastion('bas7', { sku: 'Enterprise' })] } }, findings: [{ resource: 'bas7', messageIncludes: 'azure.bastion.Enterprise.hour' }] },
  ],
});

it('azure/bastion-cost puts the monthly estimate in cost, and none without a price', () => {
  const out = evaluateRules([rule], {
    inventory: buildInventory({ azure: { bastionHosts: [bastion('a', { sku: 'Basic' }), bastion('b', { sku: 'Premium' }), bastion('c', { sku: 'Developer' }), bastion('d', { sku: 'Enterprise' })] } }),
    coverage: emptyCoverage(),
    config: configSchema.parse({}),
    now: new Date('2026-11-22T06:00:00Z'),
  });
  expect(out.findings.map((f) => [f.resource.name, f.cost?.monthly])).toEqual([
    ['a', 138.7],
    ['b', 328.5],
    ['c', 0],
    ['d', undefined],
  ]);
  expect(out.findings[0]?.cost?.basis).toContain('azure.bastion.Basic.hour');
  expect(out.findings[1]?.cost?.basis).toContain('https://azure.microsoft.com/pricing/details/azure-bastion/');
  expect(out.findings[0]?.remediation).toBe(
    'If nobody connects through it (its BastionAuditLogs diagnostic log shows the sessions), delete it (the az network bastion commands need the bastion extension: az extension add --name bastion): az network bastion delete --subscription 1b2c3d4e-0000-4000-8000-000000000001 -g rg-hub -n a',
  );
});
