import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyInventory } from '../../shared/model/inventory/index.js';
import { commitRun, publishRun } from '../../shared/publish.js';
import { decodeSnapshot, snapshotOf } from '../../shared/report/snapshot.js';
import { TableFindingStore, type TableCommitStep, type TableStoreOptions } from '../../shared/store/table.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { finding, LB1, run } from '../drift/fixtures.js';
import { config, publishOptions, receiver, RUN1, run1, run2, type Sent } from './table-fixtures.js';

/**
 * Crash consistency of the table store on Azurite: a store instance is stopped for good at one
 * step of its commit (its hook never returns, so it holds the commit lease, as a killed process
 * does), then a new instance (another process) publishes the next run. Whatever the step, the
 * result must equal a run without the fault: each transition stored and announced once, each
 * message delivered once under the key the fault-free run gives it.
 */
let azurite: AzuriteTable | undefined;
beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
});

function connectionString(): string {
  if (!azurite) throw new Error('Azurite did not start');
  return azurite.connectionString;
}

const newPrefix = (): string => `r${randomUUID().replace(/-/g, '').slice(0, 12)}`;

function open(tablePrefix: string, options: Omit<TableStoreOptions, 'tablePrefix' | 'connectionString'> = {}): Promise<TableFindingStore> {
  return TableFindingStore.open({ connectionString: connectionString(), tablePrefix, ...options });
}

/** Rows of the runs table's journal partition (what a crash may leave). */
async function journalRows(tablePrefix: string): Promise<string[]> {
  const client = TableClient.fromConnectionString(connectionString(), `${tablePrefix}Runs`, { allowInsecureConnection: true });
  const rows: string[] = [];
  for await (const e of client.listEntities({ queryOptions: { filter: "PartitionKey eq 'journal'", select: ['RowKey'] } })) rows.push(e.rowKey ?? '');
  return rows;
}

/** What the receiver got, and what the store holds, after a sequence of publishes. */
interface Outcome {
  sent: Sent[];
  runs: string[];
  /** fingerprint → states of its events, over both runs, in run order. */
  events: Map<string, string[]>;
  states: Map<string, string>;
  outbox: { key: string; status: string }[];
  journal: string[];
  reports: (string | undefined)[];
}

