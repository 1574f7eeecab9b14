import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookBody } from '../../shared/notify/index.js';
import { FileFindingStore } from '../../shared/store/index.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { killChildren } from '../helpers/children.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';
import { previousFigures, recordFigures } from './figures.js';

/**
 * Crash points: a child audits and publishes into a file store and SIGKILLs itself at one point
 * (or is killed by this test while it collects); the next run, started with a commit-lease wait of
 * 0, must take over the dead holder's lock at once, complete the dead run's commit and deliveries
 * under their original keys, and leave nothing duplicated or lost.
 */

const SECRET = `whsec_${Buffer.from('airlock-crash-signing-secret-0123456789').toString('base64')}`;
const POINTS = [
  'collect',
  'lease-acquired',
  'journal-written',
  'events-written',
  'outbox-written',
  'findings-tmp-written',
  'findings-written',
  'run-written',
  'journal-removed',
  'after-commit',
  'mid-delivery',
] as const;

const here = dirname(fileURLToPath(import.meta.url));
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const children = new Set<ChildProcess>();
let sim: Simulator;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function child(configFile: string, runId: string, env: NodeJS.ProcessEnv, crashAt?: string, killWhen?: () => boolean): Promise<ChildResult> {
  return new Promise((resolve) => {
    const args = ['--import', tsxLoader, join(here, 'crash-child.ts'), configFile, runId, ...(crashAt && crashAt !== 'collect' ? [crashAt] : [])];
    const proc = execFile(process.execPath, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      children.delete(proc);
      clearInterval(poll);
      const e = err as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
    children.add(proc);
    const poll = setInterval(() => {
      if (killWhen?.()) {
        clearInterval(poll);
        proc.kill('SIGKILL');
      }
    }, 5);
  });
}

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: { throttle: { enabled: false, resourceGraph: { quota: 100_000, windowSeconds: 5 } } } });
});
afterAll(async () => {
  await killChildren(children);
  await sim.stop();
});

interface Row {
  point: string;
  killed: boolean;
  duplicates: number;
  lost: number;
  lockWaitErrors: number;
}
const measured: Row[] = [];
afterAll(async () => {
  // A run of some points (-t) replaces those rows only.
  const before = ((await previousFigures('crash'))?.['rows'] as Row[] | undefined) ?? [];
  const figures = POINTS.map((p) => measured.find((r) => r.point === p) ?? before.find((r) => r.point === p)).filter((r): r is Row => r !== undefined);
  await recordFigures('crash', {
    command: 'npm run test:reliability -- test/reliability/crash.long.ts',
    points: figures.length,
    killed: figures.filter((f) => f.killed).length,
    duplicates: figures.reduce((a, f) => a + f.duplicates, 0),
    lost: figures.reduce((a, f) => a + f.lost, 0),
    rows: figures,
  });
});

describe('SIGKILL at each crash point, then the next run', () => {
  it.each(POINTS)('%s: the next run completes the dead run; every transition is stored and announced exactly once', async (point) => {
    const receiver: Receiver = await startReceiver();
    const dir = await mkdtemp(join(tmpdir(), 'airlock-crash-'));
    try {
      const { configFile } = await sim.writeConfig(join(dir, 'airlock.yaml'), {
        storePath: join(dir, 'state'),
        overrides: {
          clouds: { gcp: { enabled: false }, aws: { enabled: false } },
          notifications: [
            { name: 'slack-ops', kind: 'slack', url: 'env:CRASH_SLACK_URL', minSeverity: 'info' },
            { name: 'siem', kind: 'webhook', url: 'env:CRASH_HOOK_URL', signingSecret: 'env:CRASH_HOOK_SECRET', minSeverity: 'info' },
          ],
        },
      });
      const env = { CRASH_SLACK_URL: receiver.url('/services/T0CRASH01/B0CRASH02/crashslacktoken0123456789'), CRASH_HOOK_URL: receiver.url('/hook'), CRASH_HOOK_SECRET: SECRET };
      const startCalls = sim.counts().total;
      const crashed = await child(configFile, `crash-${point}-a`, env, point, point === 'collect' ? () => sim.counts().total - startCalls >= 8 : undefined);
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');

      const next = await child(configFile, `crash-${point}-b`, env);
      expect(next.code, next.stderr).toBe(0);

      // The store: readable, nothing left half-done.
      const stateDir = join(dir, 'state');
      const files = (await readdir(stateDir, { recursive: true })).map(String);
      expect(files.filter((f) => f.endsWith('.tmp') || f.startsWith('journal/') || f === 'commit.lock')).toEqual([]);
      const store = new FileFindingStore(stateDir);
      const open = (await store.listFindingStates()).filter((s) => s.status === 'open').map((s) => s.fingerprint).sort();
      expect(open.length).toBeGreaterThan(0);
      const runs = await store.listRuns();
      const newEvents = (await Promise.all(runs.map((r) => store.listEvents(r.id)))).flat().filter((e) => e.state === 'new').map((e) => e.fingerprint).sort();
      // Each open finding became new exactly once, in one run that has its run record.
      expect(newEvents).toEqual(open);
      expect((await store.listOutbox()).every((e) => e.status === 'delivered')).toBe(true);

      // The receiver: one message per channel, by key and by content; retries of one key only.
      const hooks = receiver.accepted('/hook');
      const hookIds = new Set(hooks.map((r) => String(r.headers['webhook-id'])));
      const slackKeys = new Set(receiver.accepted().filter((r) => r.path !== '/hook').map((r) => String(r.headers['idempotency-key'])));
      expect(hookIds.size).toBe(1);
      expect(slackKeys.size).toBe(1);
      const byId = new Map(hooks.map((r) => [String(r.headers['webhook-id']), JSON.parse(r.body) as WebhookBody]));
      const announced = [...byId.values()].flatMap((b) => b.findings.filter((f) => f.state === 'new').map((f) => f.fingerprint)).sort();
      expect(announced).toEqual(open);
      const duplicates = announced.length - new Set(announced).size;
      const lost = open.filter((f) => !announced.includes(f)).length;
      measured.push({ point, killed: crashed.signal === 'SIGKILL', duplicates, lost, lockWaitErrors: next.stderr.includes('gave up after waiting') ? 1 : 0 });
      // Nothing of the secret URL path or the signing secret reached stderr or the store.
      const stored = await Promise.all(files.filter((f) => f.endsWith('.json')).map((f) => readFile(join(stateDir, f), 'utf8')));
      for (const text of [crashed.stderr, next.stderr, next.stdout, ...stored]) {
        expect(text).not.toContain('crashslacktoken0123456789');
        expect(text).not.toContain(SECRET.slice(6));
      }
    } finally {
      await killChildren(children);
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
