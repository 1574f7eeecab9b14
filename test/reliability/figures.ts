import { mkdir, readFile, writeFile } from 'node:fs/promises';
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

export async function recordFigures(suite: string, figures: Record<string, unknown>): Promise<void> {
  await mkdir(dirname(FILE), { recursive: true });
  let all: Record<string, unknown> = {};
  try {
    all = JSON.parse(await readFile(FILE, 'utf8')) as Record<string, unknown>;
  } catch {
    // first suite to record
  }
  all[suite] = { ...figures, measuredAt: new Date().toISOString() };
  await writeFile(FILE, `${JSON.stringify(all, null, 2)}\n`);
}
