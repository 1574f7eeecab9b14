/**
 * The performance bench: `npm run bench -- --size S|M|L` (default M). Everything is measured in one
 * run and reported as a ratio to a baseline of the same run, so the figures hold on a loaded or a
 * fast machine alike. Formulas and the latest results: bench/README.md.
 *
 * 1. Audit: a generated estate served by the simulator with 50–150 ms latency and every throttling
 *    model on (the real APIs' quotas), audited by runAudit in a child process (bench/child.ts):
 *    wall time, API calls per provider and operation, the lower bound (calls and time), peak RSS,
 *    event-loop max delay.
 * 2. Peer-style baseline (M, or --baseline): the same estate listed one scope after another, one
 *    call at a time; the speed-up over (1).
 * 3. Start-up: `airlock rules` (checkout through tsx, and dist/ when built) against `node -e 0`.
 * 4. Rule evaluation: resource-rule evaluations per second on inventories of S, M (and L with
 *    --size L) held in memory, time per resource across sizes, event-loop delay sync and yielding.
 * Options: --size S|M|L, --baseline / --no-baseline, --no-startup, --no-throughput, --cost-scope management-groups|subscriptions, --profile <dir>
 * (CPU and heap-sampling profiles of the auditor child, written to <dir>), --dist (runs `npm run
 * build` first and loads the auditor from dist/, as the Function App runs it, instead of the
 * sources through tsx).
 * Results: bench/results/<size>.json.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseBehaviour, type BehaviourInput } from '../sim/core/behaviour.js';
import { Throttler } from '../sim/core/throttle.js';
import type { ThrottleModelName } from '../sim/core/types.js';
import { generateScenario } from '../sim/generate.js';
import { startSimulator, type Simulator } from '../sim/index.js';

const root = fileURLToPath(new URL('../', import.meta.url));

const SIZES = {
  S: { subscriptions: 10, projects: 5, accountRegions: 5 },
  M: { subscriptions: 200, projects: 50, accountRegions: 40 },
  L: { subscriptions: 2000, projects: 500, accountRegions: 200 },
} as const;
type Size = keyof typeof SIZES;

/** Latency of every call, as real cloud APIs answer a list page: 100 ms ± 50 ms, uniform. */
const LATENCY = { meanMs: 100, jitterMs: 50 };
const MIN_LATENCY_MS = LATENCY.meanMs - LATENCY.jitterMs;
/**
 * The least chain of calls that each need the previous one's answer, whatever the concurrency:
 * AWS AssumeRole → ListClusters → DescribeCluster → GetCostAndUsage (Cost Explorer's figures are
 * split over the account's gateways, so it comes after the regions), and AssumeRole →
 * DescribeLoadBalancers → DescribeTags. GCP and Azure chains depend on the estate's pages and are
 * counted from the calls (gcpChain, azureChain): GCP folders.list → projects.list (one page of
 * 1,000 per parent, the parents side by side) → the pages of the organisation's Cloud Asset
 * listing (each needs the previous page's token; DNS record sets come with it, no call per zone).
 */
const CHAIN = 4;
const GCP_ORGANIZATION = '100000000001';
/** Resource Graph takes at most 1,000 subscriptions per request (troubleshoot/general.md, "Too many subscriptions"). */
const AZURE_SUBSCRIPTIONS_PER_QUERY = 1000;

const argv = process.argv.slice(2);
const flag = (name: string): boolean => argv.includes(`--${name}`);
const sizeArg = (argv[argv.indexOf('--size') + 1] ?? 'M').toUpperCase();
if (argv.includes('--size') && !(sizeArg in SIZES)) throw new Error(`--size: expected S, M or L, got "${sizeArg}"`);
const size: Size = argv.includes('--size') ? (sizeArg as Size) : 'M';
const runBaseline = flag('baseline') || (size === 'M' && !flag('no-baseline'));
const fromDist = flag('dist');
/**
 * The Azure part of the bench estate is configured by its two management groups (subscriptions are
 * found by planning). `--cost-scope management-groups` (default) reads peering costs one query per
 * management group; `--cost-scope subscriptions` one query per subscription, the plan before
 * management-group cost queries, for before/after comparisons of the same estate.
 */
