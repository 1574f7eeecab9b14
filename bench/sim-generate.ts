/**
 * How long the generator takes to build a large estate (2,000 subscriptions, 500 projects,
 * 200 account-regions) and how big it is. Run: npm run bench:sim. Results: bench/results/sim-generate.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { generateScenario } from '../sim/generate.js';

const options = { subscriptions: 2000, projects: 500, accountRegions: 200, seed: 42 };
const heapBefore = process.memoryUsage().heapUsed;
const started = performance.now();
const scenario = await generateScenario(options);
const generateMs = performance.now() - started;
const heapAfter = process.memoryUsage().heapUsed;

const serialisedBytes = Buffer.byteLength(JSON.stringify({ azure: scenario.azure, gcp: scenario.gcp, aws: scenario.aws }));
const result = {
  bench: 'sim-generate',
  date: new Date().toISOString(),
  node: process.version,
  options,
  generateMs: Math.round(generateMs),
  budgetMs: 60_000,
  withinBudget: generateMs < 60_000,
  /** Share of the one-minute budget used. */
  budgetRatio: Number((generateMs / 60_000).toFixed(4)),
  truthEntries: scenario.truth.length,
  estateJsonBytes: serialisedBytes,
  heapGrowthMb: Number(((heapAfter - heapBefore) / 1e6).toFixed(1)),
  skipped: scenario.skipped,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/sim-generate.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
if (!result.withinBudget) process.exitCode = 1;
