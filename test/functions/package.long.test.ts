import { execFile } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The Function App ships dist/ with production dependencies only: the built entry must load from
 * the build output and the production dependency tree alone. A full `npm run build` (tens of
 * seconds), so it runs in `npm run test:long`; the import checks are in package.test.ts.
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };

describe('the deployed app', () => {
  const work: string[] = [];
  afterAll(async () => {
    for (const dir of work) await rm(dir, { recursive: true, force: true });
  });

  it('loads the built functions entry from the build output and production dependencies alone', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-pkg-'));
    work.push(dir);
    // `npm run build`, into a directory of its own (the checkout's dist/ is left alone).
    const outDir = path.join(dir, 'dist');
    const build = await run('npm', ['run', 'build', '--', '--outDir', outDir], { cwd: ROOT }).catch((err: unknown) => err as { stdout: string; stderr: string });
    const entry = path.join(outDir, 'functions', 'airlock.js');
    expect(existsSync(entry), `build output missing: ${build.stdout}${build.stderr}`).toBe(true);
    // The app does not need the simulator: remove it from the output before loading.
    await rm(path.join(outDir, 'sim'), { recursive: true, force: true });
    await rm(path.join(outDir, 'test'), { recursive: true, force: true });

    // node_modules holding only the production tree (npm's own view of it), linked in.
    const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 }).catch((err: unknown) => err as { stdout: string });
    const top = path.join(ROOT, 'node_modules') + path.sep;
    const names = stdout
      .split('\n')
      .filter((p) => p.startsWith(top))
      .map((p) => p.slice(top.length))
      .filter((rel) => !rel.includes(`${path.sep}node_modules${path.sep}`) && statSync(path.join(top, rel)).isDirectory());
    const prod = new Set(names.map((n) => n.split(path.sep).join('/')));
    expect(prod.has('@azure/functions')).toBe(true);
    expect(prod.has('tsx')).toBe(false);
    expect(prod.has('selfsigned')).toBe(false);
    for (const name of prod) {
      const target = path.join(dir, 'node_modules', name);
      await mkdir(path.dirname(target), { recursive: true });
      await symlink(path.join(top, name), target, 'dir');
    }
    await writeFile(path.join(dir, 'package.json'), JSON.stringify({ type: 'module', main: pkg.main, dependencies: pkg.dependencies }));
    const probe = path.join(dir, 'probe.mjs');
    await writeFile(
      probe,
      `const m = await import(${JSON.stringify(new URL(`file://${entry}`).href)});\nconsole.log(JSON.stringify(Object.keys(m).sort()));\n`,
    );
    // --preserve-symlinks: packages resolve their own imports inside this node_modules, never the checkout's.
    const loaded = await run(process.execPath, ['--preserve-symlinks', '--preserve-symlinks-main', probe], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' } });
    const exports = JSON.parse(loaded.stdout.trim().split('\n').at(-1) ?? '[]') as string[];
    expect(exports).toEqual(expect.arrayContaining(['auditTimer', 'shardWorker', 'shardPoison', 'finalizeWorker', 'startAudit', 'auditStatus', 'listFindings']));
  }, 240_000);
});