const costScopeArg = argv.includes('--cost-scope') ? argv[argv.indexOf('--cost-scope') + 1] : 'management-groups';
if (costScopeArg !== 'management-groups' && costScopeArg !== 'subscriptions') throw new Error(`--cost-scope: expected management-groups or subscriptions, got "${String(costScopeArg)}"`);
const costScope: 'management-groups' | 'subscriptions' = costScopeArg;
/** The generator's management groups: the hub's and the landing zones'. */
const MANAGEMENT_GROUPS = ['mg-platform', 'mg-landingzones'];
const profileDir = argv.includes('--profile') ? argv[argv.indexOf('--profile') + 1] : undefined;
if (argv.includes('--profile') && (profileDir === undefined || profileDir.startsWith('--'))) throw new Error('--profile: expected a directory for the profiles, got nothing');
const profileArgs = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(profileDir)}`, '--heap-prof', `--heap-prof-dir=${path.resolve(profileDir)}`];

const ratio = (a: number, b: number): number => (b > 0 ? Number((a / b).toFixed(2)) : 0);
const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// ---- answered calls per throttling bucket ------------------------------------------------------
// The simulator counts calls per operation; the lower bound needs them per throttling bucket, so
// the bench wraps the throttler's decision (every routed call asks it once) and counts the allowed ones.
const perBucket = new Map<string, number>();
const { take } = Throttler.prototype as { take: (this: Throttler, ...args: Parameters<Throttler['take']>) => ReturnType<Throttler['take']> };
Throttler.prototype.take = function counted(this: Throttler, model: ThrottleModelName, bucket: string, behaviour) {
  const decision = take.call(this, model, bucket, behaviour);
  if (decision.allowed) perBucket.set(`${model}|${bucket}`, (perBucket.get(`${model}|${bucket}`) ?? 0) + 1);
  return decision;
};

/**
 * The least time the quotas allow for `n` answered calls of one bucket: a token bucket of B refilled
 * at r/s serves B at once and r a second after; a fixed window of Q per W s serves Q per window.
 */
function quotaSeconds(model: ThrottleModelName, n: number, behaviour: ReturnType<typeof parseBehaviour>): number {
  const t = behaviour.throttle;
  const bucket = (b: { bucket: number; refillPerSecond: number }): number => Math.max(0, (n - b.bucket) / b.refillPerSecond);
  const window = (w: { quota: number; windowSeconds: number }): number => Math.max(0, Math.ceil(n / w.quota) - 1) * w.windowSeconds;
  switch (model) {
    case 'none':
      return 0;
    case 'arm':
      return bucket(t.arm);
    case 'ec2':
      return bucket(t.ec2);
    case 'aws-other':
      return bucket(t.awsOther);
    case 'gcp':
      return window(t.gcp);
    case 'cost-management':
      return window(t.costManagement);
    case 'resource-graph':
      return window(t.resourceGraph);
  }
}

/**
 * The longest chain of dependent round trips of the Azure plan: the pages of the landing zones'
 * subscription listing (1,000 per page, each needs the previous $skipToken), one VNets query, then
 * the pages of one shard's cost query (each needs the previous page's nextLink), and, when a
 * management group's answer leaves spokes out, their own queries after it (one more round trip).
 * A scope's answered cost requests are split evenly over the shards that query it; a query per
 * subscription is one page.
 */
function azureChain(sz: Size): number {
  const listingPages = Math.ceil(SIZES[sz].subscriptions / AZURE_SUBSCRIPTIONS_PER_QUERY);
  const shards = listingPages;
  let costPages = 1;
  let spokesAlone = false;
  for (const [key, n] of perBucket) {
    if (key.startsWith('cost-management|mg:')) costPages = Math.max(costPages, Math.ceil(n / shards));
    else if (key.startsWith('cost-management|')) spokesAlone = true;
  }
  return listingPages + 1 + costPages + (costScope === 'management-groups' && spokesAlone ? 1 : 0);
}

/** GCP: folders.list → projects.list → the pages of one shard's Cloud Asset listing, one after another. */
function gcpChain(calls: ReturnType<typeof callFigures>, gcpShards: number): number {
  const assetPages = calls.providers['gcp']?.operations['asset:assets.list']?.answered ?? 0;
  return 2 + Math.ceil(assetPages / Math.max(1, gcpShards));
}

function lowerBound(behaviour: ReturnType<typeof parseBehaviour>, calls: ReturnType<typeof callFigures>, gcpShards: number): { ms: number; binding: string; quotaMs: number; latencyMs: number; chain: number } {
  let worst = { key: 'latency', seconds: 0 };
  for (const [key, n] of perBucket) {
    const seconds = quotaSeconds(key.split('|')[0] as ThrottleModelName, n, behaviour);
    if (seconds > worst.seconds) worst = { key, seconds };
  }
  const chain = Math.max(CHAIN, azureChain(size), gcpChain(calls, gcpShards));
  const latencyMs = chain * MIN_LATENCY_MS;
  return { ms: Math.round(worst.seconds * 1000 + latencyMs), binding: worst.key, quotaMs: Math.round(worst.seconds * 1000), latencyMs, chain };
}

// ---- child processes ---------------------------------------------------------------------------

/**
 * With --dist the child runs as plain JavaScript (no tsx in the process, so its RSS is the
 * auditor's): bench/child.ts is transpiled to dist/bench/child.mjs (it imports only types from the
 * project, and the pipeline from dist/). Without --dist it runs through tsx and loads the sources.
 */
async function childScript(): Promise<{ script: string; preload: string[] }> {
  if (!fromDist) return { script: path.join(root, 'bench/child.ts'), preload: ['--import', 'tsx'] };
  const { default: ts } = await import('typescript');
  const source = await readFile(path.join(root, 'bench/child.ts'), 'utf8');
  const out = ts.transpileModule(source, { fileName: 'child.ts', compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true } });
  const script = path.join(root, 'dist/bench/child.mjs');
  await mkdir(path.dirname(script), { recursive: true });
  await writeFile(script, out.outputText);
  return { script, preload: [] };
}
let childRun: ReturnType<typeof childScript> | undefined;

async function child(args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { script, preload } = await (childRun ??= childScript());
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...profileArgs, ...preload, script, JSON.stringify({ ...args, root, from: fromDist ? 'dist' : 'sources' })], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    proc.on('error', (err) => {
      reject(err);
    });
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0) reject(new Error(`bench child (${String(args['mode'])}) exited ${code}: ${last}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

