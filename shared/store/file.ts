import { randomUUID } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FindingState, FindingStatus, VersionedFindingState } from '../drift/index.js';
import type { ScopeKey } from '../model/scope.js';
import { leaseSettings, ownerIsGone, runUnderLease, type LeaseAttempt } from './lease.js';
import { redact } from '../util/redact.js';
import { fitVersionedState } from './limits.js';
import { JOURNALLED, OUTBOX_LEFT, StoreConflictError, StoreError, type CommitLeaseOptions, type DriftEvent, type FindingStore, type OutboxEntry, type OutboxStatus, type RunCommit, type RunRecord } from './types.js';

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

/** A failure of the file system (an errno error), not a bug of ours nor a conflict. */
function isFsFailure(err: unknown): err is NodeJS.ErrnoException {
  const e = err as NodeJS.ErrnoException | undefined;
  return e instanceof Error && typeof e.code === 'string' && typeof e.syscall === 'string';
}

/** What to check for an errno code, about the store directory `dir`. */
function fsCheck(code: string, dir: string): string {
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') return `that ${dir} and everything in it can be written by this user and the file system is not mounted read-only`;
  if (code === 'ENOSPC' || code === 'EDQUOT') return `the free space (and quota) of the disk holding ${dir}`;
  if (code === 'ENOTDIR' || code === 'EISDIR' || code === 'ENOENT') return `that ${dir} (store.path) is a directory and that nothing replaced it or a directory inside it with a file`;
  if (code === 'EMFILE' || code === 'ENFILE') return 'the open-file limit of this process (ulimit -n)';
  return `that ${dir} (store.path) is a readable, writable directory on a working disk`;
}

/** What a commit that failed before its journal was renamed into place leaves behind. */
const notCommitted = (runId: string): string => `run ${runId} is not committed (nothing of it was written) and is audited again by the next run`;

/** The steps of a commit, in order (docs/reliability.md); a test hook may stop the process at any. */
export type CommitStep = 'lease-acquired' | 'journal-written' | 'events-written' | 'outbox-written' | 'findings-written' | 'run-written' | 'journal-removed' | 'findings-tmp-written';

export interface FileStoreOptions {
  /** Called at each commit step (crash tests kill the process there); never set in production. */
  onStep?: (step: CommitStep) => void | Promise<void>;
}

/** A temporary file left by a process that is gone may be removed after this long regardless. */
const STALE_TMP_MS = 60 * 60 * 1000;

interface LeaseFile {
  owner: string;
  token: string;
  expiresAt: string;
  host?: string;
  pid?: number;
}

/**
 * The CLI's store: one directory of JSON files. Every write goes to a temporary file that is
 * renamed over the target, so a crash leaves the old or the new file, never half of one.
 * Meant for one process at a time (a laptop); the ETag checks catch, not prevent, a second writer.
 * The commit lease (`commit.lock`, created exclusively) keeps two publishing processes from
 * reconciling at once.
 *
 * A commit is made durable in one step: the whole commit (run record, states, events, outbox) is
 * written to `journal/<run>.json` first, then applied file by file, then the journal is removed.
 * Whoever takes the commit lease next replays any journal left behind (applying is idempotent)
 * and removes temporary files of dead processes, so a kill at any point leaves either no trace of
 * the run or the whole run, with its outbox entries under their original idempotency keys.
 */
export class FileFindingStore implements FindingStore {
  constructor(
    readonly dir: string,
    private readonly options: FileStoreOptions = {},
  ) {}

  private async step(name: CommitStep): Promise<void> {
    await this.options.onStep?.(name);
  }

