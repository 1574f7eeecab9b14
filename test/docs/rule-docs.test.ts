import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../../shared/config/json-schema.js';
import { renderRulesMarkdown } from '../../shared/report/rules-doc.js';
import { allRules } from '../../shared/rules/index.js';
import { defineRule, type Rule } from '../../shared/rules/kit.js';
import { ruleDocProblems } from './rule-docs.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const readTest = (rel: string) => (existsSync(`${root}${rel}`) ? readFileSync(`${root}${rel}`, 'utf8') : undefined);

describe('rule documentation', () => {
  it('is in sync with the metadata, and every rule has valid and invalid test cases', () => {
    const committed = readFileSync(`${root}docs/rules.md`, 'utf8');
    expect(ruleDocProblems(allRules, committed, renderRulesMarkdown(allRules), readTest)).toEqual([]);
  });

  it('documents every rule with its risk and remediation', () => {
    const docs = renderRulesMarkdown(allRules);
    for (const { meta } of allRules) {
      expect(docs).toContain(`### ${meta.id}`);
      expect(docs).toContain(meta.remediation);
    }
  });

  it('fails when the docs are stale or a rule has no test', () => {
    const extra: Rule = defineRule({
      meta: { ...(allRules[0] as Rule).meta, id: 'azure/undocumented-example', cloud: 'azure' },
      evaluate: () => [],
    });
    const rules = [...allRules, extra];
    const committed = readFileSync(`${root}docs/rules.md`, 'utf8');
    const problems = ruleDocProblems(rules, committed, renderRulesMarkdown(rules), readTest);
    expect(problems).toContain('docs/rules.md is out of date: run `npm run docs` and commit it');
    expect(problems).toContain('azure/undocumented-example: no test file test/rules/azure/undocumented-example.test.ts');
  });

  it('fails when a test file lacks invalid cases', () => {
    const rule = allRules[0] as Rule;
    const problems = ruleDocProblems([rule], '', '', () => 'ruleTester.run(rule, { valid: [{ name: "realdata: x" }], invalid: [] });');
    expect(problems).toEqual([`${rule.meta.id}: test/rules/${rule.meta.id}.test.ts has no invalid cases`]);
  });

  it('fails when a rule with applicable realdata has no case built from it', () => {
    const rule = allRules.find((r) => r.meta.id === 'azure/lb-public-frontend') as Rule;
    const problems = ruleDocProblems([rule], '', '', () => 'ruleTester.run(rule, { valid: [{ name: "a" }], invalid: [{ name: "b" }] });');
    expect(problems).toEqual(['azure/lb-public-frontend: test/rules/azure/lb-public-frontend.test.ts has no case built from ../shared/realdata']);
  });

  it('rejects malformed metadata at definition time', () => {
    expect(() => defineRule({ meta: { ...(allRules[0] as Rule).meta, id: 'Azure/Bad_Id', cloud: 'azure' }, evaluate: () => [] })).toThrow(/not <cloud>\/<kebab-slug>/);
  });
});

describe('configuration JSON Schema', () => {
  it('is in sync with the zod schema (npm run schema)', () => {
    const committed: unknown = JSON.parse(readFileSync(`${root}docs/airlock.schema.json`, 'utf8'));
    expect(committed).toEqual(configJsonSchema());
  });
});
