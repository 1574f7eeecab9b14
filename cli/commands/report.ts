import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfigFile } from '../../shared/config/load.js';
import { EXIT, UsageError } from '../output.js';
import { productVersion } from '../../shared/report/version.js';

const FORMATS = ['json', 'jsonl', 'csv', 'markdown', 'html', 'ocsf'] as const;

/** The --format value, checked against what the command can render. */
export function parseFormat<T extends string>(text: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--format: expected one of ${allowed.join(', ')}, got "${text}"`);
  return text as T;
}

/** Writes the rendered report to --out (creating its directory) or to stdout. */
export async function writeOutput(text: string, out: string | undefined): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (out === undefined) {
    process.stdout.write(body);
    return;
  }
  await mkdir(path.dirname(path.resolve(out)), { recursive: true });
  await writeFile(out, body, 'utf8');
  process.stderr.write(`wrote ${out}\n`);
}

interface ReportOptions {
  config: string;
  run?: string;
  latest?: boolean;
  format: string;
  out?: string;
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('render a stored run again, from the store only (no cloud is called)')
    .requiredOption('--config <file>', 'path to airlock.yaml (for the store)')
    .option('--run <id>', 'the run to render')
    .option('--latest', 'the newest stored run')
    .option('--format <format>', FORMATS.join(', '), 'html')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (opts: ReportOptions) => {
      const format = parseFormat(opts.format, FORMATS);
      if ((opts.run === undefined) === (opts.latest !== true)) throw new UsageError('give either --run <id> or --latest');
      const config = await loadConfigFile(opts.config);
      const [{ openStore }, { decodeSnapshot }, { renderReport }] = await Promise.all([import('../../shared/store/index.js'), import('../../shared/report/snapshot.js'), import('../../shared/report/index.js')]);
      const store = await openStore(config.store, { env: process.env, cwd: path.dirname(path.resolve(opts.config)) });
      const runId = opts.run ?? (await store.listRuns(1))[0]?.id;
      if (runId === undefined) throw new UsageError('the store holds no run yet: run `airlock audit` first');
      if (!(await store.getRun(runId))) throw new UsageError(`run ${runId} is not in the store`);
      const stored = await store.getReport?.(runId);
      if (stored === undefined) {
        process.stderr.write(`airlock: run ${runId} was stored without a report snapshot (recorded before reports kept one); re-run the audit\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const snapshot = decodeSnapshot(stored);
      await writeOutput(renderReport(format, snapshot.document, snapshot.topology, await productVersion()), opts.out);
    });
}
