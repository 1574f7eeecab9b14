import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/log.js';
import { configSchema, type AirlockConfig } from '../../shared/config/schema.js';
import { deliverOutbox, parseRetryAfter } from '../../shared/notify/index.js';
import { commitRun } from '../../shared/publish.js';
import { FileFindingStore, TableFindingStore, type FindingStore } from '../../shared/store/index.js';
import { finding, LB1, LB2, run } from '../drift/fixtures.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = `whsec_${Buffer.from('airlock-test-signing-secret-0123').toString('base64')}`;
// The token in these paths stands for the secret part of a real webhook URL.
const SLACK_PATH = '/services/T000/B000/slack-secret-token';
const TEAMS_PATH = '/workflows/teams-secret-sig';
const HOOK_PATH = '/hook/secret-hook-path';

function logger(lines: string[]): Logger {
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
  return { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
}

function configFor(): AirlockConfig {
  return configSchema.parse({
    notifications: [
      { name: 'slack', kind: 'slack', url: 'env:SLACK_URL' },
      { name: 'teams', kind: 'teams', url: 'env:TEAMS_URL' },
      { name: 'hook', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET' },
    ],
  });
}

let azurite: AzuriteTable | undefined;
const dirs: string[] = [];
beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const stores: [string, () => Promise<FindingStore>][] = [
  [
    'file',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'airlock-deliver-'));
      dirs.push(dir);
      return new FileFindingStore(dir);
    },
  ],
  [
    'table',
    () => {
      if (!azurite) throw new Error('Azurite did not start');
      return TableFindingStore.open({ connectionString: azurite.connectionString, tablePrefix: `d${randomUUID().replace(/-/g, '').slice(0, 12)}` });
    },
  ],
];

