import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { emptyInventory } from '../../shared/model/inventory/index.js';
import { publishRun } from '../../shared/publish.js';
import { decodeSnapshot, snapshotOf } from '../../shared/report/snapshot.js';
import { finding, LB1, run } from '../drift/fixtures.js';
import { commitPointTests, crashAt, expectSame, journalRows, newPrefix, open, recordPoint, stopAt, useAzurite, useReferences } from './table-recovery-harness.js';
import { config, publishOptions, receiver, run1, run2 } from './table-fixtures.js';

/**
 * Crash consistency of the table store on Azurite, the exhaustive part (`npm run test:long`):
 * every commit step table-recovery.test.ts does not stop at, real processes SIGKILLed at a step,
 * a journal too large for one transaction, and a snapshot of several MB.
 */
useAzurite();

describe('table store: a commit stopped at any step is completed by the next instance', () => {
  const reference = useReferences();

  commitPointTests('rest', reference);

  it('stopped between transactions of a large journal: run 1 never happened; its parts are removed once stale', async () => {
    // 6 MB of report: the journal needs several transactions, so the head (commit point) comes last.
    const report = randomBytes(4_500_000).toString('base64');
    const result = await crashAt('journal-part-written', { report, orphanJournalMs: 0 });
    expectSame(result.outcome, reference.run2Only());
    recordPoint('journal-part-written', false, result);
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
});

describe('table store: report snapshots on Azurite', () => {
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
