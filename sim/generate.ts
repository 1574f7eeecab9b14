import { estateSchemas, loadEstateGenerator, type Estates } from './core/clouds.js';
import type { AwsGenerateOptions, AzureGenerateOptions, GcpGenerateOptions, ProviderName } from './core/types.js';
import { collectTruth, type Scenario } from './scenario/index.js';

export interface GenerateScenarioOptions {
  /** Azure subscriptions (0 leaves Azure out). */
  subscriptions: number;
  /** GCP projects (0 leaves GCP out). */
  projects: number;
  /** AWS account × region pairs (0 leaves AWS out). */
  accountRegions: number;
  seed: number;
  /** On-prem ranges written into the scenario's config (the generators place findings relative to them). */
  onPremRanges?: string[];
}

export interface GeneratedScenario extends Scenario {
  /** Clouds left out because their generator (sim/<cloud>/generate.ts) is not available, with the reason. */
  skipped: Partial<Record<ProviderName, string>>;
}

const DEFAULT_ONPREM_RANGES = ['10.10.0.0/16', '172.20.0.0/14'];

export type EstateGenerators = Partial<Record<ProviderName, (options: Record<string, number>) => unknown>>;

/**
 * Composes the per-cloud generators (`generate<Cloud>Estate` in sim/<cloud>/generate.ts) into one
 * scenario with ground truth. Deterministic for a seed. Each estate is validated by its cloud's
 * schema, so a generator cannot produce something the simulator would refuse to load.
 */
export async function generateScenario(options: GenerateScenarioOptions, generators: EstateGenerators = {}): Promise<GeneratedScenario> {
  const requests: { cloud: ProviderName; count: number; args: AzureGenerateOptions | GcpGenerateOptions | AwsGenerateOptions }[] = [
    { cloud: 'azure', count: options.subscriptions, args: { subscriptions: options.subscriptions, seed: options.seed } },
    { cloud: 'gcp', count: options.projects, args: { projects: options.projects, seed: options.seed } },
    { cloud: 'aws', count: options.accountRegions, args: { accountRegions: options.accountRegions, seed: options.seed } },
  ];
  for (const r of requests) {
    if (!Number.isInteger(r.count) || r.count < 0) throw new Error(`generateScenario: ${r.cloud} count must be a whole number ≥ 0, got ${r.count}`);
  }
  const estates: Partial<Estates> = {};
  const skipped: Partial<Record<ProviderName, string>> = {};
  for (const { cloud, count, args } of requests) {
    if (count === 0) continue;
    // Injected generators are for testing the composition; the CLI and benches load sim/<cloud>/generate.ts.
    const generator = generators[cloud] ?? (await loadEstateGenerator(cloud));
    if (typeof generator === 'string') {
      skipped[cloud] = generator;
      continue;
    }
    const produced = generator(args as unknown as Record<string, number>);
    const parsed = estateSchemas[cloud].safeParse(produced);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      throw new Error(
        `generateScenario: generate${cloud[0]?.toUpperCase() ?? ''}${cloud.slice(1)}Estate produced an estate its schema rejects (${parsed.error.issues.length} problem(s); first at ${first?.path.join('.') ?? '?'}: ${first?.message ?? '?'})`,
      );
    }
    (estates as Record<string, unknown>)[cloud] = parsed.data;
  }
  return {
    name: `generated-${options.subscriptions}s-${options.projects}p-${options.accountRegions}ar-seed${options.seed}`,
    description: `Generated estate: ${options.subscriptions} subscriptions, ${options.projects} projects, ${options.accountRegions} account-regions (seed ${options.seed})`,
    config: { onPrem: { ranges: options.onPremRanges ?? DEFAULT_ONPREM_RANGES } },
    behaviour: undefined,
    ...estates,
    truth: collectTruth(estates),
    skipped,
  };
}

/** Parses `subscriptions=N,projects=N,account-regions=N[,seed=N]` (the CLI's --generate value). */
export function parseGenerateSpec(spec: string): GenerateScenarioOptions {
  const out: GenerateScenarioOptions = { subscriptions: 0, projects: 0, accountRegions: 0, seed: 1 };
  for (const part of spec.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [key, value] = part.split('=');
    const n = Number(value);
    if (value === undefined || value.trim() === '' || !Number.isInteger(n) || n < 0) {
      throw new Error(`--generate: "${part}" is not key=N with a whole number N ≥ 0 (expected subscriptions=N,projects=N,account-regions=N[,seed=N])`);
    }
    switch (key?.trim()) {
      case 'subscriptions':
        out.subscriptions = n;
        break;
      case 'projects':
        out.projects = n;
        break;
      case 'account-regions':
      case 'accountRegions':
        out.accountRegions = n;
        break;
      case 'seed':
        out.seed = n;
        break;
      default:
        throw new Error(`--generate: unknown key "${key ?? ''}" (expected subscriptions, projects, account-regions or seed)`);
    }
  }
  return out;
}
