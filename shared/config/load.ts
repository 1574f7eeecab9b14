import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import type { z } from 'zod';
import { configSchema, type AirlockConfig } from './schema.js';

export interface ConfigProblem {
  file: string;
  /** Dotted path into the document, e.g. `clouds.azure.subscriptions.1`. */
  path: string;
  line?: number;
  column?: number;
  expected: string;
  got: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `  ${where}  ${p.path || '(root)'}: expected ${p.expected}, got ${p.got}`;
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
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
 * Validates a parsed configuration object. Every problem is reported at once, with the path,
 * the line (when a YAML document is given), what was expected and what was found.
 */
export function validateConfig(raw: unknown, file: string, lines?: { doc: Node | null; counter: LineCounter }): AirlockConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue): ConfigProblem => {
    const path = issue.code === 'unrecognized_keys' ? [...issue.path] : [...issue.path];
    const node = lines ? nodeAt(lines.doc, path) : undefined;
    const pos = node?.range && lines ? lines.counter.linePos(node.range[0]) : undefined;
    const got = issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : describeValue(valueAt(raw, path));
    return {
      file,
      path: path.map(String).join('.'),
      ...(pos ? { line: pos.line, column: pos.col } : {}),
      expected: expectedOf(issue),
      got,
    };
  });
  throw new ConfigError(problems);
}

/** Parses YAML text and validates it; YAML syntax errors are reported with their line too. */
export function parseConfigText(text: string, file: string): AirlockConfig {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((e) => {
        const pos = counter.linePos(e.pos[0]);
        return { file, path: '', line: pos.line, column: pos.col, expected: 'valid YAML', got: e.message.split('\n')[0] ?? e.code };
      }),
    );
  }
  return validateConfig(doc.toJS() ?? {}, file, { doc: doc.contents, counter });
}

export async function loadConfigFile(file: string): Promise<AirlockConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([{ file, path: '', expected: 'a readable YAML file', got: (err as NodeJS.ErrnoException).code ?? String(err) }]);
  }
  return parseConfigText(text, file);
}

const ENV_PREFIX = 'AIRLOCK__';

/**
 * Applies app-setting overrides: `AIRLOCK__<path>__<to>__<key>` sets that key; values that parse
 * as JSON are used as JSON (lists, numbers, booleans), anything else as a string. Example:
 * `AIRLOCK__onPrem__ranges=["10.0.0.0/8"]`, `AIRLOCK__clouds__azure__inventorySource=arm`.
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const base = (raw !== null && typeof raw === 'object' ? structuredClone(raw) : {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').filter(Boolean);
    if (path.length === 0) continue;
    let target = base;
    for (const key of path.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    let parsed: unknown = value;
    try {
      parsed = JSON.parse(value);
    } catch {
      // not JSON: keep the string
    }
    target[path.at(-1) as string] = parsed;
  }
  return base;
}

/**
 * Loads the configuration for the Functions app: `AIRLOCK_CONFIG_FILE` (a path) or
 * `AIRLOCK_CONFIG_YAML` (inline YAML), then `AIRLOCK__...` overrides from app settings.
 */
export async function loadConfigFromEnv(env: NodeJS.ProcessEnv): Promise<AirlockConfig> {
  let raw: unknown = {};
  let source = 'app settings';
  const file = env['AIRLOCK_CONFIG_FILE'];
  const inline = env['AIRLOCK_CONFIG_YAML'];
  if (file) {
    source = file;
    try {
      raw = parseDocument(await readFile(file, 'utf8')).toJS() ?? {};
    } catch (err) {
      throw new ConfigError([{ file, path: '', expected: 'a readable YAML file', got: (err as NodeJS.ErrnoException).code ?? String(err) }]);
    }
  } else if (inline) {
    source = 'AIRLOCK_CONFIG_YAML';
    raw = parseDocument(inline).toJS() ?? {};
  }
  return validateConfig(applyEnvOverrides(raw, env), source);
}
