import type { AirlockConfig } from '../config/schema.js';
import type { Coverage } from '../model/coverage.js';
import { fingerprint, type CostFigure, type Finding, type FindingCategory, type ResourceRef, type Undecided } from '../model/finding.js';
import type { Inventory } from '../model/inventory/index.js';
import type { Cloud, ScopeKey } from '../model/scope.js';
import type { Severity } from '../model/severity.js';

/** `<cloud>.<dataset>`, e.g. `azure.clusters`: an inventory list a rule reads. */
export type DatasetRef = `${Cloud}.${string}`;

export interface RuleMeta {
  /** `<cloud>/<kebab-slug>`, reads as a sentence in a chat message. */
  id: string;
  title: string;
  /** Default severity; a finding may raise or lower it (documented in `description`). */
  severity: Severity;
  category: FindingCategory;
  cloud: Cloud | 'any';
  /** The resource type findings are reported on, e.g. `Microsoft.ContainerService/managedClusters`. */
  resource: string;
  /** When the rule fires, in a sentence or two. */
  description: string;
  /** What goes wrong if this is left as it is. */
  risk: string;
  /**
   * The fix as a template: a command with `{name}` placeholders that each finding fills from its
   * `data` (`az aks update -g {resourceGroup} -n {cluster} ...`). Documentation shows the template;
   * a finding whose remediation still holds a placeholder is a defect (the rule tester fails it).
   */
  remediation: string;
  references: string[];
  /** Inventory datasets the rule reads; where one failed for a scope the rule reports it could not decide. */
  needs: DatasetRef[];
  /** Rules that judge other rules' findings (e.g. stale exceptions) run after the rest. */
  usesFindings?: boolean;
}

export interface FindingDraft {
  scope: ScopeKey;
  resource: ResourceRef;
  message: string;
  evidence?: Record<string, unknown>;
  discriminator?: string;
  severity?: Severity;
  /** Values for the `{name}` placeholders of `meta.remediation` (or of `remediation` below). */
  data?: Record<string, string | number>;
  /** A remediation template for this finding only, when the rule's differs by case; filled from `data`. */
  remediation?: string;
  cost?: CostFigure;
}

export interface RuleContext {
  readonly config: AirlockConfig;
  readonly now: Date;
  readonly coverage: Coverage;
  /** Findings of the other rules (only for rules with `meta.usesFindings`). */
  readonly findings: readonly Finding[];
  /** Builds a finding of this rule with its defaults, category and fingerprint. */
  finding(draft: FindingDraft): Finding;
  /** Says the rule could not decide for a scope. */
  undecided(scope: ScopeKey, reason: string): Undecided;
  /** True when the dataset was read completely in every scope of its cloud. */
  isComplete(dataset: DatasetRef): boolean;
  /** Scopes where the dataset could not be read. */
  incompleteScopes(dataset: DatasetRef): ScopeKey[];
  /**
   * An index over the inventory, built once per evaluation and shared by every rule that asks for
   * the same key (e.g. `gcp.networksBySelfLink`): rules join through lookups, never per-resource scans.
   */
  memo<T>(key: string, build: () => T): T;
}

export type RuleOutput = Finding | Undecided;

export interface Rule {
  meta: RuleMeta;
  evaluate(inventory: Inventory, ctx: RuleContext): RuleOutput[];
}

const PLACEHOLDER = /\{([A-Za-z][A-Za-z0-9]*)\}/g;

/** Fills `{name}` placeholders from data; unknown names stay as they are (and tests catch them). */
export function fillTemplate(template: string, data: Readonly<Record<string, string | number>> = {}): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = data[name];
    return value === undefined ? whole : String(value);
  });
}

/** Placeholders a text still holds: `{name}` templates and `<name>` left from hand-written commands. */
export function unfilledPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{[A-Za-z][A-Za-z0-9]*\}|<[a-z][a-z0-9-]*>/g)].map((m) => m[0]);
}

const ID = /^(azure|gcp|aws|audit)\/[a-z0-9]+(-[a-z0-9]+)*$/;

