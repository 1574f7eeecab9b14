import { describe, expect, it } from 'vitest';
import { azureRules } from '../../../shared/rules/azure/index.js';
import { loadScenario } from '../../../sim/scenario/index.js';

/** The Azure parts of the shipped scenarios load, and hybrid-broken covers the whole azure/* catalog. */
describe('Azure scenario files', () => {
  it('hybrid-broken has ground truth for every azure/* rule and a denied subscription', async () => {
    const scenario = await loadScenario('hybrid-broken');
    const azure = scenario.azure;
    if (!azure) throw new Error('hybrid-broken has no azure estate');
    const covered = new Set(azure.truth.map((t) => t.ruleId));
    const missing = azureRules.map((r) => r.meta.id).filter((id) => !covered.has(id));
    expect(missing).toEqual([]);
    const denied = azure.subscriptions.filter((s) => s.denied);
    expect(denied).toHaveLength(1);
    expect(azure.truth).toContainEqual({ ruleId: 'audit/scope-unreadable', resourceId: `azure/subscription/${denied[0]?.id ?? ''}` });
    // Named like a real estate.
    expect(azure.subscriptions.flatMap((s) => s.resourceGroups.map((g) => g.name))).toContain('MC_rg-aks-prod-weu_aks-prod-weu_westeurope');
  });

  it('conformant has an Azure estate and no Azure ground truth; demo a handful', async () => {
    const conformant = await loadScenario('conformant');
    expect(conformant.azure?.subscriptions.length).toBeGreaterThan(1);
    expect(conformant.azure?.truth).toEqual([]);
    const demo = await loadScenario('demo');
    const n = demo.azure?.truth.length ?? 0;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(8);
  });
});