describe.each(stores)('outbox delivery over HTTP (%s store)', (_name, open) => {
  let receiver: Receiver;
  let store: FindingStore;
  let env: NodeJS.ProcessEnv;
  let lines: string[];
  let sleeps: number[];
  let clock: Date;
  const config = configFor();

  beforeEach(async () => {
    receiver = await startReceiver();
    store = await open();
    env = { SLACK_URL: receiver.url(SLACK_PATH), TEAMS_URL: receiver.url(TEAMS_PATH), HOOK_URL: receiver.url(HOOK_PATH), HOOK_SECRET: SECRET };
    lines = [];
    sleeps = [];
    clock = new Date('2026-11-22T06:00:00Z');
  });
  afterEach(async () => {
    await receiver.close();
  });

  const options = (extra: Partial<Parameters<typeof deliverOutbox>[1]> = {}): Parameters<typeof deliverOutbox>[1] => ({
    config,
    env,
    now: () => clock,
    log: logger(lines),
    // Advance the test clock instead of waiting.
    sleep: (ms) => {
      sleeps.push(ms);
      clock = new Date(clock.getTime() + ms);
      return Promise.resolve();
    },
    ...extra,
  });

  async function commit(id: string): Promise<void> {
    const r = run({ id, findings: [finding({ resource: LB1, severity: 'critical' }), finding({ resource: LB2 })], finishedAt: '2026-11-22T06:00:00.000Z' });
    const result = await commitRun(r, { config, store, now: () => clock, log: logger(lines) });
    expect(result.committed).toBe(true);
  }

  it('retries 5xx and 429 honouring Retry-After, then records exactly one delivery per message', async () => {
    await commit('run-1');
    receiver.plan(SLACK_PATH, [{ status: 503, retryAfter: '0' }, { status: 429, retryAfter: '7' }]);
    receiver.plan(TEAMS_PATH, [{ status: 502 }]);
    receiver.plan(HOOK_PATH, [{ status: 500 }, { status: 503 }]);
    const results = await deliverOutbox(store, options({ baseDelayMs: 1_000 }));
    expect(results.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ['hook', 'delivered', 3],
      ['slack', 'delivered', 3],
      ['teams', 'delivered', 2],
    ]);
    expect(receiver.accepted(SLACK_PATH)).toHaveLength(1);
    expect(receiver.accepted(TEAMS_PATH)).toHaveLength(1);
    expect(receiver.accepted(HOOK_PATH)).toHaveLength(1);
    // Entries take turns, earliest next attempt first: every channel gets its first attempt at once,
    // slack's Retry-After 0 is retried without a wait (429, Retry-After 7 s), hook and teams back off
    // 1 s, hook again 2 s (at 3 s), and slack's Retry-After ends at 7 s.
    expect(sleeps).toEqual([1_000, 2_000, 4_000]);
    // Every attempt of one message carries the same idempotency key.
    const slackKeys = new Set(receiver.requests(SLACK_PATH).map((r) => r.headers['idempotency-key']));
    expect(slackKeys.size).toBe(1);
    expect(String([...slackKeys][0])).toMatch(/^run-1:slack:[0-9a-f]{16}$/);

    const again = await deliverOutbox(store, options());
    expect(again).toEqual([]);
    expect(receiver.requests()).toHaveLength(8);

    const record = await store.getRun('run-1');
    expect(record?.deliveries.map((d) => [d.channel, d.status, d.attempts])).toEqual([
      ['hook', 'delivered', 3],
      ['slack', 'delivered', 3],
      ['teams', 'delivered', 2],
    ]);
  });

  it('signs webhook bodies with Standard Webhooks, verifiable by the receiver', async () => {
    await commit('run-sig');
    await deliverOutbox(store, options());
    const [req] = receiver.accepted(HOOK_PATH);
    if (!req) throw new Error('no webhook request');
    expect(req.headers['webhook-id']).toMatch(/^run-sig:hook:[0-9a-f]{16}$/);
    const headers = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
    // The library checks the timestamp against the real clock; sign time is the test clock.
    expect(Number(headers['webhook-timestamp'])).toBe(Math.floor(clock.getTime() / 1000));
    const verifier = new Webhook(SECRET);
    const resigned = verifier.sign(headers['webhook-id'], clock, req.body);
    expect(headers['webhook-signature']).toBe(resigned);
    const fresh = new Webhook(SECRET).sign(headers['webhook-id'], new Date(), req.body);
    expect(() => verifier.verify(req.body, { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': fresh })).not.toThrow();
    expect(() => verifier.verify(`${req.body} `, { ...headers, 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': fresh })).toThrow();
    const body = JSON.parse(req.body) as { runId: string; findings: { state: string }[] };
    expect(body.runId).toBe('run-sig');
    expect(body.findings.map((f) => f.state)).toEqual(['new', 'new']);
  });

  it('dead-letters after the retries are exhausted, visible in the run record, and never leaks the URL', async () => {
    await commit('run-dead');
    receiver.plan(SLACK_PATH, { always: { status: 500 } });
    receiver.plan(TEAMS_PATH, [{ status: 400 }]);
    await deliverOutbox(store, options({ maxAttempts: 3, baseDelayMs: 10 }));
    expect(receiver.requests(SLACK_PATH)).toHaveLength(3);
    expect(receiver.requests(TEAMS_PATH)).toHaveLength(1); // 400 is not worth retrying
    const record = await store.getRun('run-dead');
    const byChannel = Object.fromEntries((record?.deliveries ?? []).map((d) => [d.channel, d]));
    expect(byChannel['slack']).toMatchObject({ status: 'dead-letter', attempts: 3, lastStatus: 500 });
    expect(byChannel['teams']).toMatchObject({ status: 'dead-letter', attempts: 1, lastStatus: 400 });
    expect(byChannel['hook']).toMatchObject({ status: 'delivered', attempts: 1 });
    expect((await store.listOutbox({ status: 'dead-letter' })).map((e) => e.channel).sort()).toEqual(['slack', 'teams']);
    const everything = JSON.stringify([lines, record, await store.listOutbox()]);
    for (const secret of ['slack-secret-token', 'teams-secret-sig', 'secret-hook-path', SECRET]) expect(everything).not.toContain(secret);
    // Dead letters stay dead: another pass sends nothing.
    await deliverOutbox(store, options());
    expect(receiver.requests()).toHaveLength(5);
  });

  it('leaves an entry pending when Retry-After is longer than it may wait, and a later pass delivers it', async () => {
    await commit('run-later');
    receiver.plan(TEAMS_PATH, [{ status: 429, retryAfter: '3600' }]);
    await deliverOutbox(store, options({ maxWaitMs: 60_000 }));
    const pending = await store.listOutbox({ status: 'pending' });
    expect(pending.map((e) => [e.channel, e.attempts, e.nextAttemptAt])).toEqual([['teams', 1, '2026-11-22T07:00:00.000Z']]);
    expect((await store.getRun('run-later'))?.deliveries.find((d) => d.channel === 'teams')).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 429 });
    clock = new Date('2026-11-22T07:00:00Z');
    await deliverOutbox(store, options());
    expect(receiver.accepted(TEAMS_PATH)).toHaveLength(1);
    expect(await store.listOutbox({ status: 'pending' })).toEqual([]);
  });

  it('does not sleep through a long Retry-After: the entry stays pending with its next attempt time, the other channels are delivered', async () => {
    await commit('run-slow');
    const start = clock.getTime();
    receiver.plan(SLACK_PATH, [{ status: 429, retryAfter: '600' }]);
    receiver.plan(HOOK_PATH, [{ status: 503 }]);
    const results = await deliverOutbox(store, options());
    // Within the default 2-minute budget, and never a 10-minute nap.
    expect(clock.getTime() - start).toBeLessThanOrEqual(120_000);
    expect(Math.max(0, ...sleeps)).toBeLessThanOrEqual(120_000);
    expect(results.map((r) => [r.channel, r.status, r.attempts])).toEqual([
      ['hook', 'delivered', 2],
      ['slack', 'pending', 1],
      ['teams', 'delivered', 1],
    ]);
    const pending = await store.listOutbox({ status: 'pending' });
    expect(pending.map((e) => [e.channel, e.attempts, e.lastStatus, e.nextAttemptAt, e.leaseUntil])).toEqual([['slack', 1, 429, '2026-11-22T06:10:00.000Z', undefined]]);
    expect((await store.getRun('run-slow'))?.deliveries.find((d) => d.channel === 'slack')).toMatchObject({ status: 'pending', attempts: 1, lastStatus: 429 });

    // Before its time a later call skips it (and returns at once) ...
    clock = new Date('2026-11-22T06:05:00Z');
    sleeps = [];
    expect(await deliverOutbox(store, options())).toEqual([]);
    expect(sleeps).toEqual([]);
    expect(receiver.requests(SLACK_PATH)).toHaveLength(1);
    // ... and from then on a call delivers it, once.
    clock = new Date('2026-11-22T06:10:00Z');
    expect((await deliverOutbox(store, options())).map((r) => [r.channel, r.status, r.attempts])).toEqual([['slack', 'delivered', 2]]);
    expect(receiver.accepted(SLACK_PATH)).toHaveLength(1);
    expect(await store.listOutbox({ status: 'pending' })).toEqual([]);
  });

  it('stops retrying at the time budget and leaves the entry pending for the next call', async () => {
    await commit('run-budget');
    const start = clock.getTime();
    receiver.plan(SLACK_PATH, { always: { status: 503 } });
    await deliverOutbox(store, options({ budgetMs: 10_000 }));
    // Attempts at 0 s, 2 s and 6 s; the next (14 s) falls past the budget.
    expect(receiver.requests(SLACK_PATH)).toHaveLength(3);
    expect(sleeps).toEqual([2_000, 4_000]);
    expect(clock.getTime() - start).toBeLessThanOrEqual(10_000);
    expect((await store.listOutbox({ status: 'pending' })).map((e) => [e.channel, e.attempts, e.nextAttemptAt])).toEqual([['slack', 3, '2026-11-22T06:00:14.000Z']]);
    expect(receiver.accepted(TEAMS_PATH)).toHaveLength(1);
    expect(receiver.accepted(HOOK_PATH)).toHaveLength(1);
  });

  it.each([
    { bad: 'whsec_LEAKED-not-base64!', marker: 'LEAKED' },
    { bad: 'whsec_', marker: undefined },
  ])('dead-letters a webhook with an invalid signing secret at once, naming the setting, not the value ($bad)', async ({ bad, marker }) => {
    await commit('run-badsecret');
    env = { ...env, HOOK_SECRET: bad };
    const results = await deliverOutbox(store, options());
    expect(results.map((r) => [r.channel, r.status])).toEqual([
      ['hook', 'dead-letter'],
      ['slack', 'delivered'],
      ['teams', 'delivered'],
    ]);
    // No retries, no waiting, no request.
    expect(sleeps).toEqual([]);
    expect(receiver.requests(HOOK_PATH)).toHaveLength(0);
    const message = 'signing secret env:HOOK_SECRET is not a valid Standard Webhooks secret (expected whsec_<base64>)';
    expect((await store.getRun('run-badsecret'))?.deliveries.find((d) => d.channel === 'hook')).toMatchObject({ status: 'dead-letter', attempts: 0, lastError: message });
    expect((await store.listOutbox({ status: 'dead-letter' })).map((e) => [e.channel, e.lastError])).toEqual([['hook', message]]);
    if (marker !== undefined) expect(JSON.stringify([lines, await store.getRun('run-badsecret'), await store.listOutbox()])).not.toContain(marker);
  });

  it('two deliverers at once send each message once', async () => {
    await commit('run-race');
    receiver.plan(SLACK_PATH, [{ status: 503, retryAfter: '0' }]);
    await Promise.all([deliverOutbox(store, options()), deliverOutbox(store, options())]);
    expect(receiver.accepted(SLACK_PATH)).toHaveLength(1);
    expect(receiver.accepted(TEAMS_PATH)).toHaveLength(1);
    expect(receiver.accepted(HOOK_PATH)).toHaveLength(1);
  });

  it('reports a channel whose secret is not set as dead-letter, naming the setting', async () => {
    await commit('run-nosecret');
    env = { SLACK_URL: receiver.url(SLACK_PATH), TEAMS_URL: receiver.url(TEAMS_PATH), HOOK_URL: receiver.url(HOOK_PATH) };
    await deliverOutbox(store, options());
    const record = await store.getRun('run-nosecret');
    expect(record?.deliveries.find((d) => d.channel === 'hook')).toMatchObject({ status: 'dead-letter', lastError: expect.stringContaining('HOOK_SECRET') as unknown });
    expect(receiver.requests(HOOK_PATH)).toHaveLength(0);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    const now = new Date('2026-11-22T06:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 06:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});
