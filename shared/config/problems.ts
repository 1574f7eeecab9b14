import { isAlias, isCollection, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from 'yaml';
import type { z } from 'zod';

/** One problem in an input file: where (file, line, path), what was expected, what was found. */
export interface ConfigProblem {
  file: string;
  /** Dotted path into the document, e.g. `clouds.azure.subscriptions.1`. */
  path: string;
  line?: number;
  column?: number;
  expected: string;
  got: string;
  /** Why the value was refused and what was likely meant, e.g. "did you mean 10.10.0.0/16?". */
  hint?: string;
  /** A whole sentence that replaces "expected ..., got ..." when that shape does not fit. */
  message?: string;
}

export class ConfigError extends Error {
  /** `summary` replaces the problem list in the message when one line says it all (an unreadable file). */
  constructor(
    readonly problems: ConfigProblem[],
    readonly summary?: string,
  ) {
    super(
      summary === undefined
        ? `configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`
        : printable(summary),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Escapes what a terminal would act on rather than show: C0/C1 controls (ANSI escapes start with
 * ESC or CSI), DEL, bidirectional overrides and line separators. Idempotent: escapes contain none.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g, (c) => {
    const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
    return named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Longest key or document-error text echoed in a problem: a 70,000-character key is cut, not printed whole. */
const MAX_ECHO = 80;

/** `text` cut to `max` characters with an ellipsis, for echoing input back. */
export function clip(text: string, max = MAX_ECHO): string {
  // A cut between the two halves of a surrogate pair would leave half a character.
  return text.length <= max ? text : `${text.slice(0, max - 3).replace(/[\uD800-\uDBFF]$/, '')}...`;
}

/** A dotted path with each key cut to a readable length. */
function pathText(path: readonly PropertyKey[]): string {
  return printable(path.map((k) => clip(String(k))).join('.'));
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  const text = p.message ?? `expected ${p.expected}, got ${p.got}${p.hint ? ` (${p.hint})` : ''}`;
  return printable(`  ${where}  ${p.path || '(root)'}: ${text}`);
}

/** A parsed YAML (or JSON) document that remembers where each value stood. */
export interface ParsedDocument {
  raw: unknown;
  doc: Node | null;
  counter: LineCounter;
}

/** yaml's own default; an explicit limit keeps a "billion laughs" document from expanding. */
const MAX_ALIAS_COUNT = 100;

type Location = Pick<ConfigProblem, 'line' | 'column'>;

function locationOf(counter: LineCounter, offset: number | undefined): Required<Location> {
  const pos = counter.linePos(offset ?? 0);
  return { line: pos.line, column: pos.col };
}

/** The key text a mapping entry becomes in the parsed object (1 and "1" are the same key there). */
function keyText(pair: Pair): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : pair.key === null ? '' : undefined;
}

/** Per-mapping key index, built once per mapping: lookups stay linear in the document size. */
const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function keyIndex(map: YAMLMap): Map<string, Pair> {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      const key = keyText(pair);
      if (key !== undefined && !index.has(key)) index.set(key, pair);
    }
    keyIndexes.set(map, index);
  }
  return index;
}

/**
 * Duplicate keys, found in one pass with a set per mapping. yaml's own check (`uniqueKeys`)
 * compares each key with every earlier one, which made 100k keys take over a minute.
 */
function duplicateKeys(root: Node | null, file: string, counter: LineCounter): ConfigProblem[] {
  interface Entry {
    node: unknown;
    parent?: Entry;
    key?: string;
  }
  const pathOf = (entry: Entry): string[] => {
    const out: string[] = [];
    for (let e: Entry | undefined = entry; e?.key !== undefined; e = e.parent) out.push(e.key);
    return out.reverse();
  };
  const problems: ConfigProblem[] = [];
  const stack: Entry[] = [{ node: root }];
  for (let entry = stack.pop(); entry; entry = stack.pop()) {
    const { node } = entry;
    if (isMap(node)) {
      const seen = new Map<string, Pair>();
      for (const pair of node.items) {
        const key = keyText(pair);
        const first = key === undefined ? undefined : seen.get(key);
        if (key !== undefined && first) {
          const keyNode = pair.key as Node;
          problems.push({
            file,
            path: pathText([...pathOf(entry), key]),
            ...locationOf(counter, keyNode.range?.[0]),
            expected: 'each key once',
            got: printable(`a second "${clip(key)}"`),
            message: printable(`duplicate key ${JSON.stringify(clip(key))} (first at line ${locationOf(counter, (first.key as Node).range?.[0]).line})`),
          });
        } else if (key !== undefined) {
          seen.set(key, pair);
        }
        stack.push({ node: pair.value, parent: entry, ...(key === undefined ? {} : { key }) });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => stack.push({ node: isPair(item) ? item.value : item, parent: entry, key: String(i) }));
    }
  }
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

function documentProblem(file: string, expected: string, got: string, location: Location = { line: 1, column: 1 }): ConfigProblem {
  return { file, path: '', ...location, expected, got };
}

/** Parses YAML text; syntax errors, duplicate keys and alias explosions come back as problems with their line. */
export function parseYamlDocument(text: string, file: string, expected = 'valid YAML'): ParsedDocument | ConfigProblem[] {
  const counter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: false });
  } catch (err) {
    // yaml recurses on nesting; a hostile depth ends here instead of as a stack trace.
    return [documentProblem(file, expected, `a document yaml could not read (${err instanceof Error ? err.message : String(err)})`)];
  }
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => documentProblem(file, expected, printable(clip(e.message.split('\n')[0] ?? e.code, 200)), locationOf(counter, e.pos[0])));
  }
  const duplicates = duplicateKeys(doc.contents, file, counter);
  if (duplicates.length > 0) return duplicates;
  try {
    return { raw: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {}, doc: doc.contents, counter };
  } catch (err) {
    if (err instanceof ReferenceError) {
      return [documentProblem(file, `a document whose aliases expand at most ${MAX_ALIAS_COUNT} times`, 'more (an alias explosion such as "billion laughs" is refused)')];
    }
    return [documentProblem(file, expected, `a document yaml could not convert (${err instanceof Error ? err.message : String(err)})`)];
  }
}