  /**
   * Runs one step of the store; a file-system failure becomes a StoreError naming the step and
   * what the failure left behind (errors of our own, conflicts and StoreErrors pass unchanged).
   */
  private async guard<T>(during: string, fn: () => Promise<T>, outcome?: string): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isFsFailure(err)) throw err;
      const dir = redact(this.dir);
      // Node's message names the code, the call and the file: "EACCES: permission denied, open '…'".
      const failed = redact(err.message.split('\n')[0] ?? '').slice(0, 300);
      throw new StoreError('file store', dir, failed, fsCheck(err.code ?? '', dir), { cause: err, during, ...(outcome === undefined ? {} : { outcome }) });
    }
  }

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

  private async writeJson(file: string, value: unknown, tmpStep?: CommitStep): Promise<void> {
    await mkdir(join(file, '..'), { recursive: true });
    const tmp = `${file}.${String(process.pid)}.${randomUUID()}.tmp`;
    try {
      // Every stored entity is scrubbed of registered secrets (a receiver's echoed error, a note).
      await writeFile(tmp, redact(`${JSON.stringify(value, null, 1)}\n`), 'utf8');
      if (tmpStep) await this.step(tmpStep);
      await rename(tmp, file);
    } catch (err) {
      // The write's error is the one to report, not a failure to tidy up after it (a directory gone).
      await rm(tmp, { force: true }).catch(() => undefined);
      throw err;
    }
  }

  private async findingsFile(): Promise<Record<string, VersionedFindingState>> {
    return (await this.readJson<Record<string, VersionedFindingState>>(this.path('findings.json'))) ?? {};
  }

  async loadFindingStates(): Promise<VersionedFindingState[]> {
    return Object.values(await this.guard('reading finding states', () => this.findingsFile(), 'nothing was written'));
  }

  async listFindingStates(filter: { scope?: ScopeKey; status?: FindingStatus } = {}): Promise<FindingState[]> {
    return (await this.loadFindingStates())
      .map((v) => v.state)
      .filter((s) => (filter.scope === undefined || s.finding.scope === filter.scope) && (filter.status === undefined || s.status === filter.status));
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const stored = await this.guard(`reading run ${runId}`, () => this.readJson<RunRecord & { etag?: string }>(this.path('runs', `${fileName(runId)}.json`)));
    if (!stored) return undefined;
    delete stored.etag;
    return stored;
  }

  async listRuns(limit = 50): Promise<RunRecord[]> {
    const files = await this.guard('listing runs', () => this.list(this.path('runs')));
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
    return (await this.guard(`reading the events of run ${runId}`, () => this.readJson<DriftEvent[]>(this.path('events', `${fileName(runId)}.json`)))) ?? [];
  }

  async getReport(runId: string): Promise<string | undefined> {
    return this.guard(`reading the report of run ${runId}`, () => this.readJson<string>(this.path('reports', `${fileName(runId)}.json`)));
  }

  private journalPath(runId: string): string {
    return this.path('journal', `${fileName(runId)}.json`);
  }

  async commitRun(commit: RunCommit): Promise<{ committed: boolean }> {
    const runId = commit.run.id;
    if (await this.getRun(runId)) return { committed: false };
    const journal = this.journalPath(runId);
    // A journal of this run is an earlier attempt that reached its commit point: finish that one.
    const earlier = await this.guard(`reading the journal of run ${runId}`, () => this.readJson<RunCommit>(journal), `run ${runId} is not committed; the next run audits again`);
    if (earlier) {
      await this.guard(`completing the journalled commit of run ${runId}`, () => this.applyJournal(earlier), JOURNALLED);
      return { committed: false };
    }
    // The commit point: once the journal is on disk the run happens, whatever stops the process.
    // It is written to a temporary file renamed into place: a failure before the rename leaves nothing.
    await this.guard(`writing the journal of run ${runId}`, () => this.writeJson(journal, commit), notCommitted(runId));
    await this.step('journal-written');
    await this.guard(`applying the journalled commit of run ${runId}`, () => this.applyJournal(commit), JOURNALLED);
    return { committed: true };
  }

  /** Applies a journalled commit (idempotent): events, outbox, states, run record, then drops the journal. */
  private async applyJournal(commit: RunCommit): Promise<void> {
    const runId = commit.run.id;
    await this.writeJson(this.path('events', `${fileName(runId)}.json`), commit.events);
    await this.step('events-written');
    if (commit.report !== undefined) await this.writeJson(this.path('reports', `${fileName(runId)}.json`), commit.report);
    for (const entry of commit.outbox) {
      const file = this.outboxPath(entry.runId, entry.channel);
      // An existing entry keeps its delivery status (and its key): it may already be delivered.
      if (await this.readJson<OutboxEntry>(file)) continue;
      await this.writeJson(file, { ...entry, etag: randomUUID() });
      await this.step('outbox-written');
    }
    const findings = await this.findingsFile();
    // Same limits as the table store, so both hold the same data.
    for (const v of commit.states) findings[v.state.fingerprint] = fitVersionedState(v);
    await this.writeJson(this.path('findings.json'), findings, 'findings-tmp-written');
    await this.step('findings-written');
    const runFile = this.path('runs', `${fileName(runId)}.json`);
    if (!(await this.readJson<RunRecord>(runFile))) await this.writeJson(runFile, { ...commit.run, etag: randomUUID() });
    await this.step('run-written');
    await rm(this.journalPath(runId), { force: true });
    await this.step('journal-removed');
  }

  /**
   * Recovery, run by whoever holds the commit lease before it commits: replays the journals of
   * commits a crash interrupted (oldest first) and removes temporary files their writers left.
   */
  private async recover(): Promise<void> {
    const commits = await this.guard(
      'reading the journal (recovery)',
      async () => {
        const journals = (await this.list(this.path('journal'))).filter((n) => n.endsWith('.json'));
        const out: RunCommit[] = [];
        for (const f of journals) {
          const c = await this.readJson<RunCommit>(this.path('journal', f));
          if (c) out.push(c);
        }
        return out;
      },
      'nothing was written',
    );
    for (const c of commits.sort((a, b) => a.run.finishedAt.localeCompare(b.run.finishedAt) || a.run.id.localeCompare(b.run.id))) {
      await this.guard(`completing the journalled commit of run ${c.run.id} (left by an earlier run)`, () => this.applyJournal(c), JOURNALLED);
    }
    await this.guard('removing temporary files of earlier runs', () => this.removeStrayTmp(this.dir), 'no commit is affected; the next run removes them');
  }

  /** `*.tmp` files whose writer is gone (same host, pid not alive) or that are older than an hour. */
  private async removeStrayTmp(dir: string): Promise<void> {
    let names: Dirent[];
    try {
      names = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const d of names) {
      const full = join(dir, d.name);
      if (d.isDirectory()) {
        await this.removeStrayTmp(full);
        continue;
      }
      const m = /\.(\d+)\.[0-9a-f-]{36}\.tmp$/.exec(d.name);
      if (!m) continue;
      const pid = Number(m[1]);
      let old: boolean;
      try {
        old = Date.now() - (await stat(full)).mtimeMs > STALE_TMP_MS;
      } catch {
        continue;
      }
      if (old || (pid !== process.pid && ownerIsGone({ host: hostname(), pid }))) await rm(full, { force: true });
    }
  }

  withCommitLease<T>(owner: string, fn: () => Promise<T>, options?: CommitLeaseOptions): Promise<T> {
    const settings = leaseSettings(options);
    const attempt = (): Promise<LeaseAttempt> => this.guard('taking the commit lease', () => this.tryLease(owner, settings.now(), settings.leaseMs), 'nothing was written');
    return runUnderLease(owner, `store ${this.dir}`, settings, attempt, async () => {
      await this.step('lease-acquired');
      await this.recover();
      return fn();
    });
  }

  private async readLease(file: string): Promise<LeaseFile | undefined> {
    const text = await readTextIfExists(file);
    if (text === undefined) return undefined;
    try {
      const v = JSON.parse(text) as { owner?: unknown; token?: unknown; expiresAt?: unknown; host?: unknown; pid?: unknown };
      if (typeof v.owner === 'string' && typeof v.token === 'string' && typeof v.expiresAt === 'string') {
        return { owner: v.owner, token: v.token, expiresAt: v.expiresAt, ...(typeof v.host === 'string' ? { host: v.host } : {}), ...(typeof v.pid === 'number' ? { pid: v.pid } : {}) };
      }
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
        const lease: LeaseFile = { owner, token, expiresAt: new Date(now.getTime() + leaseMs).toISOString(), host: hostname(), pid: process.pid };
        await handle.writeFile(JSON.stringify(lease), 'utf8');
      } finally {
        await handle.close();
      }
      return {
        acquired: true,
        release: () =>
          this.guard(
            'releasing the commit lease',
            async () => {
              // Remove it only while it is still ours (not taken over after expiring).
              if ((await this.readLease(file))?.token === token) await rm(file, { force: true });
            },
            `the run is stored; the lease (${file}) lapses after ${String(leaseMs)} ms, or at once once this process has exited, and the next run takes it over then`,
          ),
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
    // A holder that is provably gone (this host, its pid no longer alive) is taken over at once.
    if (expiry > now.getTime() && !ownerIsGone(current)) return { acquired: false, holder: current.owner, expiresAt: new Date(expiry).toISOString() };
    // Expired or abandoned: move it aside (atomic, so of two processes taking over only one gets this file),
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
    const listed = (dir: string): Promise<string[]> => this.guard('reading the outbox', () => this.list(dir), 'what is pending is delivered by the next run');
    const runDirs = filter.runId === undefined ? await listed(this.path('outbox')) : [fileName(filter.runId)];
    const out: OutboxEntry[] = [];
    for (const dir of runDirs) {
      for (const f of (await listed(this.path('outbox', dir))).filter((n) => n.endsWith('.json'))) {
        const entry = await this.guard('reading the outbox', () => this.readJson<OutboxEntry>(this.path('outbox', dir, f)), 'what is pending is delivered by the next run');
        if (entry && (filter.status === undefined || entry.status === filter.status)) out.push(entry);
      }
    }
    return out.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.runId.localeCompare(b.runId) || a.channel.localeCompare(b.channel));
  }

  updateOutbox(entry: OutboxEntry): Promise<OutboxEntry> {
    const during = `recording the delivery state of run ${entry.runId} to channel ${entry.channel}`;
    return this.exclusive(() => this.guard(during, () => this.replaceOutbox(entry), OUTBOX_LEFT));
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
    return this.exclusive(() => this.guard(`updating the record of run ${runId}`, () => this.replaceRun(runId, change)));
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
