import fc from 'fast-check';

/**
 * Generators shared by the property suites (test/reliability/properties*.test.ts): odd scalars,
 * address texts that look like CIDRs but are not, and mutations of a valid document (a value
 * replaced, a key removed or added at any depth), so generated inputs reach past the first check.
 */

/** Fixed seed: a failure reproduces with the same inputs; fast-check prints the counterexample. */
export const SEED = 20261202;

/** Texts that a lenient parser reads as another network, or that are not CIDRs at all. */
export const BAD_CIDRS = [
  '10.0.0.0/99',
  '010.010.000.000/16',
  '10.10/16',
  '0x0a.0.0.0/8',
  '10.0.0.1/8',
  '10.0.0.0/',
  '/8',
  '10.0.0.0/8/8',
  '10.0.0.256/24',
  '10.0.0/24',
  '10.0.0.0.0/8',
  '10.0.0.0/08',
  '10.0.0.0/+8',
  '10.0.0.0/-1',
  '10.0.0.0 /8',
  ' 10.0.0.0/8',
  '10.0.0.0/8\n',
  '10.0.0.0\u0000/8',
  '１０.0.0.0/8',
  '167772160/8',
  '1e1.0.0.0/8',
  'fd00::/129',
  'fd00:::/8',
  'fe80::1%eth0/64',
  '::ffff:10.0.0.0/200',
  '10.0.0.0/8\u001b[2J',
] as const;

export const GOOD_CIDRS = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fd00::/8', '100.64.0.0/10'] as const;

const CONTROL = ['\u0000', '\u0007', '\u001b[31m', '\u001b]0;title\u0007', '\u009b2J', '\u202e', '\u2028', '\r', '\t', '\ufeff'] as const;

/** Strings that break naive code: controls and ANSI escapes, bidi overrides, astral characters, huge. */
export const oddString = fc.oneof(
  { arbitrary: fc.string(), weight: 15 },
  { arbitrary: fc.string({ unit: 'binary' }), weight: 10 },
  { arbitrary: fc.string({ unit: 'grapheme' }), weight: 5 },
  { arbitrary: fc.constantFrom(...CONTROL, ...BAD_CIDRS, ...GOOD_CIDRS, '', ' ', 'env:', 'env:X', '*', 'null', '~', '💥'.repeat(3), '__proto__', 'constructor'), weight: 10 },
  { arbitrary: fc.tuple(fc.string(), fc.constantFrom(...CONTROL), fc.string()).map(([a, c, b]) => `${a}${c}${b}`), weight: 10 },
  { arbitrary: fc.constantFrom('x'.repeat(70_000), '\u001b[31m'.repeat(2_000), 'é'.repeat(20_000)), weight: 1 },
);

const oddNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 1e308, Number.MAX_SAFE_INTEGER + 2, -1, 0, 65_536));

/** Any JSON-ish scalar, odd ones favoured. */
export const oddScalar = fc.oneof(oddString, oddNumber, fc.boolean(), fc.constant(null), fc.constant(undefined));

/** Any JSON-ish value up to a small depth, keys mostly from `keys`. */
export function oddValue(keys: readonly string[]): fc.Arbitrary<unknown> {
  const key = fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 3 }, { arbitrary: oddString, weight: 1 });
  return fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, oddScalar, tie('list'), tie('mapping')),
    list: fc.array(tie('value'), { maxLength: 4 }),
    mapping: fc.dictionary(key, tie('value'), { maxKeys: 5, noNullPrototype: true }),
  })).value;
}

type Path = (string | number)[];

/** Every path into a JSON-ish value (objects and arrays), root first. */
function pathsOf(value: unknown, limit = 4_000): Path[] {
  const out: Path[] = [];
  const walk = (v: unknown, path: Path): void => {
    if (out.length >= limit) return;
    out.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => { walk(x, [...path, i]); });
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  return out;
}

/** One change to a document: at the path picked by `at` (an index modulo the number of paths). */
export type Mutation = { at: number; op: 'replace'; value: unknown } | { at: number; op: 'delete' } | { at: number; op: 'add'; key: string; value: unknown } | { at: number; op: 'wrap' };

