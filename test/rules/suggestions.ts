/** Checks shared by the address-overlap rule tests: the replacement ranges findings suggest. */
import { expect } from 'vitest';
import { configSchema, type AirlockConfigInput } from '../../shared/config/schema.js';
import { emptyCoverage } from '../../shared/model/coverage.js';
import type { Finding } from '../../shared/model/finding.js';
import { inventoryRanges, overlaps } from '../../shared/rules/cidr.js';
import { evaluateRules, type Rule } from '../../shared/rules/kit.js';
import { buildInventory, placeholdersIn, type InventoryInput } from '../helpers/rule-tester.js';

export function evaluate(rule: Rule, inventory: InventoryInput, config: AirlockConfigInput): Finding[] {
  return evaluateRules([rule], { inventory: buildInventory(inventory), coverage: emptyCoverage(), config: configSchema.parse(config), now: new Date('2026-11-22T06:00:00Z') }).findings;
}

/** The replacement a finding's message names (`...; replacement: 10.0.16.0/20 is the first free /20 in ...`). */
export function suggestedRange(f: Finding): string | undefined {
  return /replacement: (?:[^;]*; )?(\d+\.\d+\.\d+\.\d+\/\d+) is the (?:first|largest) free/.exec(f.message)?.[1];
}

/**
 * Every finding suggests a range (named in its message) that overlaps no on-prem range, no
 * range of the inventory and no other finding's suggestion, and its remediation uses it with no
 * placeholder left. Returns the suggestions in finding order.
 */
export function expectFreeSuggestions(findings: readonly Finding[], inventory: InventoryInput, onPrem: readonly string[]): string[] {
  expect(findings.length).toBeGreaterThan(0);
  const taken = [...onPrem, ...inventoryRanges(buildInventory(inventory))];
  // Golden realdata keeps names such as CLUSTER_NAME: those are the estate's, not placeholders of the rule.
  const dataWords = new Set(JSON.stringify(inventory).match(/\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b/g));
  const suggestions: string[] = [];
  for (const f of findings) {
    const s = suggestedRange(f) ?? '';
    expect(s, f.message).not.toBe('');
    for (const t of taken) expect(overlaps(s, t), `${s} overlaps ${t}`).toBe(false);
    expect(f.remediation).toContain(s);
    expect(placeholdersIn(f.remediation, dataWords), f.remediation).toEqual([]);
    suggestions.push(s);
  }
  const distinct = [...new Set(suggestions)];
  for (const a of distinct) for (const b of distinct) if (a !== b) expect(overlaps(a, b), `${a} and ${b}`).toBe(false);
  return suggestions;
}
