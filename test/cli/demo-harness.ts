import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `airlock demo` as a child process, watched for what it starts and leaves behind (Linux /proc). */

export const root = fileURLToPath(new URL('../../', import.meta.url));

export interface DemoChild {
  child: ChildProcess;
  /** Everything written on stdout so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout has a line matching `pattern` (rejects if the child exits first). */
  waitFor(pattern: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process that has been a descendant of the demo while it was watched. */
  descendants(): Set<number>;
}

function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
    const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendantsOf(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = parentOf(Number(entry));
    if (ppid !== undefined) parents.set(Number(entry), ppid);
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() ?? 0;
    for (const [child, parent] of parents) {
      if (parent === p) {
        out.push(child);
        queue.push(child);
      }
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The pids still running after up to `ms`: a helper such as tsx's esbuild service notices its
 * parent is gone only when its pipe closes, a moment after the parent exits.
 */
export async function stillRunning(pids: Iterable<number>, ms = 10_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  let left = [...pids].filter(alive);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = left.filter(alive);
  }
  return left;
}

/** True when nothing accepts connections on 127.0.0.1:port. */
export function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => {
      resolve(true);
    });
  });
}

/** The 127.0.0.1 ports the demo says it listens on (simulator, Azurite, receiver). */
export function portsIn(stdout: string): number[] {
  const start = stdout.indexOf('Starting');
  const block = stdout.slice(start, stdout.indexOf('\n\n', start));
  return [...block.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

/** Starts `node <args>` in the repository (no npx: it would not pass signals on). */
export function startDemo(args: readonly string[], children: Set<ChildProcess>): DemoChild {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  const seen = new Set<number>();
  const watch = setInterval(() => {
    if (child.pid !== undefined && child.exitCode === null) for (const p of descendantsOf(child.pid)) seen.add(p);
  }, 100);
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      clearInterval(watch);
      children.delete(child);
      resolve({ code, signal });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    descendants: () => seen,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = (): boolean => {
          const line = out.split('\n').find((l) => pattern.test(l));
          if (line === undefined) return false;
          resolve(line);
          return true;
        };
        if (check()) return;
        const onData = () => {
          if (check()) child.stdout.off('data', onData);
        };
        child.stdout.on('data', onData);
        void exited.then(() => {
          if (!check()) reject(new Error(`demo exited before printing ${String(pattern)}\nstdout:\n${out}\nstderr:\n${err}`));
        });
      }),
  };
}

export const demoBin = path.join(root, 'bin/airlock.mjs');
