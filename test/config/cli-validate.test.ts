import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function validate(file: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), 'config', 'validate', file], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('airlock config validate', () => {
  it('gives one line, exit 2, for a missing file and for a directory', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-validate-'));
    for (const [file, reason] of [
      [path.join(dir, 'nope.yaml'), 'does not exist'],
      [dir, 'is a directory'],
    ] as const) {
      const { code, stderr } = await validate(file);
      expect(code).toBe(2);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toContain(reason);
      expect(stderr).not.toMatch(/ENOENT|EISDIR|\n\s+at /);
    }
  });
});
