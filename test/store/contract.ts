import { describe, expect, it } from 'vitest';
import { emptyDriftCounts, reconcile, versionUpdates } from '../../shared/drift/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { driftEvent } from '../../shared/publish.js';
import { StoreConflictError, type FindingStore, type NewOutboxEntry, type RunCommit, type RunRecord } from '../../shared/store/index.js';
import { finding, LB1, LB2, LB3, run, SUB_A, SUB_B } from '../drift/fixtures.js';

function record(id: string, startedAt: string): RunRecord {
  return {
    id,
    trigger: 'cli',
    startedAt,
    finishedAt: startedAt,
    clouds: ['azure'],
    complete: true,
    apiCalls: { 'azure:arm:loadBalancers.list': 2 },
    counts: { bySeverity: { critical: 0, high: 1, medium: 0, low: 0, info: 0 }, total: 1 },
    drift: { counts: emptyDriftCounts(), carriedOver: { scopes: [], findings: 0 } },
    coverage: { scopes: 2, incomplete: [], notes: [] },
    undecided: 0,
    deliveries: [{ channel: 'ops #alerts/x?', kind: 'slack', status: 'pending', attempts: 0 }],
    committedAt: startedAt,
  };
}

function outbox(runId: string, channel: string, body = '{"text":"hello"}'): NewOutboxEntry {
  return {
    runId,
    channel,
    kind: 'slack',
    idempotencyKey: `${runId}:${channel}`,
    createdAt: '2026-11-22T06:00:00.000Z',
    status: 'pending',
    attempts: 0,
    nextAttemptAt: '2026-11-22T06:00:00.000Z',
    body,
  };
}

/** A commit built the way publish builds one: drift over the store's states. */
async function commitFor(store: FindingStore, id: string, startedAt: string, findings: Finding[], channels: string[] = []): Promise<RunCommit> {
  const stored = await store.loadFindingStates();
  const r = run({ id, findings, startedAt });
  const drift = reconcile({ run: r, previous: stored.map((s) => s.state), exceptions: [], now: new Date(startedAt) });
  return {
    run: record(id, startedAt),
    states: versionUpdates(id, drift.updates, stored),
    events: drift.entries
      .filter((e) => e.state !== 'persisting')
      .map((e) => driftEvent(id, drift.at, e)),
    outbox: channels.map((c) => outbox(id, c)),
  };
}

/** A promise with its resolve function, to hold a lease holder inside its critical section. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const T0 = new Date('2026-11-22T06:00:00.000Z');
const at = (ms: number) => () => new Date(T0.getTime() + ms);
/** A sleep that returns at once: waits are counted against maxWaitMs without taking real time. */
const noSleep = (): Promise<void> => Promise.resolve();

/**
 * The behaviour every FindingStore must have. `open` returns a new, empty store; `twin` another
 * handle on the same storage (what a second process or instance would open).
 */
