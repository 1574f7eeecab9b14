import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse, stringify } from 'yaml';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * A copy of `configFile` whose store is the Functions' table store (Azurite, `tablePrefix`), so
 * that `airlock report` reads the runs the Functions stored. Returns the new file's path.
 */
export async function cliConfigFor(configFile: string, tablePrefix: string): Promise<string> {
  const doc = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  doc['store'] = { kind: 'table', connectionString: 'env:AzureWebJobsStorage', tablePrefix };
  const out = path.join(path.dirname(configFile), `cli-${tablePrefix}.yaml`);
  await writeFile(out, stringify(doc), 'utf8');
  return out;
}

/** What `airlock report --config <file> --run <id> --format <format>` writes to stdout (the real CLI, in a child process). */
export function cliReport(configFile: string, runId: string, format: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/airlock.mjs'), 'report', '--config', configFile, '--run', runId, '--format', format],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`airlock report --format ${format} failed: ${err.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}
