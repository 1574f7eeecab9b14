import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { commitRun, publishRun } from '../../shared/publish.js';
import { TableFindingStore, type TableCommitStep, type TableStoreOptions } from '../../shared/store/table.js';
import type { FindingStore } from '../../shared/store/types.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { publishOptions, receiver, run1, run2, type Sent } from './table-fixtures.js';

/**
 * The harness of the table store's crash tests on Azurite (table-recovery.test.ts: representative
 * steps; table-recovery.long.test.ts: the other steps): a store instance is stopped for good at
 * one step of its commit (its hook never returns, so it holds the commit lease, as a killed process
 * does), then a new instance (another process) publishes the next run. Whatever the step, the
 * result must equal a run without the fault: each transition stored and announced once, each
 * message delivered once under the key the fault-free run gives it.
 */
let azurite: AzuriteTable | undefined;

/** One Azurite for the calling test file (started before its tests, stopped after), and the crash figures printed at the end. */
export function useAzurite(): void {
  beforeAll(async () => {
    azurite = await startAzuriteTable();
  });
  afterAll(async () => {
    await azurite?.stop();
    if (figures.length > 0) process.stdout.write(`table-store crash points: ${JSON.stringify(figures)}\n`);
  });
}

export function connectionString(): string {
  if (!azurite) throw new Error('Azurite did not start');
  return azurite.connectionString;
}

export const newPrefix = (): string => `r${randomUUID().replace(/-/g, '').slice(0, 12)}`;

export function open(tablePrefix: string, options: Omit<TableStoreOptions, 'tablePrefix' | 'connectionString'> = {}): Promise<TableFindingStore> {
  return TableFindingStore.open({ connectionString: connectionString(), tablePrefix, ...options });
}

/** Rows of the runs table's journal partition (what a crash may leave). */
export async function journalRows(tablePrefix: string): Promise<string[]> {
  const client = TableClient.fromConnectionString(connectionString(), `${tablePrefix}Runs`, { allowInsecureConnection: true });
  const rows: string[] = [];
  for await (const e of client.listEntities({ queryOptions: { filter: "PartitionKey eq 'journal'", select: ['RowKey'] } })) rows.push(e.rowKey ?? '');
  return rows;
}

/** What the receiver got, and what the store holds, after a sequence of publishes. */
export interface Outcome {
  sent: Sent[];
  runs: string[];
  /** fingerprint → states of its events, over both runs, in run order. */
  events: Map<string, string[]>;
  states: Map<string, string>;
  outbox: { key: string; status: string }[];
  journal: string[];
  reports: (string | undefined)[];
}

export async function outcome(tablePrefix: string, sent: Sent[]): Promise<Outcome> {
  return outcomeOf(await open(tablePrefix), sent, await journalRows(tablePrefix));
}

/** What any store holds after runs run-1 and run-2, given its journal entries. */
export async function outcomeOf(store: FindingStore, sent: Sent[], journal: string[]): Promise<Outcome> {
  const events = new Map<string, string[]>();
  for (const id of ['run-1', 'run-2']) {
    for (const e of await store.listEvents(id)) events.set(e.fingerprint, [...(events.get(e.fingerprint) ?? []), `${id}:${e.state}`]);
  }
  return {
    sent,
    runs: (await store.listRuns()).map((r) => r.id).sort(),
    events,
    states: new Map((await store.loadFindingStates()).map((v) => [v.state.fingerprint, v.state.status])),
    outbox: (await store.listOutbox()).map((o) => ({ key: o.idempotencyKey, status: o.status })).sort((a, b) => a.key.localeCompare(b.key)),
    journal,
    reports: [await store.getReport?.('run-1'), await store.getReport?.('run-2')],
  };
}

/** Publishes run 1 then run 2 with no fault (or run 2 alone): the outcome every crash must reproduce. */
async function reference(withRun1: boolean): Promise<Outcome> {
  const prefix = newPrefix();
  const { sent, fetch } = receiver();
  if (withRun1) await publishRun(run1, publishOptions(await open(prefix), fetch, run1));
  await publishRun(run2, publishOptions(await open(prefix), fetch, run2));
  return outcome(prefix, sent);
}

