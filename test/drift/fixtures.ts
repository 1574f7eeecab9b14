import { fingerprint, type Finding } from '../../shared/model/finding.js';
import type { Run } from '../../shared/model/run.js';
import { parseScopeKey, type ScopeKey } from '../../shared/model/scope.js';
import { SEVERITIES, type Severity } from '../../shared/model/severity.js';

export const SUB_A = 'azure/subscription/00000000-0000-0000-0000-00000000000a';
export const SUB_B = 'azure/subscription/00000000-0000-0000-0000-00000000000b';

export interface FindingInput {
  rule?: string;
  resource: string;
  scope?: ScopeKey;
  severity?: Severity;
  evidence?: Record<string, unknown>;
  message?: string;
  discriminator?: string;
}

export function finding(input: FindingInput): Finding {
  const rule = input.rule ?? LB_RULE;
  const name = input.resource.split('/').pop() ?? input.resource;
  return {
    ruleId: rule,
    severity: input.severity ?? 'high',
    category: 'exposure',
    cloud: 'azure',
    scope: input.scope ?? SUB_A,
    resource: { id: input.resource, type: 'Microsoft.Network/loadBalancers', name },
    title: `title of ${rule}`,
    message: input.message ?? `load balancer ${name} has a public frontend`,
    evidence: input.evidence ?? {},
    remediation: `az network lb frontend-ip delete --lb-name ${name}`,
    ...(input.discriminator === undefined ? {} : { discriminator: input.discriminator }),
    fingerprint: fingerprint(rule, input.resource, input.discriminator),
  };
}

export interface RunInput {
  id: string;
  findings: Finding[];
  /** Scope keys and whether each was read completely; default both test subscriptions complete. */
  scopes?: Record<ScopeKey, boolean>;
  startedAt?: string;
  finishedAt?: string;
  /** Rules evaluated; default the load-balancer rule the fixtures use. */
  rules?: string[];
  /** Rule/scope pairs that could not decide; default: the load-balancer rule in every incomplete scope (its dataset failed there). */
  undecided?: { ruleId: string; scope: ScopeKey }[];
}

export const LB_RULE = 'azure/lb-public-frontend';

export function run(input: RunInput): Run {
  const scopes = input.scopes ?? { [SUB_A]: true, [SUB_B]: true };
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of input.findings) bySeverity[f.severity] += 1;
  return {
    id: input.id,
    trigger: 'cli',
    startedAt: input.startedAt ?? '2026-11-22T06:00:00.000Z',
    finishedAt: input.finishedAt ?? input.startedAt ?? '2026-11-22T06:00:00.000Z',
    clouds: ['azure'],
    findings: input.findings,
    undecided: (input.undecided ?? Object.entries(scopes).filter(([, complete]) => !complete).map(([scope]) => ({ ruleId: LB_RULE, scope }))).map((u) => ({
      ...u,
      reason: 'azure.loadBalancers could not be read in this scope',
    })),
    rules: input.rules ?? [LB_RULE],
    coverage: {
      scopes: Object.entries(scopes).map(([key, complete]) => ({
        scope: parseScopeKey(key),
        complete,
        failed: complete ? [] : [{ dataset: 'loadBalancers', api: 'arm:loadBalancers.list', status: 403, message: 'denied' }],
      })),
      calls: [],
      notes: [],
    },
    complete: Object.values(scopes).every(Boolean),
    apiCalls: {},
    counts: { bySeverity, total: input.findings.length },
  };
}

export const LB1 = '/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/mc_rg/providers/Microsoft.Network/loadBalancers/kubernetes';
export const LB2 = '/subscriptions/00000000-0000-0000-0000-00000000000a/resourceGroups/mc_rg/providers/Microsoft.Network/loadBalancers/ingress';
export const LB3 = '/subscriptions/00000000-0000-0000-0000-00000000000b/resourceGroups/mc_rg2/providers/Microsoft.Network/loadBalancers/kubernetes';
