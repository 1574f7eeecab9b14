import { mkdtemp, readdir, rm, writeFile, chmod } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { guardTrigger } from '../../functions/lib/platform.js';
import { publishRun } from '../../shared/publish.js';
import { FileFindingStore } from '../../shared/store/file.js';
import { TableFindingStore, type TableCommitStep } from '../../shared/store/table.js';
import { JOURNALLED, StoreError, type FindingStore } from '../../shared/store/types.js';
import { KEY, freePort } from '../helpers/azurite.js';
import { Gate } from './gate.js';
import { connectionString, expectSame, newPrefix, outcome, outcomeOf, useAzurite, useReferences, type Outcome } from './table-recovery-harness.js';
import { publishOptions, receiver, run1, run2, type Sent } from './table-fixtures.js';

/**
 * A store that fails after it was opened (the table endpoint goes away or starts refusing the
 * key mid-run; the file store's directory replaced by a file) fails the run with one StoreError:
 * which store, where, during which step, what failed, what to check, and what the failure left
 * behind. Before the commit point nothing of the run is stored and a retry commits it; after it,
 * the next run completes the journalled commit. Either way the next runs announce each change once.
 */
useAzurite();

let gate: Gate | undefined;
beforeAll(async () => {
  const target = Number(/127\.0\.0\.1:(\d+)/.exec(connectionString())?.[1]);
  gate = await Gate.open(await freePort(), target);
});
afterAll(() => {
  gate?.down();
});

function theGate(): Gate {
  if (!gate) throw new Error('the gate did not open');
  return gate;
}

