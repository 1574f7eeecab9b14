/**
 * `airlock rules`, `explain` and `config validate` start fast because they load neither the
 * simulator nor a cloud SDK. A module resolve hook (node:module register) logs every module URL
 * the CLI resolves; the test reads the log. `airlock sim --help` is the control: there the
 * simulator is loaded, so the hook does see it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

const HOOKS = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.AIRLOCK_LOAD_LOG, resolved.url + '\\n');
  return resolved;
}
`;

/** The simulator, and every cloud SDK (Azure management, identity and storage, Google Cloud, AWS). */
const SDK = /\/node_modules\/(@azure\/(arm-|identity|data-tables|storage-)|@google-cloud\/|google-auth-library|google-gax|@aws-sdk\/)/;
const SIM = `${pathToFileURL(root).href.replace(/\/?$/, '/')}sim/`;
const heavy = (url: string): boolean => url.startsWith(SIM) || SDK.test(url);

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-lazy-'));
  await writeFile(path.join(dir, 'hooks.mjs'), HOOKS);
  await writeFile(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI with the hook and returns the exit code and the module URLs it resolved. */
async function loaded(name: string, ...args: string[]): Promise<{ code: number; urls: string[] }> {
  const log = path.join(dir, `${name}.log`);
  await writeFile(log, '');
  const code = await new Promise<number>((resolve) => {
    execFile(process.execPath, ['--import', path.join(dir, 'register.mjs'), path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...process.env, AIRLOCK_LOAD_LOG: log } }, (err) => {
      resolve(err ? (typeof err.code === 'number' ? err.code : 1) : 0);
    });
  });
  return { code, urls: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
}

describe('CLI start-up loads only what the command needs', () => {
  it.each([
    ['rules', ['rules']],
    ['explain', ['explain', 'azure/aks-network-policy']],
    ['config-validate', ['config', 'validate', 'airlock.example.yaml']],
  ])('%s loads no simulator and no cloud SDK', { timeout: 60_000 }, async (name, args) => {
    const { code, urls } = await loaded(name, ...args);
    expect(code).toBe(0);
    expect(urls.some((u) => u.endsWith('/shared/rules/index.ts'))).toBe(true);
    expect(urls.filter(heavy)).toEqual([]);
  });

  it.each([
    ['rules-only', ['rules']],
    ['explain-only', ['explain', 'azure/aks-network-policy']],
  ])('%s loads neither the YAML parser nor the configuration schema (it reads no configuration)', { timeout: 60_000 }, async (name, args) => {
    const { code, urls } = await loaded(name, ...args);
    expect(code).toBe(0);
    expect(urls.filter((u) => /\/node_modules\/(yaml|zod)\//.test(u) || /\/shared\/config\/(load|schema|problems)\.ts$/.test(u))).toEqual([]);
  });

  it('a configuration error is still reported as one (exit 2), though main loads the configuration modules only on demand', { timeout: 60_000 }, async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, 'clouds:\n  azure:\n    subscriptionsPerQuery: 0\n');
    const { code } = await loaded('config-error', 'config', 'validate', bad);
    expect(code).toBe(2);
  });

  it('the hook does see the simulator where a command loads it (sim --help)', { timeout: 60_000 }, async () => {
    const { code, urls } = await loaded('sim', 'sim', '--help');
    expect(code).toBe(0);
    expect(urls.filter(heavy)).toContain(`${SIM}index.ts`);
  });
});