function timeCommand(file: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    execFile(file, args, { cwd: root }, (err) => {
      if (err) reject(new Error(`${file} ${args.join(' ')}: ${err.message}`));
      else resolve(performance.now() - started);
    });
  });
}

// ---- sections ----------------------------------------------------------------------------------

async function serve(sz: Size, behaviour: BehaviourInput): Promise<{ sim: Simulator; configFile: string; dir: string }> {
  const scenario = await generateScenario({ ...SIZES[sz], seed: 1 });
  const sim = await startSimulator({ scenario, behaviour });
  const dir = await mkdtemp(path.join(tmpdir(), `airlock-bench-${sz}-`));
  // GCP at organisation scale: Cloud Asset Inventory over the organisation (the generator's);
  // Azure with as many subscriptions per Resource Graph query as the API takes (1,000).
  const azure = { subscriptions: [], managementGroups: MANAGEMENT_GROUPS, costScope };
  const overrides = { clouds: { gcp: { projects: [], organization: GCP_ORGANIZATION, inventorySource: 'asset-inventory' }, azure: { subscriptionsPerQuery: AZURE_SUBSCRIPTIONS_PER_QUERY, ...azure } } };
  const { configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), { overrides });
  return { sim, configFile, dir };
}

interface OperationFigures {
  calls: number;
  answered: number;
  throttled: number;
}

