import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFromEnv, parseConfigText } from '../../shared/config/load.js';

const AZURE = 'clouds:\n  azure:\n    subscriptions: [00000000-0000-4000-8000-000000000001]\n';

const BAD_DOCUMENTS: Record<string, string> = {
  'duplicate onPrem': `${AZURE}onPrem:\n  ranges: [10.0.0.0/8]\nonPrem: {}\n`,
  'YAML syntax error': `${AZURE}onPrem:\n  ranges: [10.0.0.0/8\n`,
  'alias explosion': `a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`,
  'host bits': `${AZURE}onPrem:\n  ranges: [10.10.0.1/16]\n`,
  'nothing to audit': 'onPrem:\n  ranges: [10.0.0.0/8]\n',
  'unknown rule': `${AZURE}rules:\n  disabled: [azure/aks-public-fdqn]\n`,
};

async function problemsOf(run: () => Promise<unknown>): Promise<ConfigError['problems']> {
  const err = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err instanceof ConfigError) return err.problems;
  throw new Error(`expected a ConfigError, got ${String(err)}`);
}

// The file name differs by source (a path, AIRLOCK_CONFIG_YAML); everything else must not.
const shape = (problems: ConfigError['problems']) => problems.map((p) => ({ ...p, file: '' }));

describe('the Functions configuration path rejects what the CLI rejects', () => {
  it.each(Object.entries(BAD_DOCUMENTS))('%s, inline and from a file', async (_name, text) => {
    let cli: ConfigError['problems'] = [];
    try {
      parseConfigText(text, 'airlock.yaml');
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      cli = err.problems;
    }
    expect(cli.length).toBeGreaterThan(0);
    const inline = await problemsOf(() => loadConfigFromEnv({ AIRLOCK_CONFIG_YAML: text }));
    expect(shape(inline)).toEqual(shape(cli));
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-fn-'));
    await writeFile(path.join(dir, 'airlock.yaml'), text);
    const fromFile = await problemsOf(() => loadConfigFromEnv({ AIRLOCK_CONFIG_FILE: path.join(dir, 'airlock.yaml') }));
    expect(shape(fromFile)).toEqual(shape(cli));
  });

  it('gives one line for a NUL byte in AIRLOCK_CONFIG_FILE', async () => {
    const err = await loadConfigFromEnv({ AIRLOCK_CONFIG_FILE: '/tmp/a\u0000.yaml' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/^cannot read configuration .*NUL/);
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a table store whose connection string setting is unset, at its line', async () => {
    const text = `${AZURE}store:\n  kind: table\n  connectionString: env:AIRLOCK_TABLES\n`;
    const problems = await problemsOf(() => loadConfigFromEnv({ AIRLOCK_CONFIG_YAML: text }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'store.connectionString', line: 6 });
    expect(problems[0]?.message).toContain('app setting AIRLOCK_TABLES is not set');
    const config = await loadConfigFromEnv({ AIRLOCK_CONFIG_YAML: text, AIRLOCK_TABLES: 'UseDevelopmentStorage=true' });
    expect(config.store.kind).toBe('table');
  });

  it('attributes a bad override to the app setting that carried it', async () => {
    const problems = await problemsOf(() => loadConfigFromEnv({ AIRLOCK_CONFIG_YAML: AZURE, AIRLOCK__onPrem__ranges: '["10.0.0.1/8"]' }));
    expect(problems).toMatchObject([{ file: 'AIRLOCK__onPrem__ranges', path: 'onPrem.ranges.0', hint: expect.stringContaining('10.0.0.0/8') as unknown }]);
  });
});
