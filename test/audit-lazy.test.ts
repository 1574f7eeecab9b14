/**
 * A run loads the collector (and the SDK) of each cloud it audits, and no other: planning a
 * GCP-only configuration through the default collectors leaves the Azure and AWS collectors and
 * their SDKs unloaded. A module resolve hook (node:module register) logs every module URL the
 * child process resolves.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-audit-lazy-'));
  await writeFile(
    path.join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';\nexport async function resolve(specifier, context, next) {\n  const resolved = await next(specifier, context);\n  appendFileSync(process.env.AIRLOCK_LOAD_LOG, resolved.url + '\\n');\n  return resolved;\n}\n`,
  );
  await writeFile(path.join(dir, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(path.join(dir, 'hooks.mjs')).href)});\n`);
  const module = (p: string): string => JSON.stringify(pathToFileURL(path.join(root, p)).href);
  await writeFile(
    path.join(dir, 'plan.mts'),
    [
      `const { planAudit } = await import(${module('shared/audit.ts')});`,
      `const { validateConfig } = await import(${module('shared/config/load.ts')});`,
      // Named projects only: planning makes no call, so no endpoint is ever reached.
      `const config = validateConfig({ clouds: { gcp: { projects: ['lazy-a', 'lazy-b'], credential: 'simulator', endpoints: { compute: 'http://127.0.0.1:9' } } }, store: { kind: 'file', path: '.airlock/unused' } }, 'lazy.yaml');`,
      `const plan = await planAudit(config);`,
      `process.stdout.write(JSON.stringify({ clouds: plan.clouds, shards: plan.shards.length }));`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('planning a GCP-only run loads the GCP collector and neither the Azure nor the AWS collector or SDK', { timeout: 60_000 }, async () => {
  const log = path.join(dir, 'load.log');
  await writeFile(log, '');
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', '--import', path.join(dir, 'register.mjs'), path.join(dir, 'plan.mts')], { cwd: root, env: { ...process.env, AIRLOCK_LOAD_LOG: log } }, (err, out, errOut) => {
      if (err) reject(new Error(`the planning child failed: ${err.message}\n${errOut}`));
      else resolve(out);
    });
  });
  // The per-project path: one shard per project (shardSize, asked after planning loaded the collector).
  expect(JSON.parse(stdout)).toEqual({ clouds: ['gcp'], shards: 2 });
  const urls = (await readFile(log, 'utf8')).split('\n').filter(Boolean);
  expect(urls.some((u) => u.endsWith('/shared/collect/gcp/index.ts'))).toBe(true);
  expect(urls.filter((u) => /\/shared\/collect\/(azure|aws)\//.test(u))).toEqual([]);
  expect(urls.filter((u) => /\/node_modules\/(@aws-sdk\/|@azure\/arm-|@google-cloud\/|google-gax)/.test(u))).toEqual([]);
});
