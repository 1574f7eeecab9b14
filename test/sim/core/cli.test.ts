import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../../bin/airlock.mjs', import.meta.url));
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-sim-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  return { child, exited, out: () => stdout, err: () => stderr };
}

describe('airlock sim', () => {
  it('--truth prints the ground truth as JSON and exits 0', async () => {
    const p = run(['sim', '--scenario', 'hybrid-broken', '--truth']);
    const [code] = await p.exited;
    expect(code).toBe(0);
    const truth = JSON.parse(p.out()) as { ruleId: string; resourceId: string }[];
    expect(truth).toContainEqual({ ruleId: 'audit/stale-exception', resourceId: 'exception:azure/aks-public-fqdn:/subscriptions/*/resourcegroups/legacy-*' });
    expect(truth.every((t) => Object.keys(t).sort().join() === 'resourceId,ruleId')).toBe(true);
  });

  it('an unknown scenario is a usage error (exit 2) naming the known ones', async () => {
    const p = run(['sim', '--scenario', 'no-such-thing']);
    const [code] = await p.exited;
    expect(code).toBe(2);
    expect(p.err()).toContain('conformant');
  });

  it('serves, writes the config, prints endpoints, and stops cleanly on SIGTERM', async () => {
    const config = path.join(dir, 'airlock.yaml');
    const p = run(['sim', '--scenario', 'conformant', '--write-config', config]);
    await new Promise<void>((resolve, reject) => {
      p.child.stdout.on('data', () => {
        if (p.out().includes('\n')) resolve();
      });
      void p.exited.then(() => {
        reject(new Error(`exited early: ${p.err()}`));
      });
    });
    const line = JSON.parse(p.out()) as { azure: string; gcp: string; aws: string; config: string; caFile: string };
    expect(line.config).toBe(config);
    const written = parse(await readFile(config, 'utf8')) as { clouds: { gcp: { projects: string[]; endpoints: { compute: string } } } };
    expect(written.clouds.gcp.endpoints.compute).toBe(line.gcp);
    // The served estate answers for the projects the written config audits.
    for (const project of written.clouds.gcp.projects) {
      const reply = await fetch(`${line.gcp}/compute/v1/projects/${project}/global/networks`, { headers: { connection: 'close' } });
      expect(reply.status).toBe(200);
      await reply.arrayBuffer();
    }
    p.child.kill('SIGTERM');
    const [code] = await p.exited;
    expect(code).toBe(0);
  });
});
