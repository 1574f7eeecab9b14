import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { formatProblem, parseYamlDocument, problemsFromIssues, type ConfigProblem, type ParsedDocument } from '../../shared/config/problems.js';
import { configSchema } from '../../shared/config/schema.js';
import { behaviourSchema, deepMerge, type BehaviourInput } from '../core/behaviour.js';
import { estateSchemas, type Estates } from '../core/clouds.js';
import { dropExtensionKeys } from '../core/estate-schema.js';
import type { ProviderName } from '../core/types.js';

/**
 * A scenario: an estate per cloud, the ground truth an auditor must report on it, overrides for
 * the generated airlock.yaml and optional simulator behaviour. On disk either a directory
 * `sim/scenarios/<name>/` (scenario.yaml + optional azure.yaml, gcp.yaml, aws.yaml) or one
 * YAML/JSON file with `azure:`, `gcp:`, `aws:` sections.
 */

const truthEntrySchema = z
  .object({
    ruleId: z.string().regex(/^[a-z]+\/[a-z0-9-]+$/, 'expected a rule id such as azure/aks-private-api'),
    resourceId: z.string().min(1),
  })
  .strict();
export type TruthEntry = z.output<typeof truthEntrySchema>;

const scenarioMeta = {
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'expected a kebab-case scenario name').optional(),
  description: z.string().default(''),
  config: z
    .record(z.string(), z.unknown())
    .default({})
    .describe('Overrides merged into the generated airlock.yaml (onPrem.ranges, clouds.azure.hubVnets, exceptions, ...)'),
  behaviour: behaviourSchema.optional().describe('Simulator behaviour for this scenario (paging, latency, throttling, faults)'),
  truth: z.array(truthEntrySchema).default([]).describe('Ground truth that belongs to no single cloud (audit/* rules)'),
};

/** scenario.yaml in a scenario directory. */
const scenarioFileSchema = z.object(scenarioMeta).strict();

/** A single-file scenario: the same keys plus one section per cloud. */
export const singleFileScenarioSchema = z
  .object({
    ...scenarioMeta,
    azure: estateSchemas.azure.optional(),
    gcp: estateSchemas.gcp.optional(),
    aws: estateSchemas.aws.optional(),
  })
  .strict();

export interface Scenario {
  name: string;
  description: string;
  /** Overrides for the generated airlock.yaml, in airlock.yaml's own shape. */
  config: Record<string, unknown>;
  behaviour: BehaviourInput | undefined;
  azure?: Estates['azure'];
  gcp?: Estates['gcp'];
  aws?: Estates['aws'];
  /** Every finding an auditor must report: the clouds' truth plus the scenario's own. */
  truth: TruthEntry[];
  /** Where it was loaded from (absent for generated scenarios). */
  source?: string;
}

export class ScenarioError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(`scenario is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatProblem).join('\n')}`);
    this.name = 'ScenarioError';
  }
}

const CLOUD_NAMES = ['azure', 'gcp', 'aws'] as const satisfies readonly ProviderName[];

type ParsedText = ParsedDocument;

function parseText(text: string, file: string): ParsedText {
  const parsed = parseYamlDocument(text, file, 'valid YAML or JSON');
  if (Array.isArray(parsed)) throw new ScenarioError(parsed);
  return parsed;
}

function problemsOf(issues: readonly z.core.$ZodIssue[], file: string, parsed: ParsedText, prefix: readonly PropertyKey[] = []): ConfigProblem[] {
  return problemsFromIssues(issues, file, parsed.raw, parsed, prefix);
}

async function readParsed(file: string): Promise<ParsedText> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ScenarioError([{ file, path: '', expected: 'a readable scenario file', got: (err as NodeJS.ErrnoException).code ?? String(err) }]);
  }
  return parseText(text, file);
}

function validate<S extends z.ZodType>(schema: S, parsed: ParsedText, file: string, sections: readonly string[] = []): z.output<S> {
  const raw = dropExtensionKeys(parsed.raw);
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const record = raw as Record<string, unknown>;
    for (const section of sections) if (section in record) record[section] = dropExtensionKeys(record[section]);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ScenarioError(problemsOf(result.error.issues, file, parsed));
  return result.data;
}

/**
 * The airlock.yaml a simulator writes, before scenario overrides: every cloud pointed at the
 * simulator with the simulator credential. Exported for the scenario check and for writeConfig.
 */
export interface SimulatorConfigInput {
  azure: { url: string; caFile: string; subscriptions: string[] };
  gcp: { url: string; projects: string[] };
  aws: { url: string; accounts: string[]; regions: string[] };
  storePath: string;
}

export function simulatorConfig(input: SimulatorConfigInput, overrides: Record<string, unknown>): Record<string, unknown> {
  const base = {
    clouds: {
      azure: {
        subscriptions: input.azure.subscriptions,
        credential: 'simulator',
        endpoints: { resourceManager: input.azure.url, caCertificateFile: input.azure.caFile },
      },
      gcp: {
        projects: input.gcp.projects,
        credential: 'simulator',
        endpoints: { container: input.gcp.url, compute: input.gcp.url, dns: input.gcp.url, asset: input.gcp.url, resourceManager: input.gcp.url },
      },
      aws: { accounts: input.aws.accounts, regions: input.aws.regions, credential: 'simulator', endpoint: input.aws.url },
    },
    store: { kind: 'file', path: input.storePath },
  };
  return deepMerge(base, overrides) as Record<string, unknown>;
}

