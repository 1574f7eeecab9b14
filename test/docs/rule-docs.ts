import type { Rule } from '../../shared/rules/kit.js';

/** Where a rule's test lives: test/rules/<cloud>/<slug>.test.ts. */
function ruleTestPath(id: string): string {
  return `test/rules/${id}.test.ts`;
}

/**
 * Rules with no applicable recording in ../shared/realdata (see its INDEX.md), and why. Every other
 * rule's test must build at least one case from a real recorded API body.
 */
export const WITHOUT_REALDATA: ReadonlyMap<string, string> = new Map([
  ['azure/bastion-cost', 'no Bastion host body is recorded in realdata'],
  ['gcp/node-external-ip', 'no GCE instance body is recorded in realdata'],
  ['aws/transit-cost', 'no Cost Explorer body is recorded in realdata'],
  ['audit/scope-unreadable', 'judges coverage, not a cloud API body'],
  ['audit/stale-exception', 'judges configuration, not a cloud API body'],
]);

/**
 * Problems that make the rules reference untrustworthy: docs out of date with the metadata, a
 * rule without a test file, or a test file without both valid and invalid cases.
 */
export function ruleDocProblems(
  rules: readonly Rule[],
  committedDocs: string,
  generatedDocs: string,
  readTest: (relPath: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  if (committedDocs !== generatedDocs) problems.push('docs/rules.md is out of date: run `npm run docs` and commit it');
  const ids = new Set<string>();
  for (const { meta } of rules) {
    if (ids.has(meta.id)) problems.push(`${meta.id}: duplicate rule id`);
    ids.add(meta.id);
    const file = ruleTestPath(meta.id);
    const source = readTest(file);
    if (source === undefined) {
      problems.push(`${meta.id}: no test file ${file}`);
      continue;
    }
    if (!source.includes('ruleTester.run(')) problems.push(`${meta.id}: ${file} does not call ruleTester.run`);
    if (!/\bvalid\s*:\s*\[\s*[{.]/.test(source)) problems.push(`${meta.id}: ${file} has no valid cases`);
    if (!/\binvalid\s*:\s*\[\s*[{.]/.test(source)) problems.push(`${meta.id}: ${file} has no invalid cases`);
    if (!WITHOUT_REALDATA.has(meta.id) && !/realdata/i.test(source)) problems.push(`${meta.id}: ${file} has no case built from ../shared/realdata`);
  }
  return problems;
}
