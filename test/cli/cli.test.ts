import { execFile } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function airlock(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('airlock CLI', () => {
  it('lists rules as JSON with id, title, severity and cloud', async () => {
    const { code, stdout } = await airlock('rules', '--format', 'json');
    expect(code).toBe(0);
    const rules = JSON.parse(stdout) as { id: string; title: string; severity: string; cloud: string }[];
    expect(rules.map((r) => r.id)).toContain('audit/scope-unreadable');
    for (const r of rules) expect(Object.keys(r)).toEqual(expect.arrayContaining(['id', 'title', 'severity', 'cloud']));
  });

  it('explains a rule with its risk and remediation', async () => {
    const { code, stdout } = await airlock('explain', 'audit/scope-unreadable');
    expect(code).toBe(0);
    expect(stdout).toMatch(/Risk: .+/);
    expect(stdout).toMatch(/Remediation: .+az role assignment create/);
  });

  it('exits 2 on an unknown rule and on an unknown option', async () => {
    expect((await airlock('explain', 'azure/nope')).code).toBe(2);
    expect((await airlock('rules', '--colour')).code).toBe(2);
  });

  it('reports all three mistakes of a bad configuration and exits 2', async () => {
    const { code, stderr } = await airlock('config', 'validate', 'test/fixtures/config/three-mistakes.yaml');
    expect(code).toBe(2);
    expect(stderr).toContain('3 problem(s)');
    expect(stderr).toContain('three-mistakes.yaml:4:9  clouds.azure.subscriptions.0: expected a subscription GUID, got "not-a-guid"');
    expect(stderr).toContain('onPrem.ranges.0');
    expect(stderr).toContain('exceptions.0.expires');
  });

  it('audits: JSON on stdout, progress on stderr, exit 3 when a scope could not be read', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-cli-'));
    const file = path.join(dir, 'airlock.yaml');
    // The AWS endpoint is a closed local port, so the account-region cannot be read: the run must say so.
    await writeFile(file, 'clouds:\n  aws:\n    accounts: ["111122223333"]\n    regions: [eu-west-1]\n    credential: simulator\n    endpoint: http://127.0.0.1:9\nstore:\n  kind: file\n  path: state\n');
    const { code, stdout, stderr } = await airlock('audit', '--config', file, '--format', 'json', '--cloud', 'aws');
    expect(code).toBe(3);
    const run = JSON.parse(stdout) as { complete: boolean; clouds: string[]; coverage: { scopes: { complete: boolean }[] } };
    expect(run.complete).toBe(false);
    expect(run.clouds).toEqual(['aws']);
    expect(run.coverage.scopes).toHaveLength(1);
    expect(stderr).toContain('audit incomplete');
    // The run was recorded in the file store next to the configuration.
    expect((await readdir(path.join(dir, 'state'))).length).toBeGreaterThan(0);
  }, 120_000);

  it('exits 2 for a bad --fail-on and a missing config file', async () => {
    expect((await airlock('audit', '--config', 'airlock.example.yaml', '--fail-on', 'severe')).code).toBe(2);
    const missing = await airlock('audit', '--config', 'nope.yaml');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.yaml');
  });
});
