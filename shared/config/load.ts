import { readFile } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { formatProblem, parseYamlDocument, problemsFromIssues, type ConfigProblem, type ParsedDocument } from './problems.js';
import { configSchema, type AirlockConfig } from './schema.js';

export { formatProblem, type ConfigProblem } from './problems.js';

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`configuration is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Validates a parsed configuration object. Every problem is reported at once, with the path,
 * the line (when a YAML document is given), what was expected and what was found.
 */
export function validateConfig(raw: unknown, file: string, parsed?: Pick<ParsedDocument, 'doc' | 'counter'>): AirlockConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(problemsFromIssues(result.error.issues, file, raw, parsed));
}

/** Parses YAML text and validates it; YAML syntax errors are reported with their line too. */
export function parseConfigText(text: string, file: string): AirlockConfig {
  const parsed = parseYamlDocument(text, file);
  if (Array.isArray(parsed)) throw new ConfigError(parsed);
  return validateConfig(parsed.raw, file, parsed);
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