/** Declares a rule. Checks the metadata once, at module load, so a bad rule never reaches a run. */
export function defineRule(rule: Rule): Rule {
  const { meta } = rule;
  const problems: string[] = [];
  if (!ID.test(meta.id)) problems.push(`id "${meta.id}" is not <cloud>/<kebab-slug>`);
  const prefix = meta.id.split('/')[0];
  if (meta.cloud !== 'any' && prefix !== meta.cloud) problems.push(`id prefix "${prefix ?? ''}" does not match cloud "${meta.cloud}"`);
  for (const key of ['title', 'description', 'risk', 'remediation', 'resource'] as const) {
    if (meta[key].trim().length === 0) problems.push(`${key} is empty`);
  }
  for (const need of meta.needs) {
    if (!/^(azure|gcp|aws)\.[A-Za-z]+$/.test(need)) problems.push(`need "${need}" is not <cloud>.<dataset>`);
  }
  if (problems.length > 0) throw new Error(`rule ${meta.id}: ${problems.join('; ')}`);
  return rule;
}

/** Entries a per-evaluation cache keeps at most; past it the cache starts over (a correct answer, only slower). */
const RUN_CACHE_LIMIT = 100_000;
const runCaches: Map<string, unknown>[] = [];

/**
 * A pure function of a string, remembered for the rest of the evaluation: an estate repeats the
 * same texts (ranges, network URLs) thousands of times. Every such cache is emptied when an
 * evaluation starts and ends, and never grows past a bound.
 */
export function perEvaluation<T>(fn: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  runCaches.push(cache);
  return (key) => {
    let value = cache.get(key);
    if (value === undefined && !cache.has(key)) {
      if (cache.size >= RUN_CACHE_LIMIT) cache.clear();
      value = fn(key);
      cache.set(key, value);
    }
    return value as T;
  };
}

function clearRunCaches(): void {
  for (const cache of runCaches) cache.clear();
}

function isUndecided(output: RuleOutput): output is Undecided {
  return !('fingerprint' in output);
}

export interface EvaluationInput {
  inventory: Inventory;
  coverage: Coverage;
  config: AirlockConfig;
  now: Date;
}

export interface Evaluation {
  findings: Finding[];
  undecided: Undecided[];
}

function failedScopes(coverage: Coverage, dataset: DatasetRef): ScopeKey[] {
  const [cloud, name] = dataset.split('.') as [Cloud, string];
  const out: ScopeKey[] = [];
  for (const sc of coverage.scopes) {
    if (sc.scope.cloud !== cloud) continue;
    if (sc.failed.some((f) => f.dataset === name || f.dataset === '*')) {
      out.push(`${sc.scope.cloud}/${sc.scope.kind}/${sc.scope.id.toLowerCase()}`);
    }
  }
  return out;
}

/** The scopes where a dataset failed, worked out once per dataset and evaluation (rules ask per resource). */
function failedScopesOf(input: EvaluationInput, memos: Map<string, unknown>, dataset: DatasetRef): ScopeKey[] {
  const key = `kit.failedScopes.${dataset}`;
  let scopes = memos.get(key) as ScopeKey[] | undefined;
  if (scopes === undefined) {
    scopes = failedScopes(input.coverage, dataset);
    memos.set(key, scopes);
  }
  return scopes;
}

function contextFor(rule: Rule, input: EvaluationInput, findings: readonly Finding[], memos: Map<string, unknown>): RuleContext {
  const { meta } = rule;
  const cloudOf = (scope: ScopeKey): Cloud | 'audit' => {
    if (meta.cloud !== 'any') return meta.cloud;
    const prefix = scope.split('/')[0];
    return prefix === 'azure' || prefix === 'gcp' || prefix === 'aws' ? prefix : 'audit';
  };
  return {
    config: input.config,
    now: input.now,
    coverage: input.coverage,
    findings,
    finding(draft) {
      return {
        ruleId: meta.id,
        severity: draft.severity ?? meta.severity,
        category: meta.category,
        cloud: cloudOf(draft.scope),
        scope: draft.scope,
        resource: draft.resource,
        title: meta.title,
        message: draft.message,
        evidence: draft.evidence ?? {},
        remediation: fillTemplate(draft.remediation ?? meta.remediation, draft.data),
        ...(draft.cost ? { cost: draft.cost } : {}),
        ...(draft.discriminator ? { discriminator: draft.discriminator } : {}),
        fingerprint: fingerprint(meta.id, draft.resource.id, draft.discriminator),
      };
    },
    undecided(scope, reason) {
      return { ruleId: meta.id, scope, reason };
    },
    isComplete(dataset) {
      return failedScopesOf(input, memos, dataset).length === 0;
    },
    incompleteScopes(dataset) {
      return [...failedScopesOf(input, memos, dataset)];
    },
    memo<T>(key: string, build: () => T): T {
      let value = memos.get(key) as T | undefined;
      if (value === undefined && !memos.has(key)) {
        value = build();
        memos.set(key, value);
      }
      return value as T;
    },
  };
}

