import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { Finding } from '../../shared/model/finding.js';
import type { Run } from '../../shared/model/run.js';
import { generateScenario, type GeneratedScenario } from '../../sim/generate.js';
import { startSimulator, type BehaviourInput, type Simulator } from '../../sim/index.js';
import { previousFigures, recordFigures } from './figures.js';

/**
 * The fault matrix: a generated estate (Azure subscriptions, GCP projects, AWS account-regions)
 * audited once fault-free, then once per seed with rate faults on every cloud call (throttled with
 * a retry header, 5xx, connection resets, truncated and malformed bodies) and one subscription
 * denied. For each seed, every finding of the fault-free run is either reported again or its scope
 * is a coverage gap (the scope incomplete, or the rule undecided there): 0 silent losses; no
 * finding the fault-free run did not have (0 false positives, 0 changed); the audit ends (no
 * crash, no hang). Wall time and requests are recorded as ratios to the fault-free run.
 * Sizes can be changed with FAULT_MATRIX_SIZE=subscriptions,projects,accountRegions.
 */

const [SUBSCRIPTIONS, PROJECTS, ACCOUNT_REGIONS] = (process.env['FAULT_MATRIX_SIZE'] ?? '200,20,20').split(',').map(Number) as [number, number, number];
const SEEDS = [1, 2, 3, 4, 5];
/** Short waits asked by throttled answers (Azure reads retry-after-ms; the header Retry-After says 1 s). */
const RETRY_AFTER_MS = 100;
/** An audit that has not ended by then is a hang. */
const HANG_MS = 300_000;

const RATES: NonNullable<NonNullable<BehaviourInput['faults']>['rates']> = [
  { kind: 'throttled', rate: 0.1 },
  { kind: 'server-error', rate: 0.05 },
  { kind: 'reset', rate: 0.01 },
  { kind: 'truncated', rate: 0.005 },
  { kind: 'malformed', rate: 0.005 },
];

interface SeedFigures {
  seed: number;
  deniedScope: string;
  injected: { throttled: number; faults: number; denied: number };
  baselineFindings: number;
  reported: number;
  coveredByGap: number;
  silentLosses: string[];
  falsePositives: string[];
  changed: string[];
  incompleteScopes: number;
  failedCalls: Record<string, number>;
  /** One message per way calls failed. */
  examples: Record<string, string>;
  wallRatio: number;
  requestsRatio: number;
  attemptsRatio: number;
}

let sim: Simulator;
let dir: string;
let scenario: GeneratedScenario;
let config: AirlockConfig;
let baseline: { run: Run; ms: number; requests: number; attempts: number };
const results: SeedFigures[] = [];
const unreachable: Record<string, unknown>[] = [];

/** Findings about the estate (the audit's own findings about coverage and exceptions left out). */
const estateFindings = (run: Run): Finding[] => run.findings.filter((f) => f.cloud !== 'audit' && !f.ruleId.startsWith('audit/'));

/** Requests the collectors sent, and attempts the simulator received. */
function requestsOf(run: Run): number {
  return run.coverage.calls.reduce((n, c) => n + c.requests, 0);
}
function attemptsAt(s: Simulator): number {
  return s.counts().total;
}

