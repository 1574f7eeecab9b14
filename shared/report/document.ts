/**
 * The findings document: what `--format json` prints and every other format renders from. Its
 * zod definition is the source of docs/findings.schema.json (npm run schema:findings).
 */
import { z } from 'zod';
import type { AirlockConfig } from '../config/schema.js';
import type { DriftResult } from '../drift/reconcile.js';
import type { Run } from '../model/run.js';
import { CLOUDS } from '../model/scope.js';
import { SEVERITIES } from '../model/severity.js';
import type { DeliveryRecord } from '../store/types.js';
import { exceptionExpired, exceptionMatches } from '../util/exceptions.js';

const severity = z.enum(SEVERITIES);
const cloud = z.enum(CLOUDS);
const isoTime = z.string().describe('RFC 3339 instant');

/** open: not published (no drift known); the others are drift states of the run. */
export const FINDING_STATES = ['new', 'regressed', 'persisting', 'resolved', 'excepted', 'open'] as const;

const finding = z.object({
  ruleId: z.string(),
  severity,
  category: z.enum(['exposure', 'reachability', 'dns', 'egress', 'addressing', 'identity', 'cost', 'audit']),
  cloud: z.union([cloud, z.literal('audit')]),
  scope: z.string().describe('<cloud>/<kind>/<id>'),
  resource: z.object({ id: z.string(), type: z.string(), name: z.string() }),
  title: z.string(),
  message: z.string(),
  evidence: z.record(z.string(), z.unknown()),
  remediation: z.string(),
  cost: z
    .object({
      currency: z.literal('USD'),
      monthly: z.number(),
      alternativeMonthly: z.number().optional(),
      savingMonthly: z.number().optional(),
      basis: z.string(),
    })
    .optional(),
  discriminator: z.string().optional(),
  fingerprint: z.string().describe('Stable identity of the finding across runs'),
});

const findingWithState = finding.extend({
  state: z.enum(FINDING_STATES),
  exception: z.object({ reason: z.string(), expires: z.string() }).optional(),
});

const driftEntry = z.object({
  state: z.enum(['new', 'regressed', 'resolved', 'persisting', 'excepted']),
  finding,
  previous: z.enum(['open', 'resolved', 'excepted']).optional(),
  changes: z.array(z.record(z.string(), z.unknown())),
  carriedOver: z.boolean(),
  exception: z.object({ rule: z.string(), resource: z.string(), reason: z.string(), expires: z.string(), owner: z.string().optional() }).optional(),
  note: z.string().optional(),
  escalatedFrom: severity.optional(),
  firstSeen: isoTime,
});

const countsBySeverity = z.object(Object.fromEntries(SEVERITIES.map((s) => [s, z.number().int()])) as Record<(typeof SEVERITIES)[number], z.ZodNumber>);

const findingsDocument = z
  .object({
    id: z.string(),
    trigger: z.enum(['timer', 'http', 'cli', 'queue']),
    startedAt: isoTime,
    finishedAt: isoTime,
    clouds: z.array(cloud),
    complete: z.boolean().describe('Every planned scope was read completely'),
    rules: z.array(z.string()),
    apiCalls: z.record(z.string(), z.number()),
    counts: z.object({ bySeverity: countsBySeverity, total: z.number().int() }),
    coverage: z.object({
      scopes: z.array(
        z.object({
          scope: z.object({ cloud, kind: z.string(), id: z.string(), name: z.string().optional() }),
          complete: z.boolean(),
          failed: z.array(z.object({ dataset: z.string(), api: z.string(), status: z.number().optional(), errorKind: z.string().optional(), message: z.string() })),
        }),
      ),
      calls: z.array(z.record(z.string(), z.unknown())).optional().describe('Every API call (audit output only; not kept in stored reports)'),
      notes: z.array(z.string()),
    }),
    undecided: z.array(z.object({ ruleId: z.string(), scope: z.string(), reason: z.string() })),
    findings: z.array(findingWithState),
    drift: z
      .object({
        runId: z.string(),
        at: isoTime,
        entries: z.array(driftEntry),
        counts: z.record(z.string(), countsBySeverity),
        carriedOver: z.object({ scopes: z.array(z.string()), findings: z.number().int() }),
      })
      .nullable()
      .optional()
      .describe('Drift since the previous stored run; null when the run was already stored, absent when not published'),
    deliveries: z
      .array(
        z.object({
          channel: z.string(),
          kind: z.enum(['slack', 'teams', 'webhook']),
          status: z.enum(['pending', 'delivered', 'dead-letter']),
          attempts: z.number().int(),
          lastStatus: z.number().optional(),
          lastError: z.string().optional(),
          deliveredAt: z.string().optional(),
        }),
      )
      .optional(),
  })
  .describe('An Airlock run: its findings with their drift state, coverage and drift');

export type FindingView = z.output<typeof findingWithState>;
export type FindingsDocument = z.output<typeof findingsDocument>;

/** The JSON Schema of `airlock audit --format json` (docs/findings.schema.json). */
export function findingsJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(findingsDocument, { io: 'output', unrepresentable: 'any' }),
    title: 'Airlock findings (airlock audit --format json)',
  };
}

export interface DocumentInput {
  run: Run;
  config: Pick<AirlockConfig, 'exceptions'>;
  /** Absent for a run that was not published (--no-publish); null drift when it was already stored. */
  published?: { drift?: DriftResult; deliveries: DeliveryRecord[] };
  /** Keep every API call record (the audit's own output does; stored reports do not). */
  calls?: boolean;
}

/** The findings document of a run, dated with the run's end (exceptions are judged then). */
export function buildDocument({ run, config, published, calls = true }: DocumentInput): FindingsDocument {
  const now = new Date(run.finishedAt);
  const drift = published?.drift;
  const states = new Map(drift?.entries.map((e) => [e.finding.fingerprint, e.state]) ?? []);
  const findings = run.findings.map((f): FindingView => {
    const exception = config.exceptions.find((e) => !exceptionExpired(e, now) && exceptionMatches(e, f));
    const state = states.get(f.fingerprint) ?? (exception ? 'excepted' : 'open');
    return { ...f, state, ...(exception ? { exception: { reason: exception.reason, expires: exception.expires } } : {}) };
  });
  const { id, trigger, startedAt, finishedAt, clouds, complete, rules, apiCalls, counts, undecided, coverage } = run;
  return {
    id,
    trigger,
    startedAt,
    finishedAt,
    clouds,
    complete,
    rules,
    apiCalls,
    counts,
    undecided,
    coverage: { scopes: coverage.scopes, ...(calls ? { calls: coverage.calls as unknown as Record<string, unknown>[] } : {}), notes: coverage.notes },
    findings,
    ...(published
      ? {
          drift: drift ? { runId: drift.runId, at: drift.at, entries: drift.entries, counts: drift.counts, carriedOver: drift.carriedOver } : null,
          deliveries: published.deliveries,
        }
      : {}),
  };
}

/** Findings resolved by this run (absent from run.findings): the drift's resolved entries. */
export function resolvedFindings(doc: FindingsDocument): FindingView[] {
  return (doc.drift?.entries ?? []).filter((e) => e.state === 'resolved').map((e) => ({ ...e.finding, state: 'resolved' as const }));
}

/** True when the store held nothing before this run: drift has nothing to say yet. */
export function isFirstRun(doc: FindingsDocument): boolean {
  return (doc.drift?.entries ?? []).every((e) => e.previous === undefined && e.state !== 'resolved');
}
