import { TableClient } from '@azure/data-tables';
import { describe, expect, it } from 'vitest';
import { emptyInventory } from '../../shared/model/inventory/index.js';
import { publishRun } from '../../shared/publish.js';
import { decodeSnapshot, snapshotOf } from '../../shared/report/snapshot.js';
import type { TableCommitStep } from '../../shared/store/table.js';
import { commitPointTests, connectionString, crashAt, expectSame, newPrefix, open, recordPoint, stopAt, useAzurite, useReferences } from './table-recovery-harness.js';
import { config, publishOptions, receiver, RUN1, run1, run2 } from './table-fixtures.js';

/**
 * Crash consistency of the table store on Azurite (the harness: table-recovery-harness.ts), at
 * representative steps: before the commit point, at it, between two transactions of one table,
 * after the commit. Every other step, the processes SIGKILLed at a step, the large journal and
 * the multi-MB snapshot: table-recovery.long.test.ts (`npm run test:long`).
 */
useAzurite();

describe('table store: a commit stopped at any step is completed by the next instance', () => {
  const reference = useReferences();

  it('the fault-free runs announce each transition once and leave no journal', () => {
    const withRun1 = reference.withRun1();
    expect(withRun1.runs).toEqual(['run-1', 'run-2']);
    // Run 1: three new (two channels); run 2: LB2 resolved, LB4 new.
    expect(withRun1.sent).toHaveLength(4);
    expect(withRun1.sent.every((s) => /^run-[12]:hook(-2)?:[0-9a-f]{16}$/.test(s.key))).toBe(true);
    expect([...withRun1.events.values()].map((v) => v.join(' ')).sort()).toEqual(['run-1:new', 'run-1:new', 'run-1:new run-2:resolved', 'run-2:new']);
    expect(withRun1.journal).toEqual([]);
  });

  // Before the commit point, run 1 leaves no trace: run 2 is the first run.
  it.each<TableCommitStep>(['lease-acquired'])('stopped at %s: run 1 never happened, run 2 announces everything once', async (step) => {
    const result = await crashAt(step);
    expectSame(result.outcome, reference.run2Only());
    recordPoint(step, false, result);
  });

  commitPointTests('quick', reference);

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
});
