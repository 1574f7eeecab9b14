import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
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
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `  ${where}  ${p.path || '(root)'}: expected ${p.expected}, got ${p.got}`;
}

/** A parsed YAML (or JSON) document that remembers where each value stood. */
export interface ParsedDocument {
  raw: unknown;
  doc: Node | null;
  counter: LineCounter;
}

/** Parses YAML text; syntax errors come back as problems with their line. */
export function parseYamlDocument(text: string, file: string, expected = 'valid YAML'): ParsedDocument | ConfigProblem[] {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => {
      const pos = counter.linePos(e.pos[0]);
      return { file, path: '', line: pos.line, column: pos.col, expected, got: e.message.split('\n')[0] ?? e.code };
    });
  }
  return { raw: doc.toJS() ?? {}, doc: doc.contents, counter };
}

/** Keys whose rejected values may be secrets pasted inline (webhook URLs carry their token). */
const SECRET_KEYS = new Set(['url', 'signingsecret', 'connectionstring']);

function describeValue(value: unknown, path: readonly PropertyKey[] = []): string {
  if (value === undefined) return 'nothing';
  const key = String(path.at(-1) ?? '').toLowerCase();
  // A secret written inline must not reach a log through the error meant to stop it.
  if (typeof value === 'string' && SECRET_KEYS.has(key)) return `a literal value of ${value.length} characters (not shown: it may be a secret)`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

function nodeAt(doc: Node | null, path: readonly PropertyKey[]): Node | undefined {
  let current: Node | null | undefined = doc;
  for (const key of path) {
    if (isMap(current)) {
      const pair = current.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
      current = pair?.value as Node | null | undefined;
    } else if (isSeq(current)) {
      current = current.items[Number(key)] as Node | undefined;
    } else {
      return undefined;
    }
    if (!current) return undefined;
  }
  return current ?? undefined;
}

function expectedOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected;
    case 'unrecognized_keys':
      return `no key ${issue.keys.map((k) => `"${k}"`).join(', ')} (unknown key)`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}`;
    default:
      return issue.message.replace(/^expected /i, '');
  }
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
  return issues.map((issue) => {
    const path = [...prefix, ...issue.path];
    const node = parsed ? nodeAt(parsed.doc, path) : undefined;
    const pos = node?.range && parsed ? parsed.counter.linePos(node.range[0]) : undefined;
    return {
      file,
      path: path.map(String).join('.'),
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      expected: expectedOf(issue),
      got: issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : describeValue(valueAt(raw, path), path),
    };
  });
}
