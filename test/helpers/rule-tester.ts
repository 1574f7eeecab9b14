import { describe, expect, it } from 'vitest';
import { configSchema, type AirlockConfigInput } from '../../shared/config/schema.js';
import { emptyCoverage, type Coverage, type ScopeCoverage } from '../../shared/model/coverage.js';
import { emptyInventory, type AwsInventory, type AzureInventory, type GcpInventory, type Inventory } from '../../shared/model/inventory/index.js';
import type { Finding, Undecided } from '../../shared/model/finding.js';
import type { Severity } from '../../shared/model/severity.js';
import { evaluateRules, unfilledPlaceholders, type Rule } from '../../shared/rules/kit.js';

export interface InventoryInput {
  azure?: Partial<AzureInventory>;
  gcp?: Partial<GcpInventory>;
  aws?: Partial<AwsInventory>;
}

interface CaseBase {
  name: string;
  inventory?: InventoryInput;
  config?: AirlockConfigInput;
  /** Scope coverage; defaults to every scope complete. */
  scopes?: ScopeCoverage[];
  /** Defaults to 2026-11-22T06:00:00Z. */
  now?: Date;
  /** Findings of other rules, for rules that judge findings. */
  priorFindings?: Finding[];
}

export interface ExpectedFinding {
  /** Resource id (compared case-insensitively) or resource name. */
  resource: string;
  messageIncludes?: string | string[];
  severity?: Severity;
}

export interface InvalidCase extends CaseBase {
  findings: ExpectedFinding[];
}

export interface ValidCase extends CaseBase {
  /** Scopes where the rule says it could not decide (default none: a valid case then decided everywhere). */
  undecided?: string[];
}

const DEFAULT_NOW = new Date('2026-11-22T06:00:00Z');

/** ALL_CAPS_WITH_UNDERSCORES words that remediations pass as real flag values (gcloud advertisement groups), not placeholders. */
const REAL_CONSTANTS = new Set(['ALL_SUBNETS', 'ALL_VPC_SUBNETS', 'ALL_PEER_VPC_NETWORKS']);
const CAPS_WORD = /\$?\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b([:=]?)/g;

/**
 * Placeholders a remediation still holds: kit's `{name}` and `<name>`, and ALL_CAPS_WITH_UNDERSCORES
 * words used as values (`--range=NON_OVERLAPPING_CIDR`). Not placeholders: real flag values, names
 * read from the case's own data (golden realdata keeps `CLUSTER_NAME`), shell variables (`"$NAME"`),
 * their assignments (`NAME=$(...)`) and the `NAME:` labels that explain them.
 */
export function placeholdersIn(text: string, dataWords: ReadonlySet<string> = new Set()): string[] {
  const caps = [...text.matchAll(CAPS_WORD)]
    .filter(([word, suffix]) => !word.startsWith('$') && suffix === '' && !REAL_CONSTANTS.has(word) && !dataWords.has(word))
    .map(([word]) => word);
  return [...unfilledPlaceholders(text), ...caps];
}

export function buildInventory(input: InventoryInput = {}): Inventory {
  const inv = emptyInventory();
  Object.assign(inv.azure, input.azure);
  Object.assign(inv.gcp, input.gcp);
  Object.assign(inv.aws, input.aws);
  return inv;
}

function run(rule: Rule, c: CaseBase): { findings: Finding[]; undecided: Undecided[] } {
  const coverage: Coverage = { ...emptyCoverage(), scopes: c.scopes ?? [] };
  const config = configSchema.parse(c.config ?? {});
  const rules: Rule[] = [rule];
  if (c.priorFindings && rule.meta.usesFindings) {
    const prior = c.priorFindings;
    rules.unshift({
      meta: { ...rule.meta, id: 'audit/prior-findings', usesFindings: false },
      evaluate: () => prior,
    });
  }
  const out = evaluateRules(rules, { inventory: buildInventory(c.inventory), coverage, config, now: c.now ?? DEFAULT_NOW });
  return { findings: out.findings.filter((f) => f.ruleId === rule.meta.id), undecided: out.undecided };
}

function describeFindings(findings: readonly Finding[]): string {
  return findings.map((f) => `  - ${f.resource.id} [${f.severity}] ${f.message}`).join('\n') || '  (none)';
}

function matches(f: Finding, e: ExpectedFinding): boolean {
  const idOrName = e.resource.toLowerCase();
  if (f.resource.id.toLowerCase() !== idOrName && f.resource.name.toLowerCase() !== idOrName) return false;
  if (e.severity && f.severity !== e.severity) return false;
  const fragments = e.messageIncludes === undefined ? [] : Array.isArray(e.messageIncludes) ? e.messageIncludes : [e.messageIncludes];
  return fragments.every((frag) => f.message.includes(frag));
}

/**
 * ESLint-style tester: `valid` cases must produce no finding of the rule, `invalid` cases exactly
 * the listed findings (one expected entry per finding, matched by resource and message fragment).
 */
export const ruleTester = {
  run(rule: Rule, cases: { valid: ValidCase[]; invalid: InvalidCase[] }): void {
    if (cases.valid.length === 0 || cases.invalid.length === 0) {
      throw new Error(`rule ${rule.meta.id}: a rule test needs at least one valid and one invalid case`);
    }
    describe(rule.meta.id, () => {
      describe('valid', () => {
        for (const c of cases.valid) {
          it(c.name, () => {
            const { findings, undecided } = run(rule, c);
            expect(findings, `expected no finding, got:\n${describeFindings(findings)}`).toHaveLength(0);
            // "No finding" must not hide "could not decide": a valid case lists every undecided scope it expects.
            expect(undecided.map((u) => u.scope).sort(), 'undecided scopes').toEqual([...(c.undecided ?? [])].sort());
          });
        }
      });
      describe('invalid', () => {
        for (const c of cases.invalid) {
          it(c.name, () => {
            const { findings } = run(rule, c);
            const dataWords = new Set([...JSON.stringify([c.inventory, c.config]).matchAll(CAPS_WORD)].map(([word]) => word));
            const unmatched = [...findings];
            for (const expected of c.findings) {
              const i = unmatched.findIndex((f) => matches(f, expected));
              expect(i, `no finding on ${expected.resource} with ${JSON.stringify(expected.messageIncludes ?? '')}; got:\n${describeFindings(findings)}`).toBeGreaterThanOrEqual(0);
              unmatched.splice(i, 1);
            }
            expect(unmatched, `unexpected findings:\n${describeFindings(unmatched)}`).toHaveLength(0);
            for (const f of findings) {
              expect(f.message.length).toBeGreaterThan(0);
              expect(f.remediation.length).toBeGreaterThan(0);
              // A remediation is pasted as is: every placeholder filled with the finding's real names.
              expect(placeholdersIn(f.remediation, dataWords), `remediation of ${f.resource.id}: ${f.remediation}`).toEqual([]);
            }
          });
        }
      });
    });
  },
};