/**
 * Runs one rule. In a scope where a dataset the rule needs could not be read, the rule is undecided
 * and its findings there are withheld: a rule that reports an absence (no private zone, no route)
 * would otherwise report what it could not see, and drift would announce it as new. The undecided
 * entry says how many were withheld; drift carries the scope's previous findings over unchanged.
 */
function runRule(rule: Rule, input: EvaluationInput, prior: readonly Finding[], out: Evaluation, memos: Map<string, unknown>): void {
  const ctx = contextFor(rule, input, prior, memos);
  const undecided = new Map<ScopeKey, { need: DatasetRef; withheld: number }>();
  for (const need of rule.meta.needs) {
    for (const scope of failedScopesOf(input, memos, need)) {
      if (!undecided.has(scope)) undecided.set(scope, { need, withheld: 0 });
    }
  }
  const decided: Undecided[] = [];
  for (const output of rule.evaluate(input.inventory, ctx)) {
    const gap = undecided.size === 0 ? undefined : undecided.get(output.scope.toLowerCase());
    if (isUndecided(output)) {
      if (!gap) decided.push(output);
    } else if (gap) {
      gap.withheld += 1;
    } else {
      out.findings.push(output);
    }
  }
  for (const [scope, { need, withheld }] of undecided) {
    const held = withheld === 0 ? '' : `; ${String(withheld)} possible finding${withheld === 1 ? '' : 's'} withheld`;
    out.undecided.push(ctx.undecided(scope, `${need} could not be read in this scope${held}`));
  }
  out.undecided.push(...decided);
}

/**
 * Runs rules over an inventory: rules that judge findings run after the others. Findings come
 * out in rule order, then in the order each rule produced them; duplicates (same fingerprint) are
 * dropped so a rule that meets the same problem twice reports it once.
 */
export function evaluateRules(rules: readonly Rule[], input: EvaluationInput): Evaluation {
  const steps = evaluation(rules, input);
  let step = steps.next();
  while (!step.done) step = steps.next();
  return step.value;
}

/** How long evaluateRulesAsync runs before it gives the event loop a turn. */
const SLICE_MS = 10;

/**
 * evaluateRules, giving the event loop a turn whenever it has run for SLICE_MS: on a large estate
 * the evaluation takes longer than a timer, a queue lease renewal or a health probe may wait.
 * The turns fall between rules (a rule is one synchronous call), so one rule's time bounds a block.
 */
export async function evaluateRulesAsync(rules: readonly Rule[], input: EvaluationInput): Promise<Evaluation> {
  const steps = evaluation(rules, input);
  let sliceStarted = performance.now();
  let step = steps.next();
  while (!step.done) {
    if (performance.now() - sliceStarted >= SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      sliceStarted = performance.now();
    }
    step = steps.next();
  }
  return step.value;
}

/** The evaluation, one rule per step. */
function* evaluation(rules: readonly Rule[], input: EvaluationInput): Generator<void, Evaluation> {
  const out: Evaluation = { findings: [], undecided: [] };
  const memos = new Map<string, unknown>();
  clearRunCaches();
  for (const rule of rules.filter((r) => !r.meta.usesFindings)) {
    runRule(rule, input, [], out, memos);
    yield;
  }
  const firstPass = [...out.findings];
  for (const rule of rules.filter((r) => r.meta.usesFindings)) {
    runRule(rule, input, firstPass, out, memos);
    yield;
  }
  const seen = new Set<string>();
  out.findings = out.findings.filter((f) => (seen.has(f.fingerprint) ? false : (seen.add(f.fingerprint), true)));
  clearRunCaches();
  return out;
}
