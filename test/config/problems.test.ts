import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, loadConfigFile, parseConfigText } from '../../shared/config/load.js';
import { allRules } from '../../shared/rules/index.js';

const AZURE = 'clouds:\n  azure:\n    subscriptions: [00000000-0000-4000-8000-000000000001]\n';

function problemsOf(text: string): ConfigError['problems'] {
  try {
    parseConfigText(text, 'airlock.yaml');
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const lines = (text: string) => problemsOf(text).map(formatProblem);

describe('configuration problems', () => {
  it.each(['', '# only a comment\n', 'clouds: {}\n', 'onPrem:\n  ranges: [10.0.0.0/8]\n'])('refuses a file with nothing to audit: %j', (text) => {
    const [problem, ...rest] = problemsOf(text);
    expect(rest).toEqual([]);
    expect(formatProblem(problem as ConfigError['problems'][number])).toContain('nothing to audit: configure at least one of clouds.azure, clouds.gcp, clouds.aws');
    expect(problem?.line).toBeGreaterThan(0);
  });

  it('refuses unknown rule ids and suggests the closest known one', () => {
    // Derived from the rule list, so rules added later keep the test meaningful.
    const known = allRules.map((r) => r.meta.id);
    const target = known.find((id) => id.length > 12) as string;
    const typo = `${target.slice(0, -2)}${target.slice(-1)}${target.slice(-2, -1)}`;
    const text = `${AZURE}rules:\n  disabled: [${typo}, ${known[0] as string}]\nexceptions:\n  - { rule: ${typo}x, resource: "*", reason: because, expires: 2030-01-01 }\n  - { rule: "*", resource: "*", reason: because, expires: 2030-01-01 }\n`;
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line])).toEqual([
      ['rules.disabled.0', 5],
      ['exceptions.0.rule', 7],
    ]);
    for (const line of problems.map(formatProblem)) expect(line).toContain(`did you mean ${target}?`);
  });

  it('refuses host bits and a missing prefix, showing the intended network', () => {
    const out = lines(`${AZURE}onPrem:\n  ranges: [10.10.0.1/16, 10.0.0.0, 010.010.000.000/16, 10.0.0.0/99]\n`);
    expect(out).toHaveLength(4);
    expect(out[0]).toContain('airlock.yaml:5:12  onPrem.ranges.0: expected a CIDR block such as 10.0.0.0/8 or fd00::/8, got "10.10.0.1/16" (it has host bits set; did you mean 10.10.0.0/16?)');
    expect(out[1]).toContain('did you mean 10.0.0.0/32?');
    expect(out[2]).toContain('leading zero');
    expect(out[3]).toContain('prefix length');
  });

  it('writes each message as one plain sentence', () => {
    const out = lines(
      'clouds:\n  azure:\n    subscriptionsPerQuery: 0\n    allowPublicFqdn: "yes"\ncost:\n  windowDays: 1.5\n  prices: { a: -1 }\nstore: { kind: blob }\nreportUrl: 12\nexceptions:\n  - { rule: "*", resource: "", reason: x, expires: 2030-01-01 }\n',
    );
    expect(out.join('\n')).not.toMatch(/Too small|Too big|Invalid|>=|<=|expected expected|received/);
    expect(out).toEqual(
      expect.arrayContaining([
        expect.stringContaining('clouds.azure.subscriptionsPerQuery: expected a number of at least 1, got 0'),
        expect.stringContaining('clouds.azure.allowPublicFqdn: expected true or false, got "yes"'),
        expect.stringContaining('cost.windowDays: expected a whole number, got 1.5'),
        expect.stringContaining('cost.prices.a: expected a number of at least 0, got -1'),
        expect.stringContaining('store.kind: expected one of "file", "table", got "blob"'),
        expect.stringContaining('exceptions.0.resource: expected a non-empty string, got ""'),
        expect.stringContaining('exceptions.0.reason: expected a reason of at least 3 characters'),
      ]) as unknown,
    );
  });

  it('gives every problem a line and column; a missing key points at its parent', () => {
    const problems = problemsOf(
      `${AZURE}notifications:\n  - name: siem\n    kind: webhook\n    url: env:SIEM\nexceptions:\n  - rule: "*"\n    resource: "*"\n    reason: because\nstore:\n  kind: table\n`,
    );
    // In file order, whatever order the schema checks them in.
    expect(problems.map((p) => [p.path, p.line, p.column])).toEqual([
      ['notifications.0.signingSecret', 5, 5],
      ['exceptions.0.expires', 9, 5],
      ['store', 12, 1],
    ]);
  });

  it('points at an unknown key itself and says so plainly', () => {
    const out = lines(`${AZURE}    subscription: []\n`);
    expect(out).toEqual(['  airlock.yaml:4:5  clouds.azure: unknown key "subscription"']);
  });

  it('refuses duplicate keys, naming where the first one stood', () => {
    const out = lines(`${AZURE}onPrem:\n  ranges: [10.0.0.0/8]\nonPrem: {}\n`);
    expect(out).toEqual(['  airlock.yaml:6:1  onPrem: duplicate key "onPrem" (first at line 4)']);
  });

  it('never echoes control characters or ANSI escapes from keys and values', () => {
    const out = lines(`${AZURE}"\\e[31mred\\u202e": 1\nreportUrl: "\\e]0;title\\a\\x9b"\n`).join('\n');
    // eslint-disable-next-line no-control-regex -- the point is to find raw control characters
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).toContain('\\u001b[31mred\\u202e');
    expect(out).toContain('\\u009b');
  });

  it('refuses an alias explosion (billion laughs) with one problem', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const out = lines(`${levels.join('\n')}\n`);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/alias/);
  });
});

describe('reading the file', () => {
  it.each([
    ['a missing file', (dir: string) => path.join(dir, 'nope.yaml'), 'does not exist'],
    ['a directory', (dir: string) => dir, 'is a directory'],
    ['a NUL byte in the path', (dir: string) => path.join(dir, 'a\u0000b.yaml'), 'NUL'],
  ])('gives one line for %s', async (_name, fileOf, reason) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-config-'));
    const err = (await loadConfigFile(fileOf(dir)).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toContain(reason);
    expect(err.message).not.toMatch(/\n|ENOENT|EISDIR|ERR_/);
    expect(err.message).not.toContain('\u0000');
  });

  it('loads a valid file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-config-'));
    await writeFile(path.join(dir, 'a.yaml'), AZURE);
    expect((await loadConfigFile(path.join(dir, 'a.yaml'))).clouds.azure?.subscriptions).toHaveLength(1);
  });
});
