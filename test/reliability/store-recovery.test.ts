import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config/schema.js';
import { silentLogger } from '../../shared/log.js';
import { publishRun } from '../../shared/publish.js';
import { FileFindingStore, type RunCommit } from '../../shared/store/index.js';
import { finding, LB1, LB2, run } from '../drift/fixtures.js';

/**
 * Recovery of the file store after a process died inside a commit (the crash suite kills real
 * processes; these are the same states, written as a dead process leaves them).
 */
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-recover-'));
  dirs.push(dir);
  return dir;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

describe('file store recovery', () => {
  it('takes over a commit lock whose owner on this host is gone, at once (no wait)', async () => {
    const dir = await fresh();
    await writeFile(join(dir, 'commit.lock'), JSON.stringify({ owner: 'run x', token: 't', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), host: hostname(), pid: deadPid() }));
    const store = new FileFindingStore(dir);
    await expect(store.withCommitLease('next', () => Promise.resolve('ran'), { maxWaitMs: 0 })).resolves.toBe('ran');
  });

  it('waits for a live owner, and for an owner on another host until its lease expires', async () => {
    const dir = await fresh();
    const store = new FileFindingStore(dir);
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await writeFile(join(dir, 'commit.lock'), JSON.stringify({ owner: 'parent', token: 't', expiresAt: until, host: hostname(), pid: process.ppid }));
    await expect(store.withCommitLease('next', () => Promise.resolve('ran'), { maxWaitMs: 0 })).rejects.toThrow(/held by "parent"/);
    await writeFile(join(dir, 'commit.lock'), JSON.stringify({ owner: 'elsewhere', token: 't', expiresAt: until, host: 'another-host', pid: deadPid() }));
    await expect(store.withCommitLease('next', () => Promise.resolve('ran'), { maxWaitMs: 0 })).rejects.toThrow(/held by "elsewhere"/);
  });

  it('a run journalled but not applied is completed by the next run: its transitions are not announced again under a new key', async () => {
    const dir = await fresh();
    const config = configSchema.parse({ notifications: [{ name: 'hook', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET' }] });
    const env = { HOOK_URL: 'http://127.0.0.1:9/hook', HOOK_SECRET: `whsec_${Buffer.from('recover-signing-secret-0123456789').toString('base64')}` };
    const sent: string[] = [];
    const fetch: typeof globalThis.fetch = (_url, init) => {
      sent.push(String(new Headers(init?.headers).get('webhook-id')));
      return Promise.resolve(new Response('ok'));
    };
    const findings = [finding({ resource: LB1, severity: 'critical' }), finding({ resource: LB2 })];
    // Run 1 is committed in a scratch store to capture its commit, then the commit is left in the
    // real store as a process killed right after the journal write leaves it (plus a stray tmp).
    const scratch = new FileFindingStore(await fresh(), {
      onStep: (step) => {
        if (step === 'journal-written') throw new Error('killed');
      },
    });
    await expect(publishRun(run({ id: 'run-1', findings, finishedAt: '2026-11-22T06:00:00.000Z' }), { config, store: scratch, env, now: () => new Date('2026-11-22T06:00:00Z'), log: silentLogger, fetch })).rejects.toThrow('killed');
    const journal = (await readdir(join(scratch.dir, 'journal')))[0] ?? '';
    await mkdir(join(dir, 'journal'), { recursive: true });
    const commit = JSON.parse(await readFile(join(scratch.dir, 'journal', journal), 'utf8')) as RunCommit;
    await writeFile(join(dir, 'journal', journal), JSON.stringify(commit));
    await writeFile(join(dir, `findings.json.${String(deadPid())}.00000000-0000-4000-8000-000000000000.tmp`), '{"half": ');

    const store = new FileFindingStore(dir);
    const second = await publishRun(run({ id: 'run-2', findings, finishedAt: '2026-11-22T07:00:00.000Z' }), { config, store, env, now: () => new Date('2026-11-22T07:00:00Z'), log: silentLogger, fetch });
    // Run 2 saw run 1's states: nothing new, no message of its own.
    expect(second.drift?.entries.filter((e) => e.state === 'new')).toEqual([]);
    expect(await store.getRun('run-1')).toBeDefined();
    expect(sent).toEqual([commit.outbox[0]?.idempotencyKey]);
    expect(sent[0]).toMatch(/^run-1:hook:[0-9a-f]{16}$/);
    expect((await readdir(dir, { recursive: true })).map(String).filter((f) => f.endsWith('.tmp') || f.startsWith('journal/'))).toEqual([]);
  });
});
