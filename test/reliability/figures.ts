import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Figures measured by the reliability suites, merged into test/reliability/figures.json (one key
 * per suite); docs/reliability.md quotes them with the commands that produced them.
 */
const FILE = join(dirname(fileURLToPath(import.meta.url)), 'figures.json');

/** The figures a suite recorded last, if any (a partial re-run merges its rows into them). */
export async function previousFigures(suite: string): Promise<Record<string, unknown> | undefined> {
  try {
    return (JSON.parse(await readFile(FILE, 'utf8')) as Record<string, Record<string, unknown> | undefined>)[suite];
  } catch {
    return undefined;
  }
}

/**
 * Merges a suite's figures into the file. Suites run two files at a time: the read-merge-write is
 * done under an exclusive lock file (a lock older than 30 s is a crashed writer's and is taken
 * over), and the file is replaced by a rename, so no suite's figures are lost or half written.
 */
export async function recordFigures(suite: string, figures: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(FILE), { recursive: true });
  const lock = `${FILE}.lock`;
  for (let waited = 0; ; waited += 50) {
    try {
      await (await open(lock, 'wx')).close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (waited >= 30_000) {
        await rm(lock, { force: true });
        waited = 0;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    let all: Record<string, unknown> = {};
    try {
      all = JSON.parse(await readFile(FILE, 'utf8')) as Record<string, unknown>;
    } catch {
      // first suite to record
    }
    all[suite] = { ...figures, measuredAt: new Date().toISOString() };
    const tmp = `${FILE}.${String(process.pid)}.tmp`;
    await writeFile(tmp, `${JSON.stringify(all, null, 2)}\n`);
    await rename(tmp, FILE);
  } finally {
    await rm(lock, { force: true });
  }
}