export function mutation(keys: readonly string[]): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  const value = oddValue(keys);
  return fc.oneof(
    { arbitrary: fc.record({ at, op: fc.constant('replace' as const), value }), weight: 5 },
    { arbitrary: fc.record({ at, op: fc.constant('delete' as const) }), weight: 2 },
    { arbitrary: fc.record({ at, op: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...keys), oddString), value }), weight: 2 },
    { arbitrary: fc.record({ at, op: fc.constant('wrap' as const) }), weight: 1 },
  );
}

/** A copy of `doc` with the mutations applied in order (each on the result of the previous). */
export function mutate(doc: unknown, mutations: readonly Mutation[]): unknown {
  let root: unknown = structuredClone(doc);
  // Generated values are copied in: editing them in place would corrupt fast-check's shrinking.
  for (const m of mutations.map((x) => structuredClone(x))) {
    const paths = pathsOf(root);
    const path = paths[m.at % paths.length] ?? [];
    if (path.length === 0) {
      if (m.op === 'replace') root = m.value;
      else if (m.op === 'wrap') root = [root];
      else if (m.op === 'add' && root !== null && typeof root === 'object') (root as Record<string, unknown>)[m.key] = m.value;
      continue;
    }
    let parent = root as Record<string | number, unknown>;
    for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, unknown>;
    const last = path[path.length - 1] as string | number;
    if (m.op === 'replace') parent[last] = m.value;
    else if (m.op === 'wrap') parent[last] = [parent[last]];
    else if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else Reflect.deleteProperty(parent, last);
    } else {
      const target = parent[last];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) (target as Record<string, unknown>)[m.key] = m.value;
      else parent[last] = { [m.key]: m.value };
    }
  }
  return root;
}

/** Every key used anywhere in `docs` (the vocabulary generated mappings draw their keys from). */
export function keysOf(...docs: unknown[]): string[] {
  const keys = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        keys.add(k);
        walk(x);
      }
    }
  };
  docs.forEach(walk);
  return [...keys].sort();
}

/** Text edits that YAML parsers trip on: duplicated lines (keys), anchors and aliases, NUL, tabs, cuts. */
export type TextEdit = { at: number; op: 'duplicate-line' | 'cut' | 'alias' } | { at: number; op: 'insert'; text: string };

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  fc.record({ at: fc.nat(), op: fc.constantFrom('duplicate-line' as const, 'cut' as const, 'alias' as const) }),
  fc.record({ at: fc.nat(), op: fc.constant('insert' as const), text: fc.oneof(fc.constantFrom('\u0000', '\t', '\u001b[31m', '&a ', '*a', '<<: *a\n', '!!binary ', '!!js/function ', '? ', '{', ']', ': ', '- ', '\n  ', '"', "'", '#', '%YAML 1.1\n---\n', '\ufeff', '\r\n'), oddString) }),
);

export function editText(text: string, edits: readonly TextEdit[]): string {
  let out = text;
  for (const e of edits) {
    const pos = out.length === 0 ? 0 : e.at % (out.length + 1);
    if (e.op === 'insert') out = out.slice(0, pos) + e.text + out.slice(pos);
    else if (e.op === 'cut') out = out.slice(0, pos);
    else if (e.op === 'alias') {
      // Anchor the value after the first colon, alias it at the position: `&a` / `*a` pairs.
      const colon = out.indexOf(': ');
      out = colon < 0 ? `${out}\nx: &a 1\ny: *a\n` : `${out.slice(0, colon + 2)}&a ${out.slice(colon + 2)}`.replace(/\n(?=[^\n]*$)/, '\nz: *a\n');
    } else {
      const lines = out.split('\n');
      const i = e.at % Math.max(lines.length, 1);
      lines.splice(i, 0, lines[i] ?? '');
      out = lines.join('\n');
    }
  }
  return out;
}

/** Every line an operator may see: no character a terminal would act on. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202e]/;
