import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { configSchema, type AirlockConfigInput } from '../../shared/config/schema.js';
import type { SlackPayload, WebhookBody } from '../../shared/notify/index.js';
import { publishRun } from '../../shared/publish.js';
import { FileFindingStore } from '../../shared/store/index.js';
import { finding, LB1, LB2, LB3, run, SUB_A, SUB_B } from '../drift/fixtures.js';
import { startReceiver, type Receiver } from './receiver.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const SECRET = `whsec_${Buffer.from('publish-test-secret-0123456789ab').toString('base64')}`;

let receiver: Receiver;
let dir: string;
let store: FileFindingStore;
beforeEach(async () => {
  receiver = await startReceiver();
  dir = await mkdtemp(join(tmpdir(), 'airlock-publish-'));
  store = new FileFindingStore(dir);
});
afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

function setup(extra: Partial<AirlockConfigInput> = {}) {
  const config = configSchema.parse({
    notifications: [
      { name: 'changes', kind: 'webhook', url: 'env:CHANGES_URL', signingSecret: 'env:SECRET', minSeverity: 'info' },
      { name: 'daily', kind: 'slack', url: 'env:DIGEST_URL', mode: 'digest', minSeverity: 'info' },
    ],
    reportUrl: 'https://airlock.example.org/report',
    ...extra,
  });
  const env = { CHANGES_URL: receiver.url('/changes'), DIGEST_URL: receiver.url('/digest'), SECRET };
  return { config, env, publish: (r: ReturnType<typeof run>, digest = false) => publishRun(r, { config, store, env, now: () => new Date('2026-11-24T00:00:00Z'), log: quiet, digest }) };
}

const lb1 = finding({ resource: LB1 });
const lb2 = finding({ resource: LB2, severity: 'critical' });
const lb3 = finding({ resource: LB3, scope: SUB_B });

