import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { airlock } from './run-cli.js';

/**
 * The CLI's error when no Azure credential can get a token. The credential chain retries the
 * managed-identity endpoint with backoff before it gives up (about 20 s), so this runs in
 * `npm run test:long`; the rest of the CLI output: output.test.ts.
 */

describe('airlock CLI output', () => {
  it('with no Azure credential at all: one clear error naming what to do, exit 2, no report', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-cred-'));
    const file = path.join(dir, 'airlock.yaml');
    await writeFile(file, 'clouds:\n  azure:\n    subscriptions: ["5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01", "7c1f3d2b-9e4a-4b7c-8d3f-0a1b2c3d4e02"]\nstore:\n  kind: file\n  path: state\n');
    // No service principal, no CLI login; the managed-identity endpoint is a closed local port
    // (as in a Function App without an identity), so nothing leaves this machine.
    const env: NodeJS.ProcessEnv = { PATH: '/usr/bin:/bin', HOME: dir, IDENTITY_ENDPOINT: 'http://127.0.0.1:9/msi/token', IDENTITY_HEADER: 'x' };
    const { code, stdout, stderr } = await airlock(['audit', '--config', file, '--no-publish'], env);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.match(/no credential could get a token/g)).toHaveLength(1);
    expect(stderr).toContain('az login');
    expect(stderr).toMatch(/managed identity/i);
    expect(stderr).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace
  }, 120_000);
});
