/**
 * The auditor side of `npm run bench`, in its own process so that its peak RSS and event-loop
 * delay are the auditor's alone (the simulator runs in the parent). One JSON line on stdout.
 *
 * Modes:
 * - `audit`: runAudit over the configuration (every cloud), as the CLI runs it;
 * - `peer`: the peer-style baseline: every scope one after another (one shard at a time), Azure
 *   listed per subscription through ARM with one request in flight, GCP per project with one;
 * - `evaluate`: collects the inventory (the parent serves it without latency or throttling), then
 *   times rule evaluation on it in memory, sync and yielding, with the event-loop delay of each.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pLimit from 'p-limit';
import type { AuditOptions } from '../shared/audit.js';
import type { Collector } from '../shared/collect/types.js';
import type { AirlockConfig } from '../shared/config/schema.js';
import type { Inventory } from '../shared/model/inventory/index.js';
import type { Rule } from '../shared/rules/kit.js';

interface ChildArgs {
  mode: 'audit' | 'peer' | 'evaluate';
  configFile: string;
  /** Evaluate mode: timed repetitions (the median is reported). */
  repeats?: number;
  /** Where the pipeline is loaded from: the TypeScript sources (through tsx) or `npm run build`'s dist/ (as the Function App runs it). */
  from?: 'sources' | 'dist';
  /** The checkout's root directory (the child may run compiled from elsewhere: run.ts writes dist/bench/child.mjs). */
  root?: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as ChildArgs;

// The pipeline's modules, from the sources or from dist/ (loaded before anything is timed).
const root = args.root === undefined ? new URL('../', import.meta.url) : pathToFileURL(`${args.root.replace(/\/+$/, '')}/`);
const base = new URL(args.from === 'dist' ? 'dist/' : './', root);
const load = <T>(module: string): Promise<T> => import(new URL(`${module}.js`, base).href) as Promise<T>;
const [{ finalizeRun, planAudit, runAudit, runShard }, { azureCollector }, { awsCollector }, { createGcpCollector }, { loadConfigFile }, { emptyCoverage }, { mergeInventories }, { allRules }, { evaluateRules, evaluateRulesAsync }] = await Promise.all([
  load<typeof import('../shared/audit.js')>('shared/audit'),
  load<typeof import('../shared/collect/azure/index.js')>('shared/collect/azure/index'),
  load<typeof import('../shared/collect/aws/index.js')>('shared/collect/aws/index'),
  load<typeof import('../shared/collect/gcp/index.js')>('shared/collect/gcp/index'),
  load<typeof import('../shared/config/load.js')>('shared/config/load'),
  load<typeof import('../shared/model/coverage.js')>('shared/model/coverage'),
  load<typeof import('../shared/model/inventory/index.js')>('shared/model/inventory/index'),
  load<typeof import('../shared/rules/index.js')>('shared/rules/index'),
  load<typeof import('../shared/rules/kit.js')>('shared/rules/kit'),
]);
const clock = (): Date => new Date('2026-11-22T06:00:00Z');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** Records in every dataset of the inventory. */
function resourceCount(inventory: Inventory): number {
  let n = 0;
  for (const cloud of ['azure', 'gcp', 'aws'] as const) {
    for (const records of Object.values(inventory[cloud] as unknown as Record<string, unknown[]>)) n += records.length;
  }
  return n;
}

/** Resource-rule evaluations: for each rule, the records of every dataset it reads (`meta.needs`). */
function evaluationCount(rules: readonly Rule[], inventory: Inventory): number {
  let n = 0;
  for (const rule of rules) {
    for (const need of rule.meta.needs) {
      const [cloud, dataset] = need.split('.') as ['azure' | 'gcp' | 'aws', string];
      n += ((inventory[cloud] as unknown as Record<string, unknown[] | undefined>)[dataset] ?? []).length;
    }
  }
  return n;
}

/** A late arrival of the 5 ms probe: when it was due (ms since the process started, as in a --profile), how late, and the process's CPU time meanwhile. */
interface LoopBlock {
  atMs: number;
  wallMs: number;
  cpuMs: number;
}

interface LoopDelay {
  /** Longest delay of the event loop (wall clock; includes time the OS did not run the process). */
  loopMaxMs: number;
  loopP99Ms: number;
  /**
   * Longest delay during which the process was on the CPU the whole time (min of the delay and the
   * process's CPU time meanwhile): a synchronous block of our own, not the machine's load. The CPU
   * time counts every thread of the process (GC helpers too), so this is an upper bound.
   */
  loopMaxCpuMs: number;
  /** The five longest delays over 50 ms, with the CPU time spent in each. */
  loopBlocks: LoopBlock[];
}