describe('publishRun', () => {
  it('sends digest channels only on the digest schedule, with every open finding', async () => {
    const { publish } = setup();
    await publish(run({ id: 'r1', findings: [lb1, lb2] }));
    expect(receiver.accepted('/changes')).toHaveLength(1);
    expect(receiver.requests('/digest')).toHaveLength(0);
    const second = await publish(run({ id: 'r2', findings: [lb1, lb2], startedAt: '2026-11-22T07:00:00.000Z' }), true);
    expect(receiver.accepted('/changes')).toHaveLength(1); // nothing changed
    expect(second.record.deliveries.map((d) => [d.channel, d.status])).toEqual([['daily', 'delivered']]);
    const digest = JSON.parse(receiver.accepted('/digest')[0]?.body ?? '{}') as SlackPayload;
    expect(digest.text).toBe('Airlock digest: 2 open finding(s) (run r2)');
  });

  it('writes a run once: publishing it again sends and stores nothing new', async () => {
    const { publish } = setup();
    const r = run({ id: 'r1', findings: [lb1] });
    const first = await publish(r);
    expect(first.committed).toBe(true);
    const again = await publish(r);
    expect(again.committed).toBe(false);
    expect(again.deliveries).toEqual([]);
    expect(receiver.requests()).toHaveLength(1);
    expect(await store.listEvents('r1')).toHaveLength(1);
    expect(again.record).toEqual(first.record);
  });

  it('two runs published at once over the same new finding alert once: the second sees it persisting', async () => {
    const { config, env } = setup();
    // Each run's read of the finding states waits until the other run has read them too, or is
    // waiting for the commit lease: without the lease both would reconcile against an empty store.
    let loads = 0;
    let otherArrived!: () => void;
    const arrived = new Promise<void>((resolve) => {
      otherArrived = resolve;
    });
    let committed!: () => void;
    const firstCommit = new Promise<void>((resolve) => {
      committed = resolve;
    });
    class RacingStore extends FileFindingStore {
      override async commitRun(commit: Parameters<FileFindingStore['commitRun']>[0]) {
        const result = await super.commitRun(commit);
        committed();
        return result;
      }

      override async loadFindingStates() {
        const states = await super.loadFindingStates();
        loads += 1;
        if (loads === 2) otherArrived();
        await arrived;
        return states;
      }
    }
    const racing = new RacingStore(dir);
    const lease = {
      // The run waiting for the lease lets the holder go on, and tries again once it has committed.
      sleep: async () => {
        otherArrived();
        await firstCommit;
        await new Promise((resolve) => setImmediate(resolve));
      },
    };
    const publish = (id: string, startedAt: string) =>
      publishRun(run({ id, findings: [lb1], startedAt }), { config, store: racing, env, now: () => new Date('2026-11-24T00:00:00Z'), log: quiet, lease });
    const results = await Promise.all([publish('r1', '2026-11-22T06:00:00.000Z'), publish('r2', '2026-11-22T07:00:00.000Z')]);
    expect(results.map((r) => r.committed)).toEqual([true, true]);
    const sum = (state: 'new' | 'persisting') => results.reduce((n, r) => n + Object.values(r.drift?.counts[state] ?? {}).reduce((a, b) => a + b, 0), 0);
    expect(sum('new')).toBe(1);
    expect(sum('persisting')).toBe(1);
    const events = [...(await store.listEvents('r1')), ...(await store.listEvents('r2'))];
    expect(events.map((e) => [e.state, e.resourceId])).toEqual([['new', LB1]]);
    expect(await store.listOutbox()).toHaveLength(1);
    expect(receiver.requests('/changes')).toHaveLength(1);
    expect(receiver.requests('/digest')).toHaveLength(0);
    const states = await store.loadFindingStates();
    expect(states).toHaveLength(1);
    // The run committed second holds the finding, and it replaced the first run's state.
    expect(states[0]?.prior?.status).toBe('open');
  });

  it('carries over findings of a partly read scope, says so in the run record and the message', async () => {
    const { publish } = setup();
    await publish(run({ id: 'r1', findings: [lb1, lb3] }));
    const result = await publish(run({ id: 'r2', findings: [lb2], scopes: { [SUB_A]: true, [SUB_B]: false }, startedAt: '2026-11-22T07:00:00.000Z' }));
    expect(result.record.drift.carriedOver).toEqual({ scopes: [SUB_B], findings: 1 });
    expect(result.record.coverage.incomplete).toEqual([SUB_B]);
    const body = JSON.parse(receiver.accepted('/changes').at(-1)?.body ?? '{}') as WebhookBody;
    expect(body.complete).toBe(false);
    expect(body.carriedOver.findings).toBe(1);
    expect(body.findings.map((f) => [f.state, f.resource.id])).toEqual([
      ['new', LB2],
      ['resolved', LB1],
    ]);
    expect((await store.listFindingStates({ scope: SUB_B }))[0]?.status).toBe('open');
  });

  it('keeps excepted findings out of the message until the exception expires', async () => {
    const { publish } = setup({ exceptions: [{ rule: 'azure/lb-public-frontend', resource: LB1, reason: 'accepted by netsec', expires: '2026-11-22' }] });
    const first = await publish(run({ id: 'r1', findings: [lb1, lb2], finishedAt: '2026-11-22T06:00:00.000Z' }));
    expect(first.drift?.counts.excepted.high).toBe(1);
    expect((JSON.parse(receiver.accepted('/changes')[0]?.body ?? '{}') as WebhookBody).findings.map((f) => f.resource.id)).toEqual([LB2]);
    // The day after expiry the finding is back in front of people.
    await publish(run({ id: 'r2', findings: [lb1, lb2], startedAt: '2026-11-23T06:00:00.000Z' }));
    expect(receiver.requests('/changes').map((r) => r.status)).toEqual([200, 200]);
    const body = JSON.parse(receiver.accepted('/changes')[1]?.body ?? '{}') as WebhookBody;
    expect(body.findings.map((f) => [f.state, f.resource.id, f.note])).toEqual([['new', LB1, 'exception (accepted by netsec) expired on 2026-11-22 or was removed']]);
  });
});