async function outcome(tablePrefix: string, sent: Sent[]): Promise<Outcome> {
  const store = await open(tablePrefix);
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
    journal: await journalRows(tablePrefix),
    reports: [await store.getReport('run-1'), await store.getReport('run-2')],
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
function stopAt(step: TableCommitStep | 'after-commit', nth = 1): { onStep: (s: TableCommitStep) => Promise<void>; stopped: Promise<void> } {
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

interface CrashResult {
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
async function crashAt(step: TableCommitStep | 'after-commit', options: { nth?: number; report?: string; orphanJournalMs?: number; kill?: boolean } = {}): Promise<CrashResult> {
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
function expectSame(got: Outcome, want: Outcome): void {
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

/** The figures of this suite, printed for docs/reliability.md. */
const figures: { point: string; committed: boolean; leaseWaitMs: number; sent: number; duplicates: number }[] = [];
afterAll(() => {
  if (figures.length > 0) process.stdout.write(`table-store crash points: ${JSON.stringify(figures)}\n`);
});

describe('table store: a commit stopped at any step is completed by the next instance', () => {
  let withRun1: Outcome;
  let run2Only: Outcome;
  beforeAll(async () => {
    withRun1 = await reference(true);
    run2Only = await reference(false);
  });

  it('the fault-free runs announce each transition once and leave no journal', () => {
    expect(withRun1.runs).toEqual(['run-1', 'run-2']);
    // Run 1: three new (two channels); run 2: LB2 resolved, LB4 new.
    expect(withRun1.sent).toHaveLength(4);
    expect(withRun1.sent.every((s) => /^run-[12]:hook(-2)?:[0-9a-f]{16}$/.test(s.key))).toBe(true);
    expect([...withRun1.events.values()].map((v) => v.join(' ')).sort()).toEqual(['run-1:new', 'run-1:new', 'run-1:new run-2:resolved', 'run-2:new']);
    expect(withRun1.journal).toEqual([]);
  });

  // Before the commit point, run 1 leaves no trace: run 2 is the first run.
  it.each<TableCommitStep>(['lease-acquired'])('stopped at %s: run 1 never happened, run 2 announces everything once', async (step) => {
    const { outcome: got, leaseWaitMs } = await crashAt(step);
    expectSame(got, run2Only);
    figures.push({ point: step, committed: false, leaseWaitMs, sent: got.sent.length, duplicates: got.sent.length - new Set(got.sent.map((s) => s.key)).size });
  });

  // From the commit point on, run 1 happens: the next instance finishes and delivers it.
  const afterCommitPoint: [TableCommitStep | 'after-commit', number][] = [
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
  it.each(afterCommitPoint)('stopped at %s (#%i): the next instance completes run 1 under its original keys', async (step, nth) => {
    const { outcome: got, leaseWaitMs } = await crashAt(step, { nth });
    expectSame(got, withRun1);
    figures.push({ point: nth > 1 ? `${step} #${String(nth)}` : step, committed: true, leaseWaitMs, sent: got.sent.length, duplicates: got.sent.length - new Set(got.sent.map((s) => s.key)).size });
  });

  // The same with a real process, killed (SIGKILL) at the step: nothing in a store instance's memory matters.
  it.each<[TableCommitStep, number]>([
    ['outbox-written', 1],
    ['findings-batch-written', 1],
  ])('a process SIGKILLed at %s (#%i): the next process completes run 1 under its original keys', async (step, nth) => {
    const { outcome: got, leaseWaitMs } = await crashAt(step, { nth, kill: true });
    expectSame(got, withRun1);
    figures.push({ point: `SIGKILL at ${step}`, committed: true, leaseWaitMs, sent: got.sent.length, duplicates: got.sent.length - new Set(got.sent.map((s) => s.key)).size });
  });

  it('stopped between transactions of a large journal: run 1 never happened; its parts are removed once stale', async () => {
    // 6 MB of report: the journal needs several transactions, so the head (commit point) comes last.
    const report = randomBytes(4_500_000).toString('base64');
    const { outcome: got, leaseWaitMs } = await crashAt('journal-part-written', { report, orphanJournalMs: 0 });
    expectSame(got, run2Only);
    figures.push({ point: 'journal-part-written', committed: false, leaseWaitMs, sent: got.sent.length, duplicates: 0 });
  });

  it('keeps a fresh journal part without a head (its writer may still be running) until it is stale', async () => {
    const prefix = newPrefix();
    const stop = stopAt('journal-part-written');
    const a = await open(prefix, { onStep: stop.onStep });
    const { fetch } = receiver();
    void publishRun(run1, publishOptions(a, fetch, run1, { lease: { leaseMs: 1 }, report: () => randomBytes(4_500_000).toString('base64') }));
    await stop.stopped;
    const left = await journalRows(prefix);
    expect(left.length).toBeGreaterThan(0);
    expect(left.every((k) => k.startsWith('run-1~p'))).toBe(true);
    const b = await open(prefix);
    await publishRun(run2, publishOptions(b, fetch, run2));
    expect(await journalRows(prefix)).toEqual(left);
    expect(await b.getRun('run-1')).toBeUndefined();
  });

  it('a damaged journal stops the next commit with an error that says what to delete', async () => {
    const prefix = newPrefix();
    const stop = stopAt('journal-written');
    const a = await open(prefix, { onStep: stop.onStep });
    const { fetch } = receiver();
    void publishRun(run1, publishOptions(a, fetch, run1, { lease: { leaseMs: 1 } }));
    await stop.stopped;
    const client = TableClient.fromConnectionString(connectionString(), `${prefix}Runs`, { allowInsecureConnection: true });
    await client.deleteEntity('journal', 'run-1~p000000');
    const b = await open(prefix);
    await expect(publishRun(run2, publishOptions(b, fetch, run2))).rejects.toThrow(/journal of run run-1 is damaged: expected 1 part\(s\).*got 0 part\(s\).*delete the rows of partition "journal" whose RowKey starts with "run-1"/);
  });
});

describe('table store: report snapshots on Azurite', () => {
  it('stores a run’s snapshot and returns it unchanged', async () => {
    const store = await open(newPrefix());
    let stored = '';
    const { fetch } = receiver();
    await publishRun(run1, publishOptions(store, fetch, run1, { report: (drift) => (stored = snapshotOf(run1, emptyInventory(), config, drift)) }));
    const back = await store.getReport('run-1');
    expect(back).toBe(stored);
    expect(decodeSnapshot(back ?? '').document.findings.map((f) => f.resource.id).sort()).toEqual(RUN1.map((f) => f.resource.id).sort());
  });

  it('a snapshot larger than a property, an entity and a transaction is chunked and returned unchanged', async () => {
    const prefix = newPrefix();
    const store = await open(prefix);
    // Findings whose evidence does not compress: the encoded snapshot is several MB.
    const many = Array.from({ length: 1_300 }, (_, i) => finding({ resource: `${LB1}-${String(i)}`, evidence: { blob: randomBytes(1_200).toString('hex') } }));
    const big = run({ id: 'run-big', findings: many, startedAt: '2026-11-22T06:00:00.000Z' });
    let stored = '';
    const { fetch } = receiver();
    await publishRun(big, publishOptions(store, fetch, big, { report: (drift) => (stored = snapshotOf(big, emptyInventory(), config, drift)) }));
    expect(stored.length).toBeGreaterThan(4 * 1024 * 1024);
    const back = await store.getReport('run-big');
    expect(back?.length).toBe(stored.length);
    expect(back === stored).toBe(true);
    const doc = decodeSnapshot(back ?? '').document;
    expect(doc.findings).toHaveLength(1_300);
    expect(await journalRows(prefix)).toEqual([]);
    process.stdout.write(`table-store large snapshot: ${String(stored.length)} characters, ${String(Math.ceil(stored.length / 30_000))} report rows\n`);
  });
});
