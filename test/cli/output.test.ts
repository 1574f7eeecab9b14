import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { airlock } from './run-cli.js';

/**
 * What `airlock` prints: its version, and an audit of the simulator as a table and as JSON. The
 * error when no Azure credential can get a token (the credential chain's retries take about 20 s):
 * output.long.test.ts.
 */

describe('airlock CLI output', () => {
  it('--version prints the package version', async () => {
    const { code, stdout } = await airlock(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
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
