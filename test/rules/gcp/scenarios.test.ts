import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import type { ScopeCoverage } from '../../../shared/model/coverage.js';
import { emptyInventory } from '../../../shared/model/inventory/index.js';
import { gcpRules } from '../../../shared/rules/gcp/index.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { generateGcpEstate } from '../../../sim/gcp/generate.js';
import type { GcpEstate } from '../../../sim/gcp/scenario.js';
import { loadScenarioEstate, truthKeys } from '../../sim/scenario-estates.js';
import { inventoryFromEstate } from './fixtures.js';

/** The gcp/* rules over a complete read of a simulator estate (the collector's job done by the test mapper). */
function run(estate: GcpEstate) {
  const scopes: ScopeCoverage[] = estate.projects.map((p) => ({
    scope: { cloud: 'gcp', kind: 'project', id: p.id },
    complete: !p.denied,
    failed: p.denied ? [{ dataset: '*', api: 'crm:projects.get', status: 403, message: 'denied' }] : [],
  }));
  const inventory = { ...emptyInventory(), gcp: inventoryFromEstate(estate) };
  const config = configSchema.parse({ onPrem: { ranges: ['10.10.0.0/16', '172.20.0.0/14'] } });
  return evaluateRules(gcpRules, { inventory, coverage: { scopes, calls: [], notes: [] }, config, now: new Date('2026-11-22T06:00:00Z') });
}

const gcpTruth = (estate: GcpEstate) => truthKeys(estate.truth.filter((t) => t.ruleId.startsWith('gcp/')));

describe('gcp rules over the simulator scenarios', () => {
  it.each(['hybrid-broken', 'conformant', 'demo'])('%s: exactly the scenario truth', (name) => {
    const estate = loadScenarioEstate('gcp', name);
    const { findings, undecided } = run(estate);
    expect(truthKeys(findings.map((f) => ({ ruleId: f.ruleId, resourceId: f.resource.id })))).toEqual(gcpTruth(estate));
    const denied = estate.projects.filter((p) => p.denied).map((p) => `gcp/project/${p.id}`);
    expect([...new Set(undecided.map((u) => u.scope))].sort()).toEqual(denied.sort());
    for (const f of findings) expect(f.remediation, f.resource.id).not.toMatch(/\{[A-Za-z]+\}/);
  });

  it('a generated estate: exactly its truth', () => {
    const estate = generateGcpEstate({ projects: 60, seed: 11, failureRate: 0.6 });
    expect(estate.truth.length).toBeGreaterThan(10);
    const { findings } = run(estate);
    expect(truthKeys(findings.map((f) => ({ ruleId: f.ruleId, resourceId: f.resource.id })))).toEqual(gcpTruth(estate));
  });
});
