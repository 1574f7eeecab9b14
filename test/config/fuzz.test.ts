import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem, parseConfigText, validateConfig } from '../../shared/config/load.js';

// Odd strings: control characters, ANSI escapes, bidi overrides, astral characters, near-valid addresses.
const oddString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('\u001b[31m', '\u202e', '\u0000', '\u009b', '💥', '', ' ', 'env:', 'env:X', '*', '10.10.0.1/16', '010.0.0.0/8', '0x0a.0.0.0/8', 'fd00::/8', 'azure/aks-public-fdqn', '2030-02-30'),
);
const oddNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(Number.MAX_VALUE, -0, 1e308, Number.MAX_SAFE_INTEGER + 2));
const scalar = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null));

const KEYS = ['clouds', 'azure', 'gcp', 'aws', 'onPrem', 'ranges', 'cost', 'prices', 'rules', 'disabled', 'exceptions', 'rule', 'notifications', 'store', 'kind', 'subscriptions', 'url', 'expires'];
const key = fc.oneof(fc.constantFrom(...KEYS), oddString);

// Deep nesting of lists and mappings whose keys are mostly the configuration's own.
const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('list'), tie('mapping')),
  list: fc.array(tie('value'), { maxLength: 5 }),
  mapping: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
}));

/** A document shaped like a configuration with every part allowed to be wrong or missing. */
const configLike = fc.record(
  {
    clouds: fc.oneof(value, fc.record({ azure: value, gcp: value, aws: value }, { requiredKeys: [] })),
    onPrem: fc.oneof(value, fc.record({ ranges: fc.array(fc.oneof(oddString, value), { maxLength: 4 }) })),
    cost: value,
    rules: fc.oneof(value, fc.record({ disabled: fc.array(oddString, { maxLength: 3 }) })),
    exceptions: fc.array(fc.record({ rule: oddString, resource: scalar, reason: scalar, expires: scalar }, { requiredKeys: [] }), { maxLength: 3 }),
    store: value,
    reportUrl: scalar,
  },
  { requiredKeys: [] },
);

function outcome(run: () => unknown): 'valid' | 'problems' {
  try {
    run();
    return 'valid';
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.problems.length).toBeGreaterThan(0);
    for (const line of err.problems.map(formatProblem)) {
      // eslint-disable-next-line no-control-regex -- nothing a terminal would act on may be echoed
      expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    }
    return 'problems';
  }
}

// 2,500 generated documents in all.
describe('configuration documents of any shape', () => {
  it('give a valid config or problems, never an exception (objects)', () => {
    fc.assert(
      fc.property(fc.oneof(configLike, value), (doc) => {
        outcome(() => validateConfig(doc, 'fuzz.yaml'));
      }),
      { numRuns: 1200 },
    );
  });

  it('give a valid config or problems, never an exception (YAML text)', () => {
    fc.assert(
      fc.property(fc.oneof(configLike, value), (doc) => {
        outcome(() => parseConfigText(stringify(doc), 'fuzz.yaml'));
      }),
      { numRuns: 800 },
    );
  });

  it('give problems, never an exception, for arbitrary text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom('[', ']', '{', '}', ':', '-', ' ', '\n', '&a', '*a', '"', "'", '#', '!!', '?', 'a', '1') })), (text) => {
        outcome(() => parseConfigText(text, 'fuzz.yaml'));
      }),
      { numRuns: 500 },
    );
  });
});
