import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { allRules } from '../rules/index.js';
import { ConfigError, parseYamlDocument, printable, problemsFromIssues, type ConfigProblem, type ParsedDocument } from './problems.js';
import { configSchema, type AirlockConfig } from './schema.js';

export { ConfigError, formatProblem } from './problems.js';

type Issue = z.core.$ZodIssue;

const CLOUD_KEYS = ['azure', 'gcp', 'aws'] as const;
const RULE_ID_SYNTAX = /^[a-z]+\/[a-z0-9-]+$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Edit distance with one row of memory; rule ids are short, so this stays cheap per id. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next.push(Math.min((row[j] as number) + 1, (next[j - 1] as number) + 1, (row[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    row = next;
  }
  return row[b.length] as number;
}

/** Checks the schema cannot make: rule ids against the rules this build knows, and something to audit. */
function semanticIssues(raw: unknown): Issue[] {
  if (!isRecord(raw)) return [];
  const issues: Issue[] = [];
  const clouds = raw['clouds'];
  if (clouds === undefined || (isRecord(clouds) && CLOUD_KEYS.every((k) => clouds[k] === undefined))) {
    issues.push({
      code: 'custom',
      path: clouds === undefined ? [] : ['clouds'],
      message: `nothing to audit: configure at least one of ${CLOUD_KEYS.map((k) => `clouds.${k}`).join(', ')}`,
      input: clouds,
    });
  }
  // Derived from the rule list at run time: rules added later are known without touching this file.
  const known = allRules.map((r) => r.meta.id);
  const knownSet = new Set(known);
  const suggestions = new Map<string, string>();
  const closest = (id: string): string => {
    let best = suggestions.get(id);
    if (best === undefined) {
      best = known.reduce((a, b) => (distance(id, b) < distance(id, a) ? b : a), known[0] ?? '');
      suggestions.set(id, best);
    }
    return best;
  };
  const checkRuleId = (id: unknown, path: PropertyKey[]) => {
    if (typeof id !== 'string' || id === '*' || knownSet.has(id) || !RULE_ID_SYNTAX.test(id)) return;
    issues.push({ code: 'custom', path, message: 'expected a rule id this version of Airlock knows (see airlock rules)', input: id, params: { suggestion: closest(id) } });
  };
  const rules = raw['rules'];
  if (isRecord(rules) && Array.isArray(rules['disabled'])) {
    rules['disabled'].forEach((id: unknown, i) => {
      checkRuleId(id, ['rules', 'disabled', i]);
    });
  }
  if (Array.isArray(raw['exceptions'])) {
    raw['exceptions'].forEach((e: unknown, i) => {
      if (isRecord(e)) checkRuleId(e['rule'], ['exceptions', i, 'rule']);
    });
  }
  return issues;
}

/** Orders problems as they stand in the file (schema issues and semantic ones interleave). */
function byPosition(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.map((p, i) => [p, i] as const).sort(([a, i], [b, j]) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0) || i - j).map(([p]) => p);
}

function check(raw: unknown, file: string, parsed?: Pick<ParsedDocument, 'doc' | 'counter'>): { config: AirlockConfig } | { problems: ConfigProblem[] } {
  const result = configSchema.safeParse(raw);
  const issues = [...(result.success ? [] : result.error.issues), ...semanticIssues(raw)];
  if (result.success && issues.length === 0) return { config: result.data };
  return { problems: byPosition(problemsFromIssues(issues, file, raw, parsed)) };
}

/**
 * Validates a parsed configuration object. Every problem is reported at once, with the path,
 * the line (when a YAML document is given), what was expected and what was found.
 */
export function validateConfig(raw: unknown, file: string, parsed?: Pick<ParsedDocument, 'doc' | 'counter'>): AirlockConfig {
  const checked = check(raw, file, parsed);
  if ('problems' in checked) throw new ConfigError(checked.problems);
  return checked.config;
}

function parseOrThrow(text: string, file: string): ParsedDocument {
  const parsed = parseYamlDocument(text, file);
  if (Array.isArray(parsed)) throw new ConfigError(parsed);
  return parsed;
}

/** Parses YAML text and validates it; YAML syntax errors are reported with their line too. */
export function parseConfigText(text: string, file: string): AirlockConfig {
  const parsed = parseOrThrow(text, file);
  return validateConfig(parsed.raw, file, parsed);
}

const READ_ERRORS: Record<string, string> = {
  ENOENT: 'the file does not exist',
  EISDIR: 'it is a directory, not a file',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENAMETOOLONG: 'the path is too long',
  ELOOP: 'the path has a symbolic link loop',
};

/** Reads the file or fails with one line that says why (no errno codes, no stack). */
async function readConfigText(file: string): Promise<string> {
  const fail = (reason: string): never => {
    throw new ConfigError([{ file: printable(file), path: '', expected: 'a readable YAML file', got: reason, message: `cannot read the file: ${reason}` }], `cannot read configuration ${JSON.stringify(file)}: ${reason}`);
  };
  if (file.includes('\0')) fail('the path contains a NUL byte');
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    return fail(READ_ERRORS[code] ?? (err instanceof Error ? err.message.split('\n')[0] ?? code : String(err)));
  }
}