/** A hook that stops the store for good at the nth time it reaches `step`, holding whatever it holds. */
export function stopAt(step: TableCommitStep | 'after-commit', nth = 1): { onStep: (s: TableCommitStep) => Promise<void>; stopped: Promise<void> } {
  let seen = 0;
  let reached!: () => void;
  const stopped = new Promise<void>((resolve) => {
    reached = resolve;
  });
  return {
    stopped,
    onStep: (s) => {
      if (s !== step) return Promise.resolve();
      seen += 1;
      if (seen !== nth) return Promise.resolve();
      reached();
      return new Promise<void>(() => undefined);
    },
  };
}

export interface CrashResult {
  outcome: Outcome;
  /** How long the next instance waited for the stopped one's commit lease. */
  leaseWaitMs: number;
}

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const childScript = fileURLToPath(new URL('./table-crash-child.ts', import.meta.url));

/** Runs table-crash-child.ts (run 1, killing itself at the step); the signal that ended it. */
function killedChild(prefix: string, step: string, nth: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const proc = execFile(process.execPath, ['--import', tsxLoader, childScript, connectionString(), prefix, step, String(nth)], { timeout: 60_000 }, (err, _stdout, stderr) => {
      if (err && proc.signalCode === null) reject(new Error(`table-crash-child.ts at ${step}: ${err.message}; stderr: ${stderr.slice(0, 2000)}`));
    });
    proc.once('exit', (_code, signal) => {
      resolve(signal);
    });
  });
}

/**
 * Instance A publishes run 1 and stops at the point (its commit lease: 400 ms), in this process or
 * as a child process killed there; instance B, opened afresh, publishes run 2, first recovering
 * what A left.
 */
export async function crashAt(step: TableCommitStep | 'after-commit', options: { nth?: number; report?: string; orphanJournalMs?: number; kill?: boolean } = {}): Promise<CrashResult> {
  const prefix = newPrefix();
  const { sent, fetch } = receiver();
  if (options.kill === true) {
    expect(await killedChild(prefix, step, options.nth ?? 1)).toBe('SIGKILL');
  } else if (step === 'after-commit') {
    // Stored, then the process dies before delivering.
    await commitRun(run1, publishOptions(await open(prefix), fetch, run1));
  } else {
    const stop = stopAt(step, options.nth);
    const a = await open(prefix, { onStep: stop.onStep });
    void publishRun(run1, publishOptions(a, fetch, run1, { lease: { leaseMs: 400 }, ...(options.report === undefined ? {} : { report: () => options.report ?? '' }) }));
    await stop.stopped;
  }
  const started = Date.now();
  let acquiredAt = started;
  const b = await open(prefix, {
    ...(options.orphanJournalMs === undefined ? {} : { orphanJournalMs: options.orphanJournalMs }),
    onStep: (s) => {
      if (s === 'lease-acquired') acquiredAt = Date.now();
    },
  });
  await publishRun(run2, publishOptions(b, fetch, run2));
  return { outcome: await outcome(prefix, sent), leaseWaitMs: acquiredAt - started };
}

/** Checks an outcome against the fault-free one, and the invariants that hold for any crash. */
export function expectSame(got: Outcome, want: Outcome): void {
  expect(got.runs).toEqual(want.runs);
  expect(got.events).toEqual(want.events);
  expect(got.states).toEqual(want.states);
  expect(got.outbox).toEqual(want.outbox);
  expect(got.outbox.every((o) => o.status === 'delivered')).toBe(true);
  expect(got.journal).toEqual([]);
  expect(got.reports).toEqual(want.reports);
  // Each message exactly once, under the key (and with the body) the fault-free run sends.
  const keys = got.sent.map((s) => s.key);
  expect(new Set(keys).size).toBe(keys.length);
  expect([...keys].sort()).toEqual(want.sent.map((s) => s.key).sort());
  expect(got.sent.map((s) => s.body).sort()).toEqual(want.sent.map((s) => s.body).sort());
  // By content: on each channel, each finding announced `new` once at most.
  for (const channel of ['hook', 'hook-2']) {
    const announced = got.sent.filter((s) => s.channel === channel).flatMap((s) => s.findings.filter((f) => f.state === 'new').map((f) => f.fingerprint));
    expect(new Set(announced).size).toBe(announced.length);
  }
}