/** A table store reached through the gate. */
function viaGate(prefix: string, onStep?: (s: TableCommitStep) => void): Promise<TableFindingStore> {
  const cs = connectionString().replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${String(theGate().port)}`);
  return TableFindingStore.open({ connectionString: cs, tablePrefix: prefix, ...(onStep ? { onStep } : {}) });
}

/** The error a run failed with: a StoreError saying all it must, on one line, without the key. */
function storeError(err: unknown, where: RegExp, during: string, failed: RegExp, left: string): StoreError {
  expect(err).toBeInstanceOf(StoreError);
  const e = err as StoreError;
  expect(e.message.split('\n')).toHaveLength(1);
  expect(e.message).toMatch(where);
  expect(e.during).toBe(during);
  expect(e.failed).toMatch(failed);
  expect(e.outcome).toContain(left);
  expect(e.message).toContain(`${during}: `);
  expect(e.message).toMatch(/; check .+; /);
  expect(e.message).toContain(`; ${left}`);
  expect(e.message).not.toContain(KEY);
  return e;
}

const lease = { lease: { leaseMs: 400 } };

describe('table store: the endpoint fails after the store was opened', () => {
  const reference = useReferences();
  const tableAt = (): RegExp => new RegExp(`^table store at http://127\\.0\\.0\\.1:${String(theGate().port)}/devstoreaccount1 \\(tables r\\w+Runs, r\\w+Findings, r\\w+Events, r\\w+Outbox\\): `);

  it('gone while reading finding states (reconcile): nothing written; the retried run and the next announce each change once', async () => {
    const prefix = newPrefix();
    const { sent, fetch } = receiver();
    const dropped = theGate().downAt(/^GET \/devstoreaccount1\/r\w+Findings\(\)/);
    const err = await publishRun(run1, publishOptions(await viaGate(prefix), fetch, run1, lease)).catch((e: unknown) => e);
    await dropped;
    storeError(err, tableAt(), 'reading finding states', /^could not connect \(/, 'nothing was written');
    expect(sent).toEqual([]);
    await theGate().up();
    await publishRun(run1, publishOptions(await viaGate(prefix), fetch, run1));
    await publishRun(run2, publishOptions(await viaGate(prefix), fetch, run2));
    expectSame(await outcome(prefix, sent), reference.withRun1());
  }, 60_000);

  it('gone at the journal write (before the commit point): run 1 not committed, nothing half-written; retried, it commits once', async () => {
    const prefix = newPrefix();
    const { sent, fetch } = receiver();
    const dropped = theGate().downAt(/^POST \/devstoreaccount1\/\$batch /);
    const err = await publishRun(run1, publishOptions(await viaGate(prefix), fetch, run1, lease)).catch((e: unknown) => e);
    await dropped;
    const e = storeError(err, tableAt(), 'writing the journal of run run-1', /^could not connect \(/, 'run run-1 is not committed');
    expect(e.check).toContain('TableEndpoint');
    await theGate().up();
    // Nothing of run 1 is stored: no run, no state, no journal row.
    const before = await outcome(prefix, sent);
    expect([before.runs, before.states.size, before.journal, before.outbox]).toEqual([[], 0, [], []]);
    await publishRun(run1, publishOptions(await viaGate(prefix), fetch, run1));
    await publishRun(run2, publishOptions(await viaGate(prefix), fetch, run2));
    expectSame(await outcome(prefix, sent), reference.withRun1());
  }, 60_000);

  it('refusing the key after the commit point: "the commit is journalled; the next run completes it", and it does', async () => {
    const prefix = newPrefix();
    const { sent, fetch } = receiver();
    const a = await viaGate(prefix, (s) => {
      if (s === 'journal-written') theGate().refuse();
    });
    const err = await publishRun(run1, publishOptions(a, fetch, run1, lease)).catch((e: unknown) => e);
    const e = storeError(err, tableAt(), 'applying the journalled commit of run run-1', /^the service refused the credentials \(HTTP 403 AuthenticationFailed\)$/, JOURNALLED);
    // The lease could not be released either (the key is refused): the message says the next run waits for it.
    expect(e.message).toMatch(new RegExp(`; ${JOURNALLED}; the commit lease could not be released; the next run takes it over once it lapses \\(at most 1 s\\)$`));
    expect(e.check).toContain('AccountKey');
    expect(sent).toEqual([]);
    await theGate().up();
    await publishRun(run2, publishOptions(await viaGate(prefix), fetch, run2));
    expectSame(await outcome(prefix, sent), reference.withRun1());
  }, 60_000);

  it('gone while the next run completes a journal left behind: still journalled, completed by the run after', async () => {
    const prefix = newPrefix();
    const { sent, fetch } = receiver();
    const a = await viaGate(prefix, (s) => {
      if (s === 'journal-written') theGate().refuse();
    });
    await expect(publishRun(run1, publishOptions(a, fetch, run1, lease))).rejects.toThrow(JOURNALLED);
    await theGate().up();
    // The next instance takes the lease, reads the journal, and loses the endpoint at its first transaction (run 1's events).
    const dropped = theGate().downAt(/^POST \/devstoreaccount1\/\$batch /);
    const err = await publishRun(run2, publishOptions(await viaGate(prefix), fetch, run2, lease)).catch((e: unknown) => e);
    await dropped;
    storeError(err, tableAt(), 'completing the journalled commit of run run-1 (left by an earlier run)', /^could not connect \(/, JOURNALLED);
    await theGate().up();
    await publishRun(run2, publishOptions(await viaGate(prefix), fetch, run2));
    expectSame(await outcome(prefix, sent), reference.withRun1());
  }, 60_000);
});

describe('a Functions handler whose table store fails after the commit point', () => {
  const reference = useReferences();

  it('logs one scrubbed line naming the step, rethrows so the host retries the message, and the retry completes the run once', async () => {
    const prefix = newPrefix();
    const { sent, fetch } = receiver();
    const seen: string[] = [];
    const ctx = new InvocationContext({ functionName: 'finalizeRun', invocationId: 'f-1', logHandler: (level, ...args) => seen.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`) });
    let refuse = true;
    // The handler as the queue host runs it: publish the run; a failure must reach the host so it retries the message.
    const handler = guardTrigger(async () => {
      const store = await viaGate(prefix, (s) => {
        if (s === 'journal-written' && refuse) theGate().refuse();
      });
      await publishRun(run1, publishOptions(store, fetch, run1, lease));
    });
    const thrown = await handler({ runId: 'run-1' }, ctx).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(thrown).toBeInstanceOf(Error);
    const errors = seen.filter((l) => l.startsWith('error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error finalizeRun failed: table store at http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1 \(tables .+\): applying the journalled commit of run run-1: the service refused the credentials \(HTTP 403 AuthenticationFailed\); check .+; the commit is journalled; the next run completes it/);
    expect(errors[0]).toContain('"runId":"run-1"');
    for (const text of [...seen, thrown?.message ?? '', thrown?.stack ?? '']) {
      expect(text).not.toContain('\n');
      expect(text).not.toContain(KEY);
    }
    // The host's retry of the same message, with the service back: run 1 completed once, then run 2.
    refuse = false;
    await theGate().up();
    await handler({ runId: 'run-1' }, ctx);
    await publishRun(run2, publishOptions(await viaGate(prefix), fetch, run2));
    expectSame(await outcome(prefix, sent), reference.withRun1());
  }, 60_000);
});

describe('file store: the directory fails after the store was opened', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  async function fresh(): Promise<string> {
    const d = await mkdtemp(join(tmpdir(), 'airlock-store-fail-'));
    dirs.push(d);
    return join(d, 'state');
  }
  const fileAt = (dir: string): RegExp => new RegExp(`^file store at ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `);

  /** What a file store holds after the runs, in the shape the table tests compare. */
  const fileOutcome = async (store: FindingStore, dir: string, sent: Sent[]): Promise<Outcome> => outcomeOf(store, sent, await readdir(join(dir, 'journal')).catch(() => []));


  let withRun1: Outcome | undefined;
  beforeAll(async () => {
    const dir = await fresh();
    const { sent, fetch } = receiver();
    const store = new FileFindingStore(dir);
    await publishRun(run1, publishOptions(store, fetch, run1));
    await publishRun(run2, publishOptions(store, fetch, run2));
    withRun1 = await fileOutcome(store, dir, sent);
  });
  const reference = (): Outcome => {
    if (!withRun1) throw new Error('the fault-free file-store runs did not complete');
    return withRun1;
  };

  it('its journal directory replaced by a file before the commit point: run 1 not committed, nothing written; retried, it commits once', async () => {
    const dir = await fresh();
    const { sent, fetch } = receiver();
    // The report is rendered right before the commit: the directory is taken away there.
    const report = (): string => {
      writeFileSync(join(dir, 'journal'), 'not a directory');
      return 'report of run-1';
    };
    const err = await publishRun(run1, publishOptions(new FileFindingStore(dir), fetch, run1, { report })).catch((e: unknown) => e);
    // The commit looks for an earlier attempt's journal first, and fails there.
    const e = storeError(err, fileAt(dir), 'reading the journal of run run-1', /^ENOTDIR: /, 'run run-1 is not committed; the next run audits again');
    expect(e.check).toContain('is a directory');
    const files = (await readdir(dir, { recursive: true })).sort();
    expect(files).toEqual(['journal']);
    await rm(join(dir, 'journal'));
    const store = new FileFindingStore(dir);
    await publishRun(run1, publishOptions(store, fetch, run1));
    await publishRun(run2, publishOptions(store, fetch, run2));
    expectSame(await fileOutcome(store, dir, sent), reference());
  });

  it('its events directory replaced by a file after the commit point: "the commit is journalled; the next run completes it", and it does', async () => {
    const dir = await fresh();
    const { sent, fetch } = receiver();
    const a = new FileFindingStore(dir, {
      onStep: async (s) => {
        if (s === 'journal-written') await writeFile(join(dir, 'events'), 'not a directory');
      },
    });
    const err = await publishRun(run1, publishOptions(a, fetch, run1)).catch((e: unknown) => e);
    storeError(err, fileAt(dir), 'applying the journalled commit of run run-1', /^(EEXIST|ENOTDIR): /, JOURNALLED);
    expect(sent).toEqual([]);
    await rm(join(dir, 'events'));
    const store = new FileFindingStore(dir);
    await publishRun(run2, publishOptions(store, fetch, run2));
    expectSame(await fileOutcome(store, dir, sent), reference());
  });

  // Root ignores permission bits: a read-only directory is then still writable, so the test above replaces a directory with a file instead.
  it.skipIf(process.getuid?.() === 0)('made read-only after the commit point (skipped as root: root ignores permissions): journalled, completed by the next run', async () => {
    const dir = await fresh();
    const { sent, fetch } = receiver();
    const a = new FileFindingStore(dir, {
      onStep: async (s) => {
        if (s === 'journal-written') await chmod(dir, 0o500);
      },
    });
    const err = await publishRun(run1, publishOptions(a, fetch, run1)).catch((e: unknown) => e);
    storeError(err, fileAt(dir), 'applying the journalled commit of run run-1', /^EACCES: /, JOURNALLED);
    await chmod(dir, 0o700);
    const store = new FileFindingStore(dir);
    await publishRun(run2, publishOptions(store, fetch, run2));
    expectSame(await fileOutcome(store, dir, sent), reference());
  });
});