/**
 * Runs `work` with the event-loop delay monitor on (perf_hooks monitorEventLoopDelay), plus a 5 ms
 * interval whose largest late arrival is the longest block seen; max (of both) and p99 in ms. The
 * probe also reads the process's CPU time, so that a delay caused by a loaded machine (the OS ran
 * something else) is told apart from a synchronous block.
 */
async function withLoopDelay<T>(work: () => T | Promise<T>): Promise<{ value: T } & LoopDelay> {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let worst = 0;
  let worstCpu = 0;
  const blocks: LoopBlock[] = [];
  const probe = setInterval(() => {
    const now = performance.now();
    const cpu = process.cpuUsage();
    const late = now - last - 5;
    const cpuMs = (cpu.user - lastCpu.user + cpu.system - lastCpu.system) / 1000;
    worst = Math.max(worst, late);
    worstCpu = Math.max(worstCpu, Math.min(late, cpuMs));
    if (late > 50) blocks.push({ atMs: Math.round(last), wallMs: Math.round(late), cpuMs: Math.round(cpuMs) });
    last = now;
    lastCpu = cpu;
  }, 5);
  // Let both timers arm before the work starts, and run once more after it, so a block at either end counts.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const value = await work();
  await new Promise((resolve) => setTimeout(resolve, 20));
  clearInterval(probe);
  h.disable();
  return {
    value,
    loopMaxMs: Math.round(Math.max(worst, h.max / 1e6)),
    loopP99Ms: Math.round(h.percentile(99) / 1e6),
    loopMaxCpuMs: Math.round(Math.max(0, worstCpu)),
    loopBlocks: blocks.sort((a, b) => b.wallMs - a.wallMs).slice(0, 5),
  };
}

/** Per cloud: when planning ended, when its first shard started and its last ended (ms from the audit's start), shards and their longest. */
interface CloudPhases {
  planMs: number;
  firstShardMs: number;
  lastShardMs: number;
  shards: number;
  longestShardMs: number;
}

/** Wraps each collector so that its planning and shards are timed (the collectors themselves are unchanged). */
function timed(collectors: readonly Collector[], since: () => number, phases: Record<string, CloudPhases>): Collector[] {
  return collectors.map((c) => {
    const p = (phases[c.cloud] = { planMs: 0, firstShardMs: Infinity, lastShardMs: 0, shards: 0, longestShardMs: 0 });
    return {
      ...c,
      async plan(ctx) {
        const r = await c.plan(ctx);
        p.planMs = Math.round(since());
        return r;
      },
      async collect(scopes, ctx) {
        const start = since();
        p.firstShardMs = Math.min(p.firstShardMs, Math.round(start));
        const r = await c.collect(scopes, ctx);
        const end = since();
        p.shards += 1;
        p.lastShardMs = Math.max(p.lastShardMs, Math.round(end));
        p.longestShardMs = Math.max(p.longestShardMs, Math.round(end - start));
        return r;
      },
    };
  });
}

/** JSON with object keys sorted and arrays compared as sets (their elements sorted). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).sort().join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  // JSON.stringify(undefined) is undefined at run time.
  return `${JSON.stringify(value) as string | undefined}`;
}

/** A short digest of a set of lines, whatever their order. */
function digest(lines: string[]): string {
  return createHash('sha256').update([...lines].sort().join('\n')).digest('hex').slice(0, 16);
}

