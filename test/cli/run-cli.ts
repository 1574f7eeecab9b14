import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bin/airlock.mjs` as a child process (no colour), for the CLI output tests (output.test.ts, output.long.test.ts). */

const root = fileURLToPath(new URL('../../', import.meta.url));

export function airlock(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...env, NO_COLOR: '1' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