async function audit(): Promise<{ run: Run; ms: number }> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`the audit did not end within ${HANG_MS / 1000} s (hang)`)); }, HANG_MS);
  });
  try {
    const run = await Promise.race([runAudit(config, { trigger: 'cli' }), hang]);
    return { run, ms: performance.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The scenario with one more Azure subscription refusing access: one where the fault-free run found
 * something (picked by the seed), so its findings must come back as a coverage gap.
 */
function withDeniedSubscription(seed: number): { next: GeneratedScenario; scope: string } {
  const azure = scenario.azure as { subscriptions: { id: string; denied?: boolean }[] } | undefined;
  const withFindings = [...new Set(estateFindings(baseline.run).filter((f) => f.cloud === 'azure').map((f) => f.scope.toLowerCase()))].sort();
  const scope = withFindings[seed % Math.max(1, withFindings.length)];
  if (!azure || scope === undefined) throw new Error('the fault-free run found nothing in any Azure subscription: no subscription to deny');
  const subscriptions = azure.subscriptions.map((s) => (`azure/subscription/${s.id.toLowerCase()}` === scope ? { ...s, denied: true } : s));
  return { next: { ...scenario, azure: { ...azure, subscriptions } } as GeneratedScenario, scope };
}

beforeAll(async () => {
  scenario = await generateScenario({ subscriptions: SUBSCRIPTIONS, projects: PROJECTS, accountRegions: ACCOUNT_REGIONS, seed: 11 });
  // Fault-free: no throttling model, no latency; the faulted runs add only the faults below.
  sim = await startSimulator({ scenario, behaviour: { throttle: { enabled: false }, latency: { meanMs: 0, jitterMs: 0 } } });
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-fault-matrix-'));
  ({ config } = await sim.writeConfig(path.join(dir, 'airlock.yaml')));
  sim.resetCounts();
  const { run, ms } = await audit();
  baseline = { run, ms, requests: requestsOf(run), attempts: attemptsAt(sim) };
}, 600_000);

afterAll(async () => {
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
  if (results.length === 0 && unreachable.length === 0) return;
  // A partial run (-t) keeps the other half's figures from the last full run.
  const previous = (await previousFigures('faultMatrix')) ?? {};
  const sum = (f: (r: SeedFigures) => number) => results.reduce((n, r) => n + f(r), 0);
  const matrix =
    results.length === 0
      ? Object.fromEntries(Object.entries(previous).filter(([k]) => k !== 'unreachable' && k !== 'measuredAt'))
      : {
          command: 'npm run test:reliability -- test/reliability/fault-matrix.long.ts',
          estate: { subscriptions: SUBSCRIPTIONS, projects: PROJECTS, accountRegions: ACCOUNT_REGIONS, generatorSeed: 11 },
          rates: RATES,
          retryAfterMs: RETRY_AFTER_MS,
          baseline: { findings: estateFindings(baseline.run).length, wallMs: Math.round(baseline.ms), requests: baseline.requests, attempts: baseline.attempts, complete: baseline.run.complete },
          seeds: results,
          totals: {
            seeds: results.length,
            injected: sum((r) => r.injected.throttled + r.injected.faults + r.injected.denied),
            silentLosses: sum((r) => r.silentLosses.length),
            falsePositives: sum((r) => r.falsePositives.length),
            changed: sum((r) => r.changed.length),
            crashes: 0,
          },
        };
  await recordFigures('faultMatrix', { ...matrix, unreachable: unreachable.length > 0 ? unreachable : previous['unreachable'] });
});

describe(`fault matrix: ${SUBSCRIPTIONS} subscriptions, ${PROJECTS} projects, ${ACCOUNT_REGIONS} account-regions`, () => {
  it('the fault-free run reads everything but the subscriptions the estate denies, and finds something on every cloud', () => {
    const azure = scenario.azure as { subscriptions: { id: string; denied?: boolean }[] } | undefined;
    const denied = new Set((azure?.subscriptions ?? []).filter((s) => s.denied === true).map((s) => `azure/subscription/${s.id.toLowerCase()}`));
    const failed = baseline.run.coverage.calls.filter((c) => !c.ok && !denied.has(c.scope.toLowerCase()));
    expect(failed.map((c) => c.message)).toEqual([]);
    const clouds = new Set(estateFindings(baseline.run).map((f) => f.cloud));
    expect([...clouds].sort()).toEqual(['aws', 'azure', 'gcp']);
  });

  it.each(SEEDS)('seed %i: every fault-free finding reported or covered by a gap, no false positive, the audit ends', async (seed) => {
    const { next, scope: deniedScope } = withDeniedSubscription(seed);
    await sim.replaceScenario(next);
    sim.setBehaviour({ seed, faults: { rates: RATES, calls: [], retryAfterMs: RETRY_AFTER_MS } });
    sim.resetCounts();
    let outcome: { run: Run; ms: number };
    try {
      outcome = await audit();
    } finally {
      sim.setBehaviour({ faults: { rates: [], calls: [] } });
      await sim.replaceScenario(scenario);
    }
    const { run, ms } = outcome;
    const counts = sim.counts();
    const injected = { throttled: 0, faults: 0, denied: 0 };
    for (const p of Object.values(counts.providers)) {
      for (const o of Object.values(p.operations)) {
        injected.throttled += o.throttled;
        injected.faults += o.faults;
        injected.denied += o.denied;
      }
    }

    const incomplete = new Set(run.coverage.scopes.filter((s) => !s.complete).map((s) => `${s.scope.cloud}/${s.scope.kind}/${s.scope.id}`.toLowerCase()));
    const undecided = new Set(run.undecided.map((u) => `${u.ruleId}|${u.scope.toLowerCase()}`));
    const now = new Map(estateFindings(run).map((f) => [f.fingerprint, f]));
    const before = new Map(estateFindings(baseline.run).map((f) => [f.fingerprint, f]));
    let reported = 0;
    let coveredByGap = 0;
    const silentLosses: string[] = [];
    const changed: string[] = [];
    for (const [fp, f] of before) {
      const again = now.get(fp);
      if (again) {
        reported += 1;
        if (again.severity !== f.severity) changed.push(`${f.ruleId} ${f.resource.id}: ${f.severity} → ${again.severity}`);
        continue;
      }
      if (incomplete.has(f.scope.toLowerCase()) || undecided.has(`${f.ruleId}|${f.scope.toLowerCase()}`)) coveredByGap += 1;
      else silentLosses.push(`${f.ruleId} ${f.resource.id}${f.discriminator ? ` [${f.discriminator}]` : ''} (${f.scope})`);
    }
    // A finding the fault-free run did not have, and whether its own scope was at least reported incomplete or undecided.
    const falsePositives = [...now.values()]
      .filter((f) => !before.has(f.fingerprint))
      .map((f) => `${f.ruleId} ${f.resource.id}${f.discriminator ? ` [${f.discriminator}]` : ''} (${incomplete.has(f.scope.toLowerCase()) ? 'scope incomplete' : undecided.has(`${f.ruleId}|${f.scope.toLowerCase()}`) ? 'rule undecided there' : 'scope complete'}): ${f.message.slice(0, 200)}`);
    const failedCalls: Record<string, number> = {};
    const examples: Record<string, string> = {};
    for (const c of run.coverage.calls) {
      if (c.ok) continue;
      const how = c.code === 'CIRCUIT_OPEN' || c.code === 'RETRY_BUDGET_EXHAUSTED' ? c.code : (c.errorKind ?? 'unclassified');
      failedCalls[how] = (failedCalls[how] ?? 0) + 1;
      examples[how] ??= (c.message ?? '').slice(0, 240);
    }

    results.push({
      seed,
      deniedScope,
      injected,
      baselineFindings: before.size,
      reported,
      coveredByGap,
      silentLosses,
      falsePositives,
      changed,
      incompleteScopes: incomplete.size,
      failedCalls,
      examples,
      wallRatio: +(ms / baseline.ms).toFixed(2),
      requestsRatio: +(requestsOf(run) / baseline.requests).toFixed(2),
      attemptsRatio: +(counts.total / baseline.attempts).toFixed(2),
    });

    expect(injected.throttled + injected.faults).toBeGreaterThan(0);
    // The denied subscription's findings are not reported: they are what the gap covers.
    expect(coveredByGap).toBeGreaterThan(0);
    // The denied subscription is a coverage gap with an audit/scope-unreadable finding.
    expect(incomplete.has(deniedScope)).toBe(true);
    expect(run.findings.some((f) => f.ruleId === 'audit/scope-unreadable' && f.scope.toLowerCase() === deniedScope)).toBe(true);
    expect(run.complete).toBe(false);
    expect(silentLosses).toEqual([]);
    expect(changed).toEqual([]);
  });

  /*
   * A rule that reports an absence (aws/route53-private-zone: "no private hosted zone") must not
   * report it where the dataset could not be read: the rules kit withholds a rule's findings in a
   * scope where one of its needs failed (seed 3 gave 3 such false positives before it did).
   */
  it('no seed reports a finding the fault-free run did not have', () => {
    expect(results.length).toBe(SEEDS.length);
    expect(results.flatMap((r) => r.falsePositives.map((f) => `seed ${r.seed}: ${f}`))).toEqual([]);
  });
});

/**
 * The breaker: hybrid-broken with every endpoint of one cloud refusing connections (127.0.0.1:1),
 * against the same cloud fault-free. Before the breaker, Azure took 65 s for 60 calls (each call
 * its SDK's retries); the wall time is recorded as a ratio, never asserted.
 */
describe('unreachable endpoints: the breaker', () => {
  it.each(['azure', 'gcp', 'aws'] as const)('%s: every call is network coverage, most refused by the open breaker without a request', async (cloud) => {
    const refusing = await startSimulator({ scenario: 'hybrid-broken', behaviour: { throttle: { enabled: false } } });
    const where = await mkdtemp(path.join(tmpdir(), 'airlock-fault-matrix-down-'));
    try {
      const down = 'http://127.0.0.1:1';
      const { config: ok } = await refusing.writeConfig(path.join(where, 'ok.yaml'));
      const { config: broken } = await refusing.writeConfig(path.join(where, 'down.yaml'), {
        overrides: {
          clouds: {
            azure: { endpoints: { resourceManager: 'https://127.0.0.1:1' } },
            gcp: { endpoints: { container: down, compute: down, dns: down, asset: down, resourceManager: down } },
            aws: { endpoint: down },
          },
        },
      });
      let started = performance.now();
      await runAudit(ok, { clouds: [cloud] });
      const okMs = performance.now() - started;
      started = performance.now();
      const run = await runAudit(broken, { clouds: [cloud] });
      const downMs = performance.now() - started;
      const calls = run.coverage.calls.filter((c) => c.requests > 0 || c.code === 'CIRCUIT_OPEN');
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((c) => !c.ok && c.errorKind === 'network')).toBe(true);
      const open = calls.filter((c) => c.code === 'CIRCUIT_OPEN').length;
      expect(open).toBeGreaterThan(calls.length / 2);
      unreachable.push({ cloud, calls: calls.length, refusedByBreaker: open, requests: calls.reduce((n, c) => n + c.requests, 0), wallMs: Math.round(downMs), faultFreeWallMs: Math.round(okMs), wallRatio: +(downMs / okMs).toFixed(2) });
    } finally {
      await refusing.stop();
      await rm(where, { recursive: true, force: true });
    }
  });
});
