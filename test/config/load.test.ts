import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { applyEnvOverrides, ConfigError, loadConfigFile, loadConfigFromEnv, parseConfigText } from '../../shared/config/load.js';
import { resolveSecret } from '../../shared/config/secrets.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function problemsOf(fn: () => unknown): ConfigError['problems'] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration', () => {
  it('loads the example file with defaults filled in', async () => {
    const config = await loadConfigFile(`${root}airlock.example.yaml`);
    expect(config.clouds.azure?.inventorySource).toBe('resource-graph');
    expect(config.clouds.azure?.subscriptionsPerQuery).toBe(1000);
    expect(config.onPrem.ranges).toEqual(['10.10.0.0/16', '172.20.0.0/14']);
    expect(config.notifications[0]?.mode).toBe('changes');
    expect(config.store).toEqual({ kind: 'file', path: '.airlock/state' });
  });

  it('reports every problem with file, line, path, expected and got', async () => {
    const err = await loadConfigFile(`${root}test/fixtures/config/three-mistakes.yaml`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems;
    expect(problems.map((p) => [p.path, p.line, p.got])).toEqual([
      ['clouds.azure.subscriptions.0', 4, '"not-a-guid"'],
      ['onPrem.ranges.0', 6, '"10.10.0.0/33"'],
      ['exceptions.0.expires', 11, '"next year"'],
    ]);
    expect(problems[0]?.expected).toContain('GUID');
    expect(problems[0]?.file).toMatch(/three-mistakes\.yaml$/);
  });

  it('names unknown keys and wrong types', () => {
    const problems = problemsOf(() => parseConfigText('clouds:\n  azure:\n    subscription: []\nonPrem:\n  ranges: "10.0.0.0/8"\n', 'a.yaml'));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatchObject({ path: 'clouds.azure', line: 3, message: 'unknown key "subscription"', got: 'subscription' });
    expect(problems[1]).toMatchObject({ path: 'onPrem.ranges', expected: 'a list', got: '"10.0.0.0/8"', line: 5 });
  });

  it('reports YAML syntax errors with their line', () => {
    const problems = problemsOf(() => parseConfigText('clouds:\n  azure: [\n', 'broken.yaml'));
    expect(problems[0]?.expected).toBe('valid YAML');
    expect(problems[0]?.line).toBeGreaterThan(0);
  });

  it('requires a signing secret for webhook channels and a date on every exception', () => {
    const problems = problemsOf(() =>
      parseConfigText(
        'clouds: { gcp: {} }\nnotifications:\n  - { name: siem, kind: webhook, url: "env:SIEM_URL" }\nexceptions:\n  - { rule: azure/aks-public-fqdn, resource: "*", reason: because }\n',
        'c.yaml',
      ),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(['exceptions.0.expires', 'notifications.0.signingSecret']);
  });

  it('rejects secrets written inline instead of referenced', () => {
    const problems = problemsOf(() => parseConfigText('clouds: { aws: {} }\nnotifications:\n  - { name: s, kind: slack, url: "https://hooks.slack.com/services/T/B/x" }\n', 'c.yaml'));
    expect(problems[0]?.path).toBe('notifications.0.url');
    expect(problems[0]?.expected).toContain('env:');
    // The pasted webhook URL is a credential: the error names it without echoing it.
    expect(problems[0]?.got).toBe('a literal value of 38 characters (not shown: it may be a secret)');
    expect(JSON.stringify(problems)).not.toContain('hooks.slack.com');
  });

  it('applies app-setting overrides (JSON values and plain strings)', async () => {
    const env = {
      AIRLOCK_CONFIG_YAML: 'clouds:\n  azure:\n    subscriptions: [00000000-0000-4000-8000-000000000001]\n',
      AIRLOCK__clouds__azure__inventorySource: 'arm',
      AIRLOCK__onPrem__ranges: '["10.10.0.0/16"]',
      AIRLOCK__cost__hubPeeringMonthlyThreshold: '75',
    };
    const config = await loadConfigFromEnv(env);
    expect(config.clouds.azure?.inventorySource).toBe('arm');
    expect(config.clouds.azure?.subscriptions).toHaveLength(1);
    expect(config.onPrem.ranges).toEqual(['10.10.0.0/16']);
    expect(config.cost.hubPeeringMonthlyThreshold).toBe(75);
    expect(applyEnvOverrides({ a: 1 }, { OTHER: 'x' })).toEqual({ a: 1 });
  });

  it('fails app-setting configuration with the source named', async () => {
    await expect(loadConfigFromEnv({ AIRLOCK__clouds__aws: '{}', AIRLOCK__onPrem__ranges: '["nope"]' })).rejects.toThrow(/AIRLOCK__onPrem__ranges {2}onPrem\.ranges\.0/);
  });

  it('resolves env: secret references and says which setting is missing', () => {
    expect(resolveSecret('env:HOOK', { HOOK: 'https://example.invalid/x' })).toBe('https://example.invalid/x');
    expect(() => resolveSecret('env:HOOK', {})).toThrow(/app setting HOOK/);
    // A configuration error (one line in the CLI and the function log), not a crash with a stack.
    expect(() => resolveSecret('env:HOOK', {})).toThrow(ConfigError);
    expect(() => resolveSecret('env:HOOK', {})).not.toThrow(/\n/);
  });
});