/** The figures of a crash-test file, printed for docs/reliability.md. */
const figures: { point: string; committed: boolean; leaseWaitMs: number; sent: number; duplicates: number }[] = [];

/** Adds a crash point's figures: whether run 1 was committed, the lease wait, messages sent and duplicated. */
export function recordPoint(point: string, committed: boolean, { outcome: got, leaseWaitMs }: CrashResult): void {
  figures.push({ point, committed, leaseWaitMs, sent: got.sent.length, duplicates: got.sent.length - new Set(got.sent.map((s) => s.key)).size });
}

/** The fault-free outcomes (run 1 then run 2; run 2 alone), published before the calling describe's tests. */
export function useReferences(): { withRun1: () => Outcome; run2Only: () => Outcome } {
  let withRun1: Outcome | undefined;
  let run2Only: Outcome | undefined;
  beforeAll(async () => {
    withRun1 = await reference(true);
    run2Only = await reference(false);
  });
  const get = (o: Outcome | undefined): Outcome => {
    if (!o) throw new Error('the fault-free reference runs did not complete');
    return o;
  };
  return { withRun1: () => get(withRun1), run2Only: () => get(run2Only) };
}

type Point = [TableCommitStep | 'after-commit', number];

/** Every step after the commit point (with the how-manieth time it is reached) a store instance is stopped at. */
const AFTER_COMMIT_POINTS: Point[] = [
  ['journal-written', 1],
  ['events-written', 1],
  ['report-written', 1],
  ['outbox-written', 1],
  ['outbox-written', 2],
  ['findings-batch-written', 1],
  ['findings-written', 1],
  ['run-written', 1],
  ['run-pointer-written', 1],
  ['journal-removed', 1],
  ['after-commit', 1],
];
/** The steps a real process is SIGKILLed at. */
const KILL_POINTS: Point[] = [
  ['outbox-written', 1],
  ['findings-batch-written', 1],
];
/**
 * The points `npm test` covers: the commit point itself, a step between two transactions of one
 * table, after the commit. The others, and the SIGKILLed processes (a tsx child each), run in
 * `npm run test:long`.
 */
const QUICK = new Set(['stop journal-written 1', 'stop outbox-written 2', 'stop after-commit 1']);

/** The stop and kill points of one part: `quick` for npm test, `rest` for test:long; together, all of them. */
function pointsOf(part: 'quick' | 'rest'): { stop: Point[]; kill: Point[] } {
  const pick = (kind: string, points: Point[]): Point[] => points.filter(([step, nth]) => QUICK.has(`${kind} ${step} ${String(nth)}`) === (part === 'quick'));
  return { stop: pick('stop', AFTER_COMMIT_POINTS), kill: pick('kill', KILL_POINTS) };
}


/**
 * The tests of one part's points: a store instance stopped at each step after the commit point,
 * and a process SIGKILLed at each kill point; the next instance completes run 1 under its keys.
 */
export function commitPointTests(part: 'quick' | 'rest', reference: { withRun1: () => Outcome }): void {
  const { stop, kill } = pointsOf(part);
  // From the commit point on, run 1 happens: the next instance finishes and delivers it.
  it.each(stop)('stopped at %s (#%i): the next instance completes run 1 under its original keys', async (step, nth) => {
    const result = await crashAt(step, { nth });
    expectSame(result.outcome, reference.withRun1());
    recordPoint(nth > 1 ? `${step} #${String(nth)}` : step, true, result);
  });
  // The same with a real process, killed (SIGKILL) at the step: nothing in a store instance's memory matters.
  it.each(kill)('a process SIGKILLed at %s (#%i): the next process completes run 1 under its original keys', async (step, nth) => {
    const result = await crashAt(step, { nth, kill: true });
    expectSame(result.outcome, reference.withRun1());
    recordPoint(`SIGKILL at ${step}`, true, result);
  });
}
