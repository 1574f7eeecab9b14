import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FindingState, FindingStatus, VersionedFindingState } from '../drift/index.js';
import type { ScopeKey } from '../model/scope.js';
import { leaseSettings, runUnderLease, type LeaseAttempt } from './lease.js';
import { fitVersionedState } from './limits.js';
import { StoreConflictError, type CommitLeaseOptions, type DriftEvent, type FindingStore, type OutboxEntry, type OutboxStatus, type RunCommit, type RunRecord } from './types.js';

/** A file name for an id chosen elsewhere (run ids, channel names): no separators, no dot files. */
function fileName(id: string): string {
  return encodeURIComponent(id).replace(/^\./, '%2E');
}

/** The file's text, or undefined when it does not exist. */
async function readTextIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * The CLI's store: one directory of JSON files. Every write goes to a temporary file that is
 * renamed over the target, so a crash leaves the old or the new file, never half of one.
 * Meant for one process at a time (a laptop); the ETag checks catch, not prevent, a second writer.
 * The commit lease (`commit.lock`, created exclusively) keeps two publishing processes from
 * reconciling at once.
 */
export class FileFindingStore implements FindingStore {
  constructor(readonly dir: string) {}

  // Read-compare-write must not interleave within this process, or two deliverers could both win.
  private lock: Promise<unknown> = Promise.resolve();

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn, fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  private path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  private async readJson<T>(file: string): Promise<T | undefined> {
    const text = await readTextIfExists(file);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`store file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
    }
  }

  private async writeJson(file: string, value: unknown): Promise<void> {
    await mkdir(join(file, '..'), { recursive: true });
    const tmp = `${file}.${String(process.pid)}.${randomUUID()}.tmp`;
    try {
      await writeFile(tmp, `${JSON.stringify(value, null, 1)}\n`, 'utf8');
      await rename(tmp, file);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  private async findingsFile(): Promise<Record<string, VersionedFindingState>> {
    return (await this.readJson<Record<string, VersionedFindingState>>(this.path('findings.json'))) ?? {};
  }

  async loadFindingStates(): Promise<VersionedFindingState[]> {
    return Object.values(await this.findingsFile());
  }

  async listFindingStates(filter: { scope?: ScopeKey; status?: FindingStatus } = {}): Promise<FindingState[]> {
    return (await this.loadFindingStates())
      .map((v) => v.state)
      .filter((s) => (filter.scope === undefined || s.finding.scope === filter.scope) && (filter.status === undefined || s.status === filter.status));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const stored = await this.readJson<RunRecord & { etag?: string }>(this.path('runs', `${fileName(runId)}.json`));
    if (!stored) return undefined;
    delete stored.etag;
    return stored;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const files = await this.list(this.path('runs'));
    const runs: RunRecord[] = [];
    for (const f of files.filter((n) => n.endsWith('.json'))) {
      const run = await this.getRun(decodeURIComponent(f.slice(0, -'.json'.length)));
      if (run) runs.push(run);
    }
    return runs.sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id.localeCompare(a.id)).slice(0, limit);
  }

  private async list(dir: string): Promise<string[]> {
    try {
      return await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  async listEvents(runId: string): Promise<DriftEvent[]> {
    return (await this.readJson<DriftEvent[]>(this.path('events', `${fileName(runId)}.json`))) ?? [];
  }

  async commitRun(commit: RunCommit): Promise<{ committed: boolean }> {
    const runId = commit.run.id;
    if (await this.getRun(runId)) return { committed: false };
    // Same order as the table store: events, outbox, states, then the run record that marks it done.
    await this.writeJson(this.path('events', `${fileName(runId)}.json`), commit.events);
    for (const entry of commit.outbox) {
      const file = this.outboxPath(entry.runId, entry.channel);
      if (await this.readJson<OutboxEntry>(file)) continue;
      await this.writeJson(file, { ...entry, etag: randomUUID() });
    }
    const findings = await this.findingsFile();
    // Same limits as the table store, so both hold the same data.
    for (const v of commit.states) findings[v.state.fingerprint] = fitVersionedState(v);
    await this.writeJson(this.path('findings.json'), findings);
    await this.writeJson(this.path('runs', `${fileName(runId)}.json`), { ...commit.run, etag: randomUUID() });
    return { committed: true };
  }

  withCommitLease<T>(owner: string, fn: () => Promise<T>, options?: CommitLeaseOptions): Promise<T> {
    const settings = leaseSettings(options);
    return runUnderLease(owner, `store ${this.dir}`, settings, () => this.tryLease(owner, settings.now(), settings.leaseMs), fn);
  }

  private async readLease(file: string): Promise<{ owner: string; token: string; expiresAt: string } | undefined> {
    const text = await readTextIfExists(file);
    if (text === undefined) return undefined;
    try {
      const v = JSON.parse(text) as { owner?: unknown; token?: unknown; expiresAt?: unknown };
      if (typeof v.owner === 'string' && typeof v.token === 'string' && typeof v.expiresAt === 'string') return { owner: v.owner, token: v.token, expiresAt: v.expiresAt };
    } catch {
      // being written, or left half-written by a crash: judged by its modification time below
    }
    return { owner: '?', token: '', expiresAt: '' };
  }

  /** One attempt: create the lock file exclusively, or take over an expired one. */
  private async tryLease(owner: string, now: Date, leaseMs: number): Promise<LeaseAttempt> {
    const file = this.path('commit.lock');
    await mkdir(this.dir, { recursive: true });
    const token = randomUUID();
    try {
      const handle = await open(file, 'wx');
      try {
        await handle.writeFile(JSON.stringify({ owner, token, expiresAt: new Date(now.getTime() + leaseMs).toISOString() }), 'utf8');
      } finally {
        await handle.close();
      }
      return {
        acquired: true,
        release: async () => {
          // Remove it only while it is still ours (not taken over after expiring).
          if ((await this.readLease(file))?.token === token) await rm(file, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const current = await this.readLease(file);
    if (!current) return this.tryLease(owner, now, leaseMs); // released in between
    let expiry = Date.parse(current.expiresAt);
    if (Number.isNaN(expiry)) {
      try {
        expiry = (await stat(file)).mtimeMs + leaseMs;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.tryLease(owner, now, leaseMs);
        throw err;
      }
    }
    if (expiry > now.getTime()) return { acquired: false, holder: current.owner, expiresAt: new Date(expiry).toISOString() };
    // Expired: move it aside (atomic, so of two processes taking over only one gets this file),
    // check it is the one judged expired, and try again to create the lock.
    const aside = `${file}.${randomUUID()}.stale`;
    try {
      await rename(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return this.tryLease(owner, now, leaseMs);
      throw err;
    }
    const moved = await this.readLease(aside);
    if (moved?.token !== current.token) {
      // A fresh lock replaced the stale one in between: put it back unless another appeared.
      await link(aside, file).catch(() => undefined);
    }
    await rm(aside, { force: true });
    return this.tryLease(owner, now, leaseMs);
  }

  private outboxPath(runId: string, channel: string): string {
    return this.path('outbox', fileName(runId), `${fileName(channel)}.json`);
  }

  async listOutbox(filter: { runId?: string; status?: OutboxStatus } = {}): Promise<OutboxEntry[]> {
    const runDirs = filter.runId === undefined ? await this.list(this.path('outbox')) : [fileName(filter.runId)];
    const out: OutboxEntry[] = [];
    for (const dir of runDirs) {
      for (const f of (await this.list(this.path('outbox', dir))).filter((n) => n.endsWith('.json'))) {
        const entry = await this.readJson<OutboxEntry>(this.path('outbox', dir, f));
        if (entry && (filter.status === undefined || entry.status === filter.status)) out.push(entry);
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId) || a.channel.localeCompare(b.channel));
  }

  updateOutbox(entry: OutboxEntry): Promise<OutboxEntry> {
    return this.exclusive(() => this.replaceOutbox(entry));
  }

  private async replaceOutbox(entry: OutboxEntry): Promise<OutboxEntry> {
    const file = this.outboxPath(entry.runId, entry.channel);
    const current = await this.readJson<OutboxEntry>(file);
    if (!current) throw new Error(`outbox entry ${entry.runId}/${entry.channel} does not exist in ${this.dir}`);
    if (current.etag !== entry.etag) throw new StoreConflictError(`outbox entry ${entry.runId}/${entry.channel}`);
    const next = { ...entry, etag: randomUUID() };
    await this.writeJson(file, next);
    return next;
  }

  updateRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    return this.exclusive(() => this.replaceRun(runId, change));
  }

  private async replaceRun(runId: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord> {
    const file = this.path('runs', `${fileName(runId)}.json`);
    const stored = await this.readJson<RunRecord & { etag: string }>(file);
    if (!stored) throw new Error(`run ${runId} is not in the store at ${this.dir}`);
    const { etag, ...run } = stored;
    const next = change(run);
    const again = await this.readJson<RunRecord & { etag: string }>(file);
    if (again?.etag !== etag) throw new StoreConflictError(`run ${runId}`);
    await this.writeJson(file, { ...next, etag: randomUUID() });
    return next;
  }
}