export async function loadConfigFile(file: string): Promise<AirlockConfig> {
  return parseConfigText(await readConfigText(file), file);
}

const ENV_PREFIX = 'AIRLOCK__';

/** The app settings that override a key, with the path each one sets. */
function envOverrides(env: NodeJS.ProcessEnv): { setting: string; path: string[]; value: string }[] {
  const out: { setting: string; path: string[]; value: string }[] = [];
  for (const [setting, value] of Object.entries(env)) {
    if (!setting.startsWith(ENV_PREFIX) || value === undefined) continue;
    const path = setting.slice(ENV_PREFIX.length).split('__').filter(Boolean);
    if (path.length > 0) out.push({ setting, path, value });
  }
  return out;
}

/**
 * Applies app-setting overrides: `AIRLOCK__<path>__<to>__<key>` sets that key; values that parse
 * as JSON are used as JSON (lists, numbers, booleans), anything else as a string. Example:
 * `AIRLOCK__onPrem__ranges=["10.0.0.0/8"]`, `AIRLOCK__clouds__azure__inventorySource=arm`.
 */
export function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): unknown {
  const base: Record<string, unknown> = isRecord(raw) ? structuredClone(raw) : {};
  for (const { path, value } of envOverrides(env)) {
    let target = base;
    for (const key of path.slice(0, -1)) {
      if (!isRecord(target[key])) target[key] = {};
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

/** A table store's connection string must name a setting that is set, or the first run fails late. */
function unsetSecrets(config: AirlockConfig, file: string, parsed: ParsedDocument | undefined, env: NodeJS.ProcessEnv): ConfigProblem[] {
  const ref = config.store.kind === 'table' ? config.store.connectionString : undefined;
  const name = ref?.slice('env:'.length);
  if (ref === undefined || !name || (env[name] ?? '') !== '') return [];
  const issue: Issue = { code: 'custom', path: ['store', 'connectionString'], message: `app setting ${name} is not set: store.connectionString refers to ${ref}`, input: ref };
  return problemsFromIssues([issue], file, parsed?.raw, parsed);
}

/**
 * Loads the configuration for the Functions app: `AIRLOCK_CONFIG_FILE` (a path) or
 * `AIRLOCK_CONFIG_YAML` (inline YAML), then `AIRLOCK__...` overrides from app settings. The
 * document goes through the same parser and checks as the CLI's, so both refuse the same files.
 */
export async function loadConfigFromEnv(env: NodeJS.ProcessEnv): Promise<AirlockConfig> {
  let source = 'app settings';
  let parsed: ParsedDocument | undefined;
  const file = env['AIRLOCK_CONFIG_FILE'];
  const inline = env['AIRLOCK_CONFIG_YAML'];
  if (file) {
    source = file;
    parsed = parseOrThrow(await readConfigText(file), file);
  } else if (inline) {
    source = 'AIRLOCK_CONFIG_YAML';
    parsed = parseOrThrow(inline, source);
  }
  const overrides = envOverrides(env);
  const raw = applyEnvOverrides(parsed?.raw ?? {}, env);
  const checked = check(raw, source, parsed);
  if ('problems' in checked) {
    // A problem under an overridden key came from that app setting, not from the file.
    const settingOf = (path: string) => overrides.find((o) => path === o.path.join('.') || path.startsWith(`${o.path.join('.')}.`))?.setting;
    throw new ConfigError(
      checked.problems.map((p) => {
        const setting = settingOf(p.path);
        if (setting === undefined) return p;
        const moved: ConfigProblem = { ...p, file: setting };
        delete moved.line;
        delete moved.column;
        return moved;
      }),
    );
  }
  const secrets = unsetSecrets(checked.config, source, parsed, env);
  if (secrets.length > 0) throw new ConfigError(secrets);
  return checked.config;
}