/** Keys whose rejected values may be secrets pasted inline (webhook URLs carry their token). */
const SECRET_KEYS = new Set(['url', 'signingsecret', 'connectionstring']);

function describeValue(value: unknown, path: readonly PropertyKey[] = []): string {
  if (value === undefined) return 'nothing (the key is missing)';
  const key = String(path.at(-1) ?? '').toLowerCase();
  // A secret written inline must not reach a log through the error meant to stop it.
  if (typeof value === 'string' && SECRET_KEYS.has(key)) return `a literal value of ${value.length} characters (not shown: it may be a secret)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (typeof value !== 'string') return `a ${typeof value}`;
  const text = printable(JSON.stringify(value));
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    if (!Object.hasOwn(current, key)) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Where a path stands in the document: a scalar or flow value where it is, a block collection at
 * its key, and a path that does not exist (a missing key) at the deepest part that does.
 */
function locate(parsed: Pick<ParsedDocument, 'doc' | 'counter'>, path: readonly PropertyKey[], atKey = false): Required<Location> {
  let current: unknown = parsed.doc;
  let offset = parsed.doc?.range?.[0] ?? 0;
  for (const key of path) {
    let keyOffset: number | undefined;
    if (isMap(current)) {
      const pair = keyIndex(current).get(String(key));
      if (!pair) break;
      keyOffset = (pair.key as Node | null)?.range?.[0];
      current = pair.value;
    } else if (isSeq(current)) {
      current = current.items[Number(key)];
      if (current === undefined) break;
    } else {
      break;
    }
    const node = current as Node | null;
    const preferKey = atKey || (isCollection(node) && !node.flow) || isAlias(node);
    offset = (preferKey ? keyOffset : undefined) ?? node?.range?.[0] ?? keyOffset ?? offset;
  }
  return locationOf(parsed.counter, offset);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
};

function quoteList(values: readonly unknown[]): string {
  const quoted = values.map((v) => printable((JSON.stringify(v) as string | undefined) ?? typeof v));
  return quoted.length === 1 ? (quoted[0] as string) : `one of ${quoted.join(', ')}`;
}

function sizeBound(origin: string, bound: number | bigint, inclusive: boolean, least: boolean): string {
  const n = Number(bound);
  const limit = inclusive ? `${least ? 'at least' : 'at most'} ${n}` : `${least ? 'more than' : 'less than'} ${n}`;
  if (origin === 'string') return least && inclusive && n === 1 ? 'a non-empty string' : `a string of ${limit} characters`;
  if (origin === 'array' || origin === 'set') return least && inclusive && n === 1 ? 'a non-empty list' : `a list of ${limit} items`;
  return `a number of ${limit}`;
}

/** What the issue expected, as a phrase that follows "expected"; zod's own wording never reaches the user. */
function expectedOf(issue: z.core.$ZodIssue): string {
  const own = /^expected (.+)$/s.exec(issue.message)?.[1];
  switch (issue.code) {
    case 'invalid_type':
      return TYPE_NAMES[issue.expected] ?? `a ${issue.expected}`;
    case 'too_small':
      return own ?? sizeBound(issue.origin, issue.minimum, issue.inclusive ?? true, true);
    case 'too_big':
      return own ?? sizeBound(issue.origin, issue.maximum, issue.inclusive ?? true, false);
    case 'invalid_format':
      if (own) return own;
      if (issue.format === 'regex' && issue.pattern) return `text matching ${issue.pattern}`;
      return `a valid ${issue.format}`;
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    case 'invalid_value':
      return quoteList(issue.values);
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      return own ?? (options ? quoteList(options) : 'a value of one of the accepted forms');
    }
    case 'invalid_key':
      return 'a valid key';
    case 'invalid_element':
      return 'valid entries';
    case 'unrecognized_keys':
      return 'known keys only';
    case 'custom':
      return own ?? 'a valid value';
  }
}

/** A custom issue's reason and suggestion, as the parenthesis after "got ...". */
function hintOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code !== 'custom' || !issue.params) return undefined;
  const { reason, suggestion } = issue.params as { reason?: unknown; suggestion?: unknown };
  const parts = [typeof reason === 'string' ? reason : undefined, typeof suggestion === 'string' ? `did you mean ${suggestion}?` : undefined].filter(Boolean);
  return parts.length > 0 ? printable(parts.join('; ')) : undefined;
}

/**
 * Turns zod issues into problems: the path, the line when the document is known, what was
 * expected and what was found. `prefix` places a sub-document's issues inside its parent.
 */
export function problemsFromIssues(
  issues: readonly z.core.$ZodIssue[],
  file: string,
  raw: unknown,
  parsed?: Pick<ParsedDocument, 'doc' | 'counter'>,
  prefix: readonly PropertyKey[] = [],
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: readonly PropertyKey[], problem: Omit<ConfigProblem, 'file' | 'path'>) => {
    problems.push({ file, path: pathText(path), ...(parsed ? locate(parsed, path) : {}), ...problem });
  };
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'unrecognized_keys') {
      // Reported on the mapping (as before), but located at the first unknown key itself.
      const keys = issue.keys.map((k) => printable(JSON.stringify(clip(k))));
      problems.push({
        file,
        path: pathText(path),
        ...(parsed ? locate(parsed, [...path, issue.keys[0] ?? ''], true) : {}),
        expected: `no key ${keys.join(', ')} (unknown key${keys.length === 1 ? '' : 's'})`,
        got: printable(issue.keys.map((k) => clip(k)).join(', ')),
        message: `unknown key${keys.length === 1 ? '' : 's'} ${keys.join(', ')}`,
      });
      continue;
    }
    const plain = issue.code === 'custom' && !/^expected /.test(issue.message);
    const hint = hintOf(issue);
    add(path, {
      expected: printable(expectedOf(issue)),
      got: describeValue(valueAt(raw, path), path),
      ...(hint ? { hint } : {}),
      ...(plain ? { message: printable(issue.message) } : {}),
    });
  }
  return problems;
}