export function storeContract(name: string, open: () => Promise<FindingStore>, twin: (store: FindingStore) => Promise<FindingStore>): void {
  describe(`FindingStore contract: ${name}`, () => {
    it('starts empty', async () => {
      const store = await open();
      expect(await store.loadFindingStates()).toEqual([]);
      expect(await store.getRun('nope')).toBeUndefined();
      expect(await store.listRuns()).toEqual([]);
      expect(await store.listOutbox()).toEqual([]);
      expect(await store.listEvents('nope')).toEqual([]);
    });

    it('commits a run: record, finding states, events, outbox', async () => {
      const store = await open();
      const lb3 = finding({ resource: LB3, scope: SUB_B, severity: 'low' });
      const commit = await commitFor(store, 'run-1', '2026-11-22T06:00:00.000Z', [finding({ resource: LB1 }), lb3], ['ops #alerts/x?']);
      expect(await store.commitRun(commit)).toEqual({ committed: true });
      expect(await store.getRun('run-1')).toEqual(commit.run);
      const states = await store.loadFindingStates();
      expect(states.map((s) => s.state.finding.resource.id).sort()).toEqual([LB1, LB3].sort());
      expect(states.every((s) => s.prior === null)).toBe(true);
      expect((await store.listFindingStates({ scope: SUB_B })).map((s) => s.finding.resource.id)).toEqual([LB3]);
      expect((await store.listFindingStates({ scope: SUB_A, status: 'open' })).map((s) => s.finding.resource.id)).toEqual([LB1]);
      const events = await store.listEvents('run-1');
      expect(events.map((e) => e.state).sort()).toEqual(['new', 'new']);
      const entries = await store.listOutbox({ status: 'pending' });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ runId: 'run-1', channel: 'ops #alerts/x?', body: '{"text":"hello"}', status: 'pending' });
      expect(entries[0]?.etag).toEqual(expect.any(String));
    });

    it('writing a run twice leaves no duplicate and keeps the delivery state', async () => {
      const store = await open();
      const commit = await commitFor(store, 'run-1', '2026-11-22T06:00:00.000Z', [finding({ resource: LB1 })], ['slack']);
      await store.commitRun(commit);
      const [entry] = await store.listOutbox();
      if (!entry) throw new Error('no outbox entry');
      await store.updateOutbox({ ...entry, status: 'delivered', attempts: 1, deliveredAt: '2026-11-22T06:00:01.000Z' });
      expect(await store.commitRun(commit)).toEqual({ committed: false });
      expect(await store.listEvents('run-1')).toHaveLength(1);
      expect(await store.loadFindingStates()).toHaveLength(1);
      expect(await store.listRuns()).toHaveLength(1);
      const after = await store.listOutbox();
      expect(after.map((e) => e.status)).toEqual(['delivered']);
    });

    it('lists runs newest first and keeps each state with the one it replaced', async () => {
      const store = await open();
      await store.commitRun(await commitFor(store, 'run-1', '2026-11-22T05:00:00.000Z', [finding({ resource: LB1 }), finding({ resource: LB2 })]));
      await store.commitRun(await commitFor(store, 'run-2', '2026-11-22T06:00:00.000Z', [finding({ resource: LB2 })]));
      await store.commitRun(await commitFor(store, 'run-0', '2026-11-22T04:00:00.000Z', []));
      expect((await store.listRuns()).map((r) => r.id)).toEqual(['run-2', 'run-1', 'run-0']);
      expect((await store.listRuns(1)).map((r) => r.id)).toEqual(['run-2']);
      const byId = new Map((await store.loadFindingStates()).map((s) => [s.state.finding.resource.id, s]));
      expect(byId.get(LB1)?.state.status).toBe('resolved');
      expect(byId.get(LB1)?.prior?.status).toBe('open');
      expect(byId.get(LB1)?.state.lastRunId).toBe('run-2');
      // run-0 (committed last, empty) resolved LB2, which run-2 had kept open.
      expect(byId.get(LB2)?.state).toMatchObject({ status: 'resolved', lastRunId: 'run-0' });
      expect(byId.get(LB2)?.prior).toMatchObject({ status: 'open', lastRunId: 'run-2' });
      expect((await store.listEvents('run-2')).map((e) => e.state)).toEqual(['resolved']);
      expect((await store.listFindingStates({ status: 'resolved' })).map((s) => s.finding.resource.id).sort()).toEqual([LB1, LB2].sort());
    });

    it('refuses an outbox update with a stale ETag', async () => {
      const store = await open();
      await store.commitRun(await commitFor(store, 'run-1', '2026-11-22T06:00:00.000Z', [], ['teams']));
      const [entry] = await store.listOutbox({ runId: 'run-1' });
      if (!entry) throw new Error('no outbox entry');
      const updated = await store.updateOutbox({ ...entry, attempts: 1 });
      expect(updated.etag).not.toBe(entry.etag);
      await expect(store.updateOutbox({ ...entry, attempts: 2 })).rejects.toBeInstanceOf(StoreConflictError);
      expect((await store.listOutbox())[0]?.attempts).toBe(1);
      expect(await store.listOutbox({ runId: 'other' })).toEqual([]);
      expect(await store.listOutbox({ status: 'delivered' })).toEqual([]);
    });

    it('updates a run record in place', async () => {
      const store = await open();
      await store.commitRun(await commitFor(store, 'run-1', '2026-11-22T06:00:00.000Z', []));
      const next = await store.updateRun('run-1', (r) => ({ ...r, deliveries: [{ channel: 'slack', kind: 'slack', status: 'dead-letter', attempts: 5, lastStatus: 503 }] }));
      expect(next.deliveries[0]?.status).toBe('dead-letter');
      expect((await store.getRun('run-1'))?.deliveries).toEqual(next.deliveries);
      await expect(store.updateRun('missing', (r) => r)).rejects.toThrow(/missing/);
    });

    it('keeps large evidence whole when it fits an entity, and marks it when it does not', async () => {
      const store = await open();
      const big = finding({ resource: LB1, evidence: { routes: Array.from({ length: 4_000 }, (_, i) => `10.${String(i >> 8)}.${String(i & 255)}.0/24 via hub`) } });
      const huge = finding({ resource: LB2, evidence: { blob: 'x'.repeat(1_500_000) } });
      await store.commitRun(await commitFor(store, 'run-1', '2026-11-22T06:00:00.000Z', [big, huge]));
      const byId = new Map((await store.loadFindingStates()).map((s) => [s.state.finding.resource.id, s.state]));
      expect(byId.get(LB1)?.finding.evidence).toEqual(big.evidence);
      const cut = byId.get(LB2)?.finding.evidence;
      expect(cut).toMatchObject({ _truncated: true, originalChars: JSON.stringify(huge.evidence).length });
    });

    it('accepts keys with characters Table Storage forbids', async () => {
      const store = await open();
      const odd = finding({ resource: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/a#b?c\\d', scope: 'aws/account-region/123456789012/eu-west-1' });
      await store.commitRun(await commitFor(store, "run/'1'#?", '2026-11-22T06:00:00.000Z', [odd], ["ops/'alerts'#?~"]));
      expect((await store.getRun("run/'1'#?"))?.id).toBe("run/'1'#?");
      expect((await store.listFindingStates({ scope: 'aws/account-region/123456789012/eu-west-1' })).map((s) => s.finding.resource.id)).toEqual([odd.resource.id]);
      expect((await store.listOutbox({ runId: "run/'1'#?" })).map((e) => e.channel)).toEqual(["ops/'alerts'#?~"]);
      expect(await store.listEvents("run/'1'#?")).toHaveLength(1);
    });

    it('the commit lease excludes a second holder until the first releases it', async () => {
      const first = await open();
      const second = await twin(first);
      const order: string[] = [];
      const hold = gate();
      const firstIn = gate();
      const a = first.withCommitLease('a', async () => {
        order.push('a in');
        firstIn.open();
        await hold.promise;
        order.push('a out');
        return 'a';
      });
      await firstIn.promise;
      let waits = 0;
      const b = second.withCommitLease(
        'b',
        () => {
          order.push('b in');
          hold.open(); // (only needed when b got in too early: let a finish rather than hang)
          return Promise.resolve('b');
        },
        {
          // While b waits, let a finish; b must not have entered before a left.
          sleep: async () => {
            waits += 1;
            hold.open();
            await a;
          },
        },
      );
      expect(await Promise.all([a, b])).toEqual(['a', 'b']);
      expect(order).toEqual(['a in', 'a out', 'b in']);
      expect(waits).toBeGreaterThan(0);
      // Released: a third holder gets it without waiting.
      expect(await first.withCommitLease('c', () => Promise.resolve('c'), { maxWaitMs: 0 })).toBe('c');
    });

    it('gives up on a held commit lease after maxWaitMs, and releases it when the holder throws', async () => {
      const first = await open();
      const second = await twin(first);
      const hold = gate();
      const firstIn = gate();
      const a = first.withCommitLease('holder-a', async () => {
        firstIn.open();
        await hold.promise;
        throw new Error('boom');
      });
      await firstIn.promise;
      const sleeps: number[] = [];
      await expect(
        second.withCommitLease('b', () => Promise.resolve(), {
          maxWaitMs: 10_000,
          sleep: (ms) => {
            sleeps.push(ms);
            return Promise.resolve();
          },
        }),
      ).rejects.toThrow(/commit lease is held by "holder-a".*gave up/);
      expect(sleeps.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(10_000);
      expect(sleeps.length).toBeGreaterThan(1);
      hold.open();
      await expect(a).rejects.toThrow('boom');
      expect(await second.withCommitLease('c', () => Promise.resolve('c'), { maxWaitMs: 0 })).toBe('c');
    });

    it('takes over an expired commit lease, and the old holder does not release the new one', async () => {
      const first = await open();
      const second = await twin(first);
      const hold = gate();
      const firstIn = gate();
      // a takes a 60 s lease at T0 and then hangs (a crashed or stalled holder).
      const a = first.withCommitLease(
        'a',
        async () => {
          firstIn.open();
          await hold.promise;
        },
        { leaseMs: 60_000, now: at(0) },
      );
      await firstIn.promise;
      // Before it expires, it is held.
      await expect(second.withCommitLease('early', () => Promise.resolve(), { now: at(59_000), maxWaitMs: 1_000, sleep: noSleep })).rejects.toThrow(/held by "a"/);
      // After it expired, b takes it over at once.
      const bHold = gate();
      const bIn = gate();
      const b = second.withCommitLease(
        'b',
        async () => {
          bIn.open();
          await bHold.promise;
          return 'b';
        },
        { leaseMs: 60_000, now: at(61_000), maxWaitMs: 0 },
      );
      await bIn.promise;
      // a finishes late: its release must leave b's lease in place.
      hold.open();
      await a;
      await expect(first.withCommitLease('c', () => Promise.resolve(), { now: at(62_000), maxWaitMs: 1_000, sleep: noSleep })).rejects.toThrow(/held by "b"/);
      bHold.open();
      expect(await b).toBe('b');
      expect(await first.withCommitLease('c', () => Promise.resolve('c'), { now: at(62_000), maxWaitMs: 0 })).toBe('c');
      expect(await first.listRuns()).toEqual([]);
    });
  });
}
