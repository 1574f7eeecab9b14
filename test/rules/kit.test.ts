import { describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config/schema.js';
import { emptyCoverage } from '../../shared/model/coverage.js';
import { emptyInventory } from '../../shared/model/inventory/index.js';
import { scopeKey, type Scope } from '../../shared/model/scope.js';
import { defineRule, evaluateRules } from '../../shared/rules/kit.js';

const subs: Scope[] = ['AAAA0000-0000-4000-8000-000000000001', 'aaaa0000-0000-4000-8000-000000000002'].map((id) => ({ cloud: 'azure', kind: 'subscription', id }));

/** Reports an absence in every subscription: "no private DNS zone here". */
const absence = defineRule({
  meta: {
    id: 'azure/test-absence',
    title: 'test',
    severity: 'medium',
    category: 'dns',
    cloud: 'azure',
    resource: 'subscription',
    description: 'fires for every subscription without a private DNS zone (test rule)',
    risk: 'r',
    remediation: 'r',
    references: [],
    needs: ['azure.privateDnsZones'],
  },
  evaluate: (inv, ctx) =>
    subs
      .filter((s) => !inv.azure.privateDnsZones.some((z) => z.scope.toLowerCase() === scopeKey(s).toLowerCase()))
      .map((s) => ctx.finding({ scope: scopeKey(s), resource: { id: `/subscriptions/${s.id}`, type: 'subscription', name: s.id }, message: `no zone in ${s.id}` })),
});

describe('rules kit: a scope where a needed dataset failed', () => {
  const evaluate = () =>
    evaluateRules([absence], {
      inventory: emptyInventory(),
      coverage: {
        ...emptyCoverage(),
        scopes: [
          // The scope id as the cloud spelled it (upper case): the kit matches scopes case-insensitively.
          { scope: subs[0] as Scope, complete: false, failed: [{ dataset: 'privateDnsZones', api: 'resourcegraph:resources', status: 429, errorKind: 'throttled', message: 'RateLimiting' }] },
          { scope: subs[1] as Scope, complete: true, failed: [] },
        ],
      },
      config: configSchema.parse({}),
      now: new Date('2026-12-03T00:00:00Z'),
    });

  it('withholds the rule findings there, says so in the undecided entry, and reports the other scopes', () => {
    const { findings, undecided } = evaluate();
    expect(findings.map((f) => f.resource.name)).toEqual([subs[1]?.id]);
    expect(undecided).toEqual([
      { ruleId: 'azure/test-absence', scope: scopeKey(subs[0] as Scope).toLowerCase(), reason: 'azure.privateDnsZones could not be read in this scope; 1 possible finding withheld' },
    ]);
  });
});
