/**
 * How the generator scales: it builds a small estate (200 subscriptions, 50 projects, 20
 * account-regions) and one ten times larger (2,000 / 500 / 200) in the same run and reports the
 * time ratio against the 10x size ratio (about 1 when the work is proportional to the size, well
 * above 1 when something is quadratic). A JSON round-trip of the large estate, timed in the same
 * run, is the baseline for "work proportional to the estate": generating costs this many
 * round-trips. No absolute time is judged, so the numbers hold on any machine.
 * Run: npm run bench:sim. Results: bench/results/sim-generate.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { generateScenario, type GeneratedScenario } from '../sim/generate.js';

const SEED = 42;
const SMALL = { subscriptions: 200, projects: 50, accountRegions: 20, seed: SEED };
const LARGE = { subscriptions: 2000, projects: 500, accountRegions: 200, seed: SEED };
const SIZE_RATIO = LARGE.subscriptions / SMALL.subscriptions;
/** Timed repetitions of each measurement; the median is reported. */
const REPEATS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function estateOf(scenario: GeneratedScenario): unknown {
  return { azure: scenario.azure, gcp: scenario.gcp, aws: scenario.aws };
}

async function timeGenerate(options: typeof SMALL): Promise<{ ms: number; scenario: GeneratedScenario }> {
  const times: number[] = [];
  let scenario: GeneratedScenario | undefined;
  for (let i = 0; i < REPEATS; i++) {
    const started = performance.now();
    scenario = await generateScenario(options);
    times.push(performance.now() - started);
  }
  if (!scenario) throw new Error('no scenario generated');
  return { ms: median(times), scenario };
}

// Warm-up: the first call compiles the generators; neither measurement should pay for it.
await generateScenario(SMALL);

const small = await timeGenerate(SMALL);
const large = await timeGenerate(LARGE);

const smallJson = JSON.stringify(estateOf(small.scenario));
const largeEstate = estateOf(large.scenario);
const roundTrips: number[] = [];
let largeJsonBytes = 0;
for (let i = 0; i < REPEATS; i++) {
  const started = performance.now();
  const json = JSON.stringify(largeEstate);
  JSON.parse(json);
  roundTrips.push(performance.now() - started);
  largeJsonBytes = Buffer.byteLength(json);
}
const roundTripMs = median(roundTrips);
const smallJsonBytes = Buffer.byteLength(smallJson);

const ms = (n: number): number => Number(n.toFixed(1));
const scalingRatio = large.ms / small.ms;
const result = {
  bench: 'sim-generate',
  date: new Date().toISOString(),
  node: process.version,
  repeats: REPEATS,
  small: { options: SMALL, generateMs: ms(small.ms), truthEntries: small.scenario.truth.length, estateJsonBytes: smallJsonBytes, skipped: small.scenario.skipped },
  large: { options: LARGE, generateMs: ms(large.ms), truthEntries: large.scenario.truth.length, estateJsonBytes: largeJsonBytes, skipped: large.scenario.skipped },
  /** The requested size ratio (subscriptions, projects and account-regions are each 10x). */
  sizeRatio: SIZE_RATIO,
  /** The estate's actual growth, as serialised bytes large / small. */
  bytesRatio: Number((largeJsonBytes / smallJsonBytes).toFixed(2)),
  /** Generate time large / small. */
  scalingRatio: Number(scalingRatio.toFixed(2)),
  /** scalingRatio / sizeRatio: about 1 when generating is linear in the estate, ≫ 1 when it is not. */
  scalingPerSize: Number((scalingRatio / SIZE_RATIO).toFixed(3)),
  /** JSON.stringify + JSON.parse of the large estate, the same-run baseline for work proportional to its size. */
  largeJsonRoundTripMs: ms(roundTripMs),
  /** Generating the large estate costs this many JSON round-trips of it. */
  generateVsJsonRoundTrip: Number((large.ms / roundTripMs).toFixed(2)),
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/sim-generate.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
