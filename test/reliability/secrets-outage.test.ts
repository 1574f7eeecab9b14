import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config/schema.js';
import type { Logger } from '../../shared/log.js';
import { deliverOutbox } from '../../shared/notify/index.js';
import { commitRun, publishRun } from '../../shared/publish.js';
import { FileFindingStore } from '../../shared/store/index.js';
import { finding, LB1, LB2, run } from '../drift/fixtures.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';
import { recordFigures } from './figures.js';

/**
 * Secrets: sentinel values in every secret slot (Slack path token, Teams `sig`, webhook URL path,
 * signing secret), receivers that echo the request path and headers in their error bodies; no
 * sentinel may appear in a log line, a delivery record, the run record, the outbox or any stored
 * file. Webhook outage: 503 N times then 429 Retry-After → delivered once; past the attempt
 * budget → dead-letter and one error line.
 */

const SENTINELS = {
  slackToken: 'SENTINELslackTOKEN0a1b2c3d4e5f',
  slackIds: 'T0SENTINEL',
  teamsSig: 'SENTINELteamsSIG9z8y7x6w5v4u3t',
  hookPath: 'SENTINELhookPATH1q2w3e4r5t6y',
  signingKey: Buffer.from('SENTINELsigningKEY-0123456789abcdef').toString('base64'),
};

function echoServer(status: number): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      // A receiver that quotes what it was sent: the path, the query and the signature headers.
      res.writeHead(status, { 'content-type': 'text/plain' }).end(`no_service: ${String(req.url)} sig=${String(req.headers['webhook-signature'])} id=${String(req.headers['webhook-id'])}`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, base: `http://127.0.0.1:${typeof a === 'object' && a ? String(a.port) : '0'}` });
    }),
  );
}

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function freshStore(): Promise<FileFindingStore> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-rel-'));
  dirs.push(dir);
  return new FileFindingStore(dir);
}

async function storedText(dir: string): Promise<string> {
  const files = (await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('.json'));
  return (await Promise.all(files.map((f) => readFile(join(dir, f), 'utf8')))).join('\n');
}

const figures: Record<string, unknown> = {};
afterAll(async () => {
  await recordFigures('secrets-outage', { command: 'npx vitest run test/reliability/secrets-outage.test.ts', ...figures });
});

