import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNT, freePort, startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';

/**
 * A table store the CLI cannot use (nothing listening, a wrong account key) is a store error:
 * exit 4 and one line naming the store, its endpoint (scrubbed), what failed and what to check;
 * never exit 70 with an SDK error, never the key.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
/** A key of the right shape that is not the account's (base64 of 64 bytes). */
const WRONG_KEY = Buffer.from('SENTINELwrongKEY'.repeat(4)).toString('base64');

function airlock(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // No cloud credential; the managed-identity endpoint is a closed local port, so nothing leaves this machine.
    const base = { PATH: '/usr/bin:/bin', HOME: dir, NO_COLOR: '1', IDENTITY_ENDPOINT: 'http://127.0.0.1:9/msi/token', IDENTITY_HEADER: 'x' };
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...base, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

let dir = '';
let config = '';
let azurite: AzuriteTable | undefined;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-store-err-'));
  config = path.join(dir, 'airlock.yaml');
  await writeFile(config, 'clouds:\n  azure:\n    subscriptions: ["5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01"]\nstore:\n  kind: table\n  connectionString: env:STORE_CONNECTION\n');
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
  await rm(dir, { recursive: true, force: true });
});

const connection = (port: number, key: string): string => `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${key};TableEndpoint=http://127.0.0.1:${String(port)}/${ACCOUNT};`;

/** The one line a store error prints, checked for what every store error must say. */
function storeLine(r: { code: number; stdout: string; stderr: string }, port: number): string {
  expect(r.code, r.stderr).toBe(4);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  const line = lines[0] ?? '';
  expect(line).toMatch(/^airlock: table store at http:\/\/127\.0\.0\.1:\d+/);
  expect(line).toContain(`127.0.0.1:${String(port)}`);
  expect(line).toContain('(tables airlockRuns, airlockFindings, airlockEvents, airlockOutbox)');
  expect(line).toMatch(/; check /);
  expect(line).not.toContain(WRONG_KEY);
  expect(line).not.toMatch(/RestError|\(--verbose shows where\)/);
  return line;
}

describe('airlock: a table store that cannot be used', () => {
  it('nothing listening on the endpoint: exit 4, "could not connect", check the endpoint', async () => {
    const port = await freePort();
    const r = await airlock(['audit', '--config', config], { STORE_CONNECTION: connection(port, WRONG_KEY) });
    const line = storeLine(r, port);
    expect(line).toContain('could not connect (ECONNREFUSED');
    expect(line).toContain('TableEndpoint');
  }, 120_000);

  it('a wrong account key: exit 4, "refused the credentials", check the key', async () => {
    if (!azurite) throw new Error('Azurite did not start');
    const r = await airlock(['audit', '--config', config], { STORE_CONNECTION: connection(azurite.port, WRONG_KEY) });
    const line = storeLine(r, azurite.port);
    expect(line).toMatch(/refused the credentials \(HTTP 403/);
    expect(line).toContain('AccountKey');
  }, 120_000);

  it('a connection string that is not one: exit 4, its text not shown', async () => {
    const r = await airlock(['audit', '--config', config], { STORE_CONNECTION: `AccountKey=${WRONG_KEY};garbage` });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^airlock: table store at the endpoint of its connection string: the connection string could not be read.*; check the store connection string \(store\.connectionString\)/);
    expect(r.stderr).not.toContain(WRONG_KEY);
  }, 120_000);
});

describe('airlock: a file store that fails after it was opened', () => {
  it('its directory replaced by a file: exit 4, one line naming the store, the step, what failed and what to check', async () => {
    const state = path.join(dir, 'state');
    await writeFile(state, 'not a directory');
    const fileConfig = path.join(dir, 'file-store.yaml');
    await writeFile(fileConfig, 'clouds:\n  azure:\n    subscriptions: ["5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01"]\nstore:\n  kind: file\n  path: ./state\n');
    const r = await airlock(['report', '--latest', '--config', fileConfig], {});
    expect(r.code, r.stderr).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`airlock: file store at ${state}: listing runs: ENOTDIR: not a directory, scandir '${path.join(state, 'runs')}'; check that ${state} (store.path) is a directory`);
  }, 120_000);
});