async function audit(config: AirlockConfig, options: AuditOptions): Promise<Record<string, unknown>> {
  const phases: Record<string, CloudPhases> = {};
  let started = performance.now();
  const since = (): number => performance.now() - started;
  const collectors = timed(options.collectors ?? [], since, phases);
  let wallMs = 0;
  const { value: run, loopMaxMs, loopP99Ms, loopMaxCpuMs, loopBlocks } = await withLoopDelay(async () => {
    started = performance.now();
    const value = await runAudit(config, { ...options, collectors });
    wallMs = Math.round(since());
    return value;
  });
  const findingLines = run.findings.map((f) => canonical({ ruleId: f.ruleId, severity: f.severity, scope: f.scope, resource: f.resource, evidence: f.evidence, cost: f.cost, fingerprint: f.fingerprint }));
  // AIRLOCK_BENCH_FINDINGS=<file>: the lines behind the digest, for finding what two runs disagree on.
  const dump = process.env['AIRLOCK_BENCH_FINDINGS'];
  if (dump) await writeFile(dump, `${[...findingLines].sort().join('\n')}\n`);
  return {
    wallMs,
    phases,
    loopMaxMs,
    loopP99Ms,
    loopMaxCpuMs,
    loopBlocks,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    findings: run.findings.length,
    // What each finding says (rule, resource, severity, evidence, cost), for before/after comparisons:
    // equal digests, equal findings. Messages are left out and lists compared as sets, because
    // audit/scope-unreadable lists a scope's failed calls in the order they failed.
    findingsDigest: digest(findingLines),
    undecided: run.undecided.length,
    undecidedDigest: digest(run.undecided.map(canonical)),
    complete: run.complete,
    scopes: run.coverage.scopes.length,
    incompleteScopes: run.coverage.scopes.filter((s) => !s.complete).length,
    apiCalls: run.apiCalls,
  };
}

async function evaluate(config: AirlockConfig): Promise<Record<string, unknown>> {
  const options: AuditOptions = { clock, concurrency: 8 };
  const plan = await planAudit(config, options);
  const results = await Promise.all(plan.shards.map((s) => runShard(s, config, options)));
  const inventory = mergeInventories(results.map((r) => r.inventory));
  // Evaluate as finalizeRun does, with complete coverage: every rule sees every record.
  const rules = allRules.filter((r) => r.meta.cloud === 'any' || plan.clouds.includes(r.meta.cloud));
  const input = { inventory, coverage: emptyCoverage(), config, now: clock() };
  evaluateRules(rules, input); // warm-up: compile the rules before timing them
  const times: number[] = [];
  let loopMaxMs = 0;
  for (let i = 0; i < (args.repeats ?? 3); i++) {
    const { value, loopMaxMs: max } = await withLoopDelay(() => {
      const started = performance.now();
      evaluateRules(rules, input);
      return performance.now() - started;
    });
    times.push(value);
    loopMaxMs = Math.max(loopMaxMs, max);
  }
  const yielding = await withLoopDelay(async () => {
    const started = performance.now();
    await evaluateRulesAsync(rules, input);
    return performance.now() - started;
  });
  // The whole finalisation (merge, coverage, evaluation) as the audit runs it.
  const finalized = await withLoopDelay(() => finalizeRun(plan, results, config, options));
  const evalMs = median(times);
  const resources = resourceCount(inventory);
  const evaluations = evaluationCount(rules, inventory);
  return {
    resources,
    rules: rules.length,
    evaluations,
    evalMs: Number(evalMs.toFixed(1)),
    evaluationsPerSecond: Math.round(evaluations / (evalMs / 1000)),
    usPerResource: Number(((evalMs * 1000) / resources).toFixed(3)),
    syncLoopMaxMs: loopMaxMs,
    yieldingMs: Math.round(yielding.value),
    yieldingLoopMaxMs: yielding.loopMaxMs,
    finalizeLoopMaxMs: finalized.loopMaxMs,
    findings: finalized.value.findings.length,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

const config = await loadConfigFile(args.configFile);
let result: Record<string, unknown>;
switch (args.mode) {
  case 'audit':
    result = await audit(config, { clock, collectors: [azureCollector, createGcpCollector(), awsCollector] });
    break;
  case 'peer': {
    const { azure, aws } = config.clouds;
    const peer: AirlockConfig = {
      ...config,
      clouds: {
        ...config.clouds,
        ...(azure ? { azure: { ...azure, inventorySource: 'arm', concurrency: { armPerSubscription: 1, arm: 1, resourceGraph: 1, costManagementPerScope: 1, costManagement: 1 } } } : {}),
        ...(aws ? { aws: { ...aws, concurrency: { accounts: 1, perAccountRegion: 1, global: 1 } } } : {}),
      },
    };
    // One shard at a time across every cloud (runAudit's concurrency is per cloud).
    const one = pLimit(1);
    const serial = [azureCollector, createGcpCollector({ limits: { perBucket: 1, global: 1 } }), awsCollector].map((c): Collector => ({ ...c, collect: (scopes, ctx) => one(() => c.collect(scopes, ctx)) }));
    result = await audit(peer, { clock, concurrency: 1, collectors: serial });
    break;
  }
  case 'evaluate':
    result = await evaluate(config);
    break;
}
process.stdout.write(`${JSON.stringify(result)}\n`);
