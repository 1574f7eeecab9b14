import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function airlock(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...env, NO_COLOR: '1' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('airlock CLI output', () => {
  it('--version prints the package version', async () => {
    const { code, stdout } = await airlock(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

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

describe('airlock audit table and JSON on the simulator', () => {
  let sim: Simulator;
  let configFile: string;
  beforeAll(async () => {
    sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: { throttle: { enabled: false } } });
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-table-'));
    ({ configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
      overrides: { exceptions: [{ rule: 'azure/aks-egress-bypass', resource: '*', reason: 'egress firewall arrives with the Q1 network change', expires: '2099-01-31' }] },
    }));
  }, 60_000);
  afterAll(async () => {
    await sim.stop();
  });

  it('groups findings by severity, wraps to the width, gives the fix, and marks excepted findings', async () => {
    const { stdout } = await airlock(['audit', '--config', configFile, '--cloud', 'azure', '--no-publish']);
    const lines = stdout.split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(100);
    const headers = lines.filter((l) => /^(CRITICAL|HIGH|MEDIUM|LOW|INFO) \(\d+\)$/.test(l));
    expect(headers.length).toBeGreaterThanOrEqual(3);
    expect(headers[0]).toMatch(/^CRITICAL/);
    expect(stdout).toMatch(/^ {6}fix: /m);
    expect(stdout).toContain('[excepted]');
    expect(stdout).toContain('excepted until 2099-01-31: egress firewall arrives with the Q1 network change');
    // The denied subscription is summarised once per scope, not once per rule.
    const undecided = stdout.slice(stdout.indexOf('Could not decide:')).replace(/\s+/g, ' ');
    expect(undecided).toMatch(/rule\(s\) could not decide — .+ unreadable/);
  }, 120_000);

  it('JSON carries each finding\'s state and exception', async () => {
    const { stdout } = await airlock(['audit', '--config', configFile, '--cloud', 'azure', '--no-publish', '--format', 'json']);
    const run = JSON.parse(stdout) as { findings: { ruleId: string; state: string; exception?: { reason: string; expires: string } }[] };
    const egress = run.findings.filter((f) => f.ruleId === 'azure/aks-egress-bypass');
    expect(egress.length).toBeGreaterThan(0);
    for (const f of egress) expect(f).toMatchObject({ state: 'excepted', exception: { expires: '2099-01-31' } });
    expect(run.findings.filter((f) => f.ruleId !== 'azure/aks-egress-bypass').every((f) => f.state === 'open')).toBe(true);
  }, 120_000);
});