describe('secrets never leave the process', () => {
  const servers: Server[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });

  it.each([400, 500])('receivers echoing the request (HTTP %i): 0 sentinels in logs, records, outbox, files', async (status) => {
    const { server, base } = await echoServer(status);
    servers.push(server);
    const env = {
      SLACK_URL: `${base}/services/${SENTINELS.slackIds}/B0SENTINEL/${SENTINELS.slackToken}`,
      TEAMS_URL: `${base}/workflows/6f1c0a6e-0000-4000-8000-000000000001/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SENTINELS.teamsSig}`,
      HOOK_URL: `${base}/hook/${SENTINELS.hookPath}?token=${SENTINELS.hookPath}`,
      HOOK_SECRET: `whsec_${SENTINELS.signingKey}`,
    };
    const config = configSchema.parse({
      notifications: [
        { name: 'slack', kind: 'slack', url: 'env:SLACK_URL' },
        { name: 'teams', kind: 'teams', url: 'env:TEAMS_URL' },
        { name: 'hook', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET' },
      ],
    });
    const store = await freshStore();
    const lines: string[] = [];
    const push = (level: string) => (m: string, f?: Record<string, unknown>) => void lines.push(`${level} ${m} ${JSON.stringify(f ?? {})}`);
    const log: Logger = { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
    const r = run({ id: `run-echo-${String(status)}`, findings: [finding({ resource: LB1, severity: 'critical' }), finding({ resource: LB2 })], finishedAt: '2026-11-22T06:00:00.000Z' });
    let clock = new Date('2026-11-22T06:00:00Z');
    const result = await publishRun(r, {
      config,
      store,
      env,
      now: () => clock,
      log,
      delivery: { maxAttempts: 3, sleep: (ms) => { clock = new Date(clock.getTime() + ms); return Promise.resolve(); } },
    });
    // The receivers' errors were seen (the check below is not vacuous)...
    expect(result.deliveries.every((d) => d.status === 'dead-letter' && (d.lastError ?? '').includes('no_service'))).toBe(true);
    // ...and scrubbed everywhere.
    const everything = [lines.join('\n'), JSON.stringify(result), await storedText(store.dir)].join('\n');
    const found = Object.values(SENTINELS).filter((s) => everything.includes(s));
    figures[`echo${String(status)}`] = { secretSlots: Object.keys(SENTINELS).length, leaked: found.length, logLines: lines.length };
    expect(found).toEqual([]);
    expect(everything).toContain('<redacted>');
  });
});

describe('webhook outage', () => {
  let receiver: Receiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  const setup = async (refusals: Parameters<Receiver['plan']>[1]) => {
    const config = configSchema.parse({ notifications: [{ name: 'hook', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET' }] });
    const env = { HOOK_URL: receiver.url('/hook'), HOOK_SECRET: `whsec_${Buffer.from('outage-signing-secret-0123456789').toString('base64')}` };
    receiver.plan('/hook', refusals);
    const store = await freshStore();
    const lines: string[] = [];
    const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`);
    const log: Logger = { debug: push('debug'), info: push('info'), warn: push('warn'), error: push('error') };
    let clock = new Date('2026-11-22T06:00:00Z');
    const sleeps: number[] = [];
    const r = run({ id: 'run-outage', findings: [finding({ resource: LB1, severity: 'critical' })], finishedAt: '2026-11-22T06:00:00.000Z' });
    await commitRun(r, { config, store, now: () => clock, log });
    const deliver = (maxAttempts: number) =>
      deliverOutbox(store, { config, env, now: () => clock, log, maxAttempts, baseDelayMs: 1_000, sleep: (ms) => { sleeps.push(ms); clock = new Date(clock.getTime() + ms); return Promise.resolve(); } });
    return { deliver, lines, sleeps, store };
  };

  it('503 four times then 429 Retry-After 30: delivered exactly once, same webhook-id on every attempt', async () => {
    const { deliver, sleeps } = await setup([{ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 }, { status: 429, retryAfter: '30' }]);
    const [result] = await deliver(8);
    expect(result).toMatchObject({ status: 'delivered', attempts: 6 });
    expect(receiver.accepted('/hook')).toHaveLength(1);
    expect(new Set(receiver.requests('/hook').map((q) => q.headers['webhook-id'])).size).toBe(1);
    // Backoff doubles, and the 429's Retry-After is honoured as the last wait.
    expect(sleeps).toEqual([1_000, 2_000, 4_000, 8_000, 30_000]);
    expect(await deliver(8)).toEqual([]);
    expect(receiver.requests('/hook')).toHaveLength(6);
    figures['outage'] = { refusals: 5, attempts: 6, delivered: receiver.accepted('/hook').length, waitsMs: sleeps };
  });

  it('past the attempt budget: dead-letter and one error line', async () => {
    const { deliver, lines, store } = await setup({ always: { status: 503 } });
    const [result] = await deliver(4);
    expect(result).toMatchObject({ status: 'dead-letter', attempts: 4 });
    expect(lines.filter((l) => l.startsWith('error'))).toHaveLength(1);
    expect(lines.find((l) => l.startsWith('error'))).toContain('dead-lettered after 4 attempt(s)');
    expect((await store.getRun('run-outage'))?.deliveries).toMatchObject([{ status: 'dead-letter', attempts: 4 }]);
    expect(await deliver(4)).toEqual([]);
    expect(receiver.requests('/hook')).toHaveLength(4);
    figures['deadLetter'] = { attempts: 4, errorLines: lines.filter((l) => l.startsWith('error')).length };
  });
});