function callFigures(sim: Simulator): { providers: Record<string, { calls: number; answered: number; throttled: number; operations: Record<string, OperationFigures> }>; calls: number; answered: number } {
  const counts = sim.counts();
  const providers: Record<string, { calls: number; answered: number; throttled: number; operations: Record<string, OperationFigures> }> = {};
  let calls = 0;
  let answered = 0;
  for (const [name, p] of Object.entries(counts.providers)) {
    const operations: Record<string, OperationFigures> = {};
    let pc = 0;
    let pa = 0;
    let pt = 0;
    for (const [op, c] of Object.entries(p.operations)) {
      operations[op] = { calls: c.calls, answered: c.ok, throttled: c.throttled };
      pc += c.calls;
      pa += c.ok;
      pt += c.throttled;
    }
    providers[name] = { calls: pc, answered: pa, throttled: pt, operations };
    calls += pc;
    answered += pa;
  }
  return { providers, calls, answered };
}

async function auditSection(): Promise<{ audit: Record<string, unknown>; baseline?: Record<string, unknown> }> {
  const behaviourInput: BehaviourInput = { latency: LATENCY, throttle: { enabled: true } };
  const behaviour = parseBehaviour(behaviourInput);
  const { sim, configFile, dir } = await serve(size, behaviourInput);
  try {
    perBucket.clear();
    sim.resetCounts();
    log(`audit ${size}: ${JSON.stringify(SIZES[size])}, latency ${LATENCY.meanMs}±${LATENCY.jitterMs} ms, throttling on`);
    const started = performance.now();
    const run = await child({ mode: 'audit', configFile });
    const wallMs = Math.round(performance.now() - started);
    const calls = callFigures(sim);
    const gcpShards = (run['phases'] as Record<string, { shards?: number } | undefined>)['gcp']?.shards ?? 1;
    const bound = lowerBound(behaviour, calls, gcpShards);
    const auditWall = Number(run['wallMs']);
    const audit = {
      ...run,
      processWallMs: wallMs,
      lowerBound: { ...bound, calls: calls.answered },
      wallPerLowerBound: ratio(auditWall, bound.ms),
      callsPerMinimum: ratio(calls.calls, calls.answered),
      calls,
    };
    log(`  wall ${auditWall} ms, lower bound ${bound.ms} ms (${bound.binding}) → ${ratio(auditWall, bound.ms)}x; calls ${calls.calls} / minimum ${calls.answered} → ${ratio(calls.calls, calls.answered)}x; peak RSS ${String(run['peakRssMb'])} MB; event loop max ${String(run['loopMaxMs'])} ms (on CPU ${String(run['loopMaxCpuMs'])} ms)`);
    if (!runBaseline) return { audit };
    sim.setBehaviour({}); // fresh throttling state
    sim.resetCounts();
    perBucket.clear();
    log(`peer-style baseline ${size}: every scope one after another, one call at a time`);
    const peer = await child({ mode: 'peer', configFile });
    const peerCalls = callFigures(sim);
    const baseline = { ...peer, calls: peerCalls, speedUp: ratio(Number(peer['wallMs']), auditWall) };
    log(`  wall ${String(peer['wallMs'])} ms → Airlock is ${baseline.speedUp}x faster`);
    return { audit, baseline };
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function startupSection(): Promise<Record<string, unknown>> {
  const REPEATS = 5;
  const times = async (file: string, args: string[]): Promise<number> => {
    await timeCommand(file, args); // warm the file cache
    const t: number[] = [];
    for (let i = 0; i < REPEATS; i++) t.push(await timeCommand(file, args));
    return Math.round(median(t));
  };
  const nodeMs = await times(process.execPath, ['-e', '0']);
  const checkoutMs = await times(process.execPath, [path.join(root, 'bin/airlock.mjs'), 'rules']);
  const dist = path.join(root, 'dist/cli/main.js');
  const distMs = existsSync(dist) ? await times(process.execPath, [dist, 'rules']) : undefined;
  const out = {
    nodeMs,
    rulesCheckoutMs: checkoutMs,
    checkoutRatio: ratio(checkoutMs, nodeMs),
    ...(distMs === undefined ? { dist: 'not built (npm run build)' } : { rulesDistMs: distMs, distRatio: ratio(distMs, nodeMs) }),
  };
  log(`start-up: node -e 0 ${nodeMs} ms; airlock rules ${checkoutMs} ms in the checkout (${out.checkoutRatio}x)${distMs === undefined ? '' : `, ${distMs} ms from dist/ (${ratio(distMs, nodeMs)}x)`}`);
  return out;
}

async function throughputSection(): Promise<Record<string, unknown>> {
  const sizes: Size[] = size === 'L' ? ['S', 'M', 'L'] : ['S', 'M'];
  const out: Record<string, Record<string, unknown>> = {};
  for (const sz of sizes) {
    // Served as fast as possible: this section times evaluation, not collection.
    const { sim, configFile, dir } = await serve(sz, { latency: { meanMs: 0, jitterMs: 0 }, throttle: { enabled: false } });
    try {
      out[sz] = await child({ mode: 'evaluate', configFile, repeats: 3 });
      log(`rules ${sz}: ${String(out[sz]['resources'])} resources, ${String(out[sz]['evaluations'])} evaluations in ${String(out[sz]['evalMs'])} ms → ${String(out[sz]['evaluationsPerSecond'])}/s, ${String(out[sz]['usPerResource'])} µs per resource; event loop max ${String(out[sz]['syncLoopMaxMs'])} ms sync, ${String(out[sz]['yieldingLoopMaxMs'])} ms yielding`);
    } finally {
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    }
  }
  const per = (sz: Size): number => Number(out[sz]?.['usPerResource'] ?? 0);
  const linearity: Record<string, number> = { 'M/S': ratio(per('M'), per('S')) };
  if (out['L']) linearity['L/M'] = ratio(per('L'), per('M'));
  log(`time per resource: ${Object.entries(linearity).map(([k, v]) => `${k} ${v}x`).join(', ')}`);
  return { sizes: out, timePerResourceRatio: linearity };
}

if (fromDist) {
  log('npm run build (the auditor is loaded from dist/)');
  await new Promise<void>((resolve, reject) => {
    execFile('npm', ['run', 'build'], { cwd: root }, (err, stdout) => {
      if (err) reject(new Error(`npm run build failed: ${stdout.slice(-2000)}`));
      else resolve();
    });
  });
}
const startedAt = new Date().toISOString();
const results: Record<string, unknown> = { size, estate: SIZES[size], azureCostScope: costScope, latency: LATENCY, startedAt, node: process.version, auditorFrom: fromDist ? 'dist' : 'sources (tsx)', cpus: cpus().length, loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(1))) };
Object.assign(results, await auditSection());
if (!flag('no-startup')) results['startup'] = await startupSection();
if (!flag('no-throughput')) results['ruleEvaluation'] = await throughputSection();
// The machine's load while the bench ran (the ratios hold under load; the absolute times do not).
results['loadAverageAtEnd'] = loadavg().map((l) => Number(l.toFixed(1)));
await mkdir(path.join(root, 'bench/results'), { recursive: true });
await writeFile(path.join(root, `bench/results/${size}.json`), `${JSON.stringify(results, null, 2)}\n`);
log(`wrote bench/results/${size}.json`);