/** Checks the `config` overrides against the airlock.yaml schema, reporting lines in the scenario file. */
function checkConfigOverrides(config: Record<string, unknown>, file: string, parsed: ParsedText, prefix: readonly PropertyKey[]): void {
  const merged = simulatorConfig(
    {
      azure: { url: 'https://127.0.0.1:1', caFile: 'ca.pem', subscriptions: [] },
      gcp: { url: 'http://127.0.0.1:1', projects: [] },
      aws: { url: 'http://127.0.0.1:1', accounts: [], regions: [] },
      storePath: '.airlock/state',
    },
    config,
  );
  const result = configSchema.safeParse(merged);
  if (!result.success) throw new ScenarioError(problemsOf(result.error.issues, file, parsed, prefix));
}

function truthOf(estate: unknown): TruthEntry[] {
  if (estate === null || typeof estate !== 'object') return [];
  const parsed = z.array(truthEntrySchema).safeParse((estate as Record<string, unknown>)['truth'] ?? []);
  return parsed.success ? parsed.data : [];
}

/** Union of the clouds' truth and the scenario's own, without duplicates (resource ids compared case-insensitively). */
export function collectTruth(scenario: Pick<Scenario, 'azure' | 'gcp' | 'aws'>, own: readonly TruthEntry[] = []): TruthEntry[] {
  const seen = new Set<string>();
  const out: TruthEntry[] = [];
  for (const entry of [...own, ...truthOf(scenario.azure), ...truthOf(scenario.gcp), ...truthOf(scenario.aws)]) {
    const key = `${entry.ruleId}|${entry.resourceId.toLowerCase()}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}

/** Where named scenarios live: sim/scenarios next to this module, or ./sim/scenarios from the working directory. */
function scenariosDir(): string {
  const beside = fileURLToPath(new URL('../scenarios/', import.meta.url));
  if (existsSync(beside)) return beside;
  return path.resolve('sim/scenarios');
}

export function listScenarios(): string[] {
  const dir = scenariosDir();
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(path.join(dir, d.name, 'scenario.yaml')))
    .map((d) => d.name)
    .sort();
}

async function loadDirectory(dir: string): Promise<Scenario> {
  const metaFile = path.join(dir, 'scenario.yaml');
  if (!existsSync(metaFile)) {
    throw new ScenarioError([{ file: dir, path: '', expected: 'a directory with scenario.yaml', got: 'no scenario.yaml' }]);
  }
  const metaParsed = await readParsed(metaFile);
  const meta = validate(scenarioFileSchema, metaParsed, metaFile);
  checkConfigOverrides(meta.config, metaFile, metaParsed, ['config']);
  const estates: Partial<Estates> = {};
  for (const cloud of CLOUD_NAMES) {
    for (const ext of ['yaml', 'yml', 'json']) {
      const file = path.join(dir, `${cloud}.${ext}`);
      if (!existsSync(file)) continue;
      const parsed = await readParsed(file);
      (estates as Record<string, unknown>)[cloud] = validate(estateSchemas[cloud], parsed, file);
      break;
    }
  }
  return {
    name: meta.name ?? path.basename(dir),
    description: meta.description,
    config: meta.config,
    behaviour: meta.behaviour,
    ...estates,
    truth: collectTruth(estates, meta.truth),
    source: dir,
  };
}

async function loadSingleFile(file: string): Promise<Scenario> {
  const parsed = await readParsed(file);
  const data = validate(singleFileScenarioSchema, parsed, file, CLOUD_NAMES);
  checkConfigOverrides(data.config, file, parsed, ['config']);
  const estates: Partial<Estates> = {};
  if (data.azure) estates.azure = data.azure;
  if (data.gcp) estates.gcp = data.gcp;
  if (data.aws) estates.aws = data.aws;
  return {
    name: data.name ?? path.basename(file).replace(/\.(ya?ml|json)$/i, ''),
    description: data.description,
    config: data.config,
    behaviour: data.behaviour,
    ...estates,
    truth: collectTruth(estates, data.truth),
    source: file,
  };
}

/**
 * Loads a scenario by name (a directory under sim/scenarios) or by path (a scenario directory, or
 * one YAML/JSON file). Every problem is reported with file, path, line, expected and found.
 */
export async function loadScenario(nameOrPath: string): Promise<Scenario> {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.includes(path.sep) || /\.(ya?ml|json)$/i.test(nameOrPath);
  const candidate = looksLikePath ? path.resolve(nameOrPath) : path.join(scenariosDir(), nameOrPath);
  if (!existsSync(candidate)) {
    const known = listScenarios();
    throw new ScenarioError([
      {
        file: candidate,
        path: '',
        expected: looksLikePath ? 'a scenario directory or a YAML/JSON scenario file' : `a scenario name (${known.length > 0 ? known.join(', ') : 'none found'}) or a path`,
        got: `"${nameOrPath}" (not found)`,
      },
    ]);
  }
  return statSync(candidate).isDirectory() ? loadDirectory(candidate) : loadSingleFile(candidate);
}
