import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { validateConfig } from '../shared/config/load.js';
import type { AirlockConfig } from '../shared/config/schema.js';
import { deepMerge, type Behaviour, type BehaviourInput } from './core/behaviour.js';
import { buildProvider, scopesOf } from './core/clouds.js';
import { PROVIDERS, SimServer, type SimCounts, type SimEndpoints } from './core/server.js';
import type { ProviderName, ProviderScopes, ProviderServer } from './core/types.js';
import { loadReplayProviders, type ReplayOptions } from './replay/index.js';
import { loadScenario, simulatorConfig, type Scenario } from './scenario/index.js';

export type { BehaviourInput } from './core/behaviour.js';
export type { Scenario } from './scenario/index.js';
export { loadScenario, ScenarioError } from './scenario/index.js';

export interface StartSimulatorOptions {
  /** A loaded scenario, or a scenario name / path for loadScenario. */
  scenario: Scenario | string;
  /** Applied on top of the scenario's own behaviour. */
  behaviour?: BehaviourInput;
  /** Millisecond clock for the throttling models (tests advance a fake one instead of sleeping). */
  now?: () => number;
  /** Serve recorded responses from a realdata directory instead of (azure, gcp, aws) providers built from the scenario. */
  replay?: ReplayOptions;
}

interface WriteConfigOptions {
  /** File store directory; default `.airlock/state` beside the written file. */
  storePath?: string;
  /** Extra overrides merged last, in airlock.yaml's shape. */
  overrides?: Record<string, unknown>;
}

interface WrittenConfig {
  configFile: string;
  caFile: string;
  config: AirlockConfig;
}

export interface Simulator {
  readonly endpoints: SimEndpoints;
  readonly scenario: Scenario;
  readonly behaviour: Behaviour;
  counts(): SimCounts;
  resetCounts(): void;
  /** Deep-merges a partial behaviour into the current one; throttling and exact-call fault state start afresh. */
  setBehaviour(partial: BehaviourInput): void;
  /** Rebuilds every provider from a changed scenario (drift tests mutate the estate between runs). */
  replaceScenario(scenario: Scenario): Promise<void>;
  /** The scopes the served estate holds, per cloud. */
  scopes(): Record<ProviderName, ProviderScopes>;
  /** Writes an airlock.yaml pointing every cloud at this simulator, and the CA PEM next to it. */
  writeConfig(file: string, options?: WriteConfigOptions): Promise<WrittenConfig>;
  /** Closes every listener and connection. */
  stop(): Promise<void>;
}

async function buildProviders(server: SimServer, scenario: Scenario): Promise<Record<ProviderName, ProviderServer>> {
  const [azure, gcp, aws] = await Promise.all([
    buildProvider('azure', scenario.azure, server.env('azure')),
    buildProvider('gcp', scenario.gcp, server.env('gcp')),
    buildProvider('aws', scenario.aws, server.env('aws')),
  ]);
  return { azure, gcp, aws };
}

/**
 * Starts the simulator for a scenario: three listeners on 127.0.0.1 (Azure over HTTPS), providers
 * built once from the scenario's estates (an empty estate for a cloud it leaves out).
 */
export async function startSimulator(options: StartSimulatorOptions): Promise<Simulator> {
  let scenario = typeof options.scenario === 'string' ? await loadScenario(options.scenario) : options.scenario;
  const behaviour = deepMerge(scenario.behaviour ?? {}, options.behaviour ?? {}) as BehaviourInput;
  const server = await SimServer.start({ behaviour, ...(options.now ? { now: options.now } : {}) });
  let providers: Record<ProviderName, ProviderServer>;
  try {
    providers = options.replay ? await loadReplayProviders(options.replay) : await buildProviders(server, scenario);
  } catch (err) {
    await server.stop();
    throw err;
  }
  server.setProviders(providers);

  const scopes = (): Record<ProviderName, ProviderScopes> => {
    const out = {} as Record<ProviderName, ProviderScopes>;
    for (const cloud of PROVIDERS) out[cloud] = scopesOf(cloud, scenario[cloud], providers[cloud]);
    return out;
  };

  return {
    endpoints: server.endpoints,
    get scenario() {
      return scenario;
    },
    get behaviour() {
      return server.behaviour;
    },
    counts: () => server.counts(),
    resetCounts: () => {
      server.resetCounts();
    },
    setBehaviour: (partial) => {
      server.setBehaviour(partial);
    },
    async replaceScenario(next) {
      if (options.replay) throw new Error('simulator: replaceScenario is not available in replay mode');
      const rebuilt = await buildProviders(server, next);
      providers = rebuilt;
      scenario = next;
      server.setProviders(rebuilt);
    },
    scopes,
    async writeConfig(file, writeOptions = {}) {
      const configFile = path.resolve(file);
      const dir = path.dirname(configFile);
      await mkdir(dir, { recursive: true });
      const caFile = path.join(dir, 'simulator-ca.pem');
      await writeFile(caFile, server.endpoints.azure.caPem);
      const s = scopes();
      const raw = simulatorConfig(
        {
          azure: { url: server.endpoints.azure.url, caFile, subscriptions: s.azure.subscriptions ?? [] },
          gcp: { url: server.endpoints.gcp.url, projects: s.gcp.projects ?? [] },
          aws: { url: server.endpoints.aws.url, accounts: s.aws.accounts ?? [], regions: s.aws.regions ?? [] },
          storePath: writeOptions.storePath ?? path.join(dir, '.airlock', 'state'),
        },
        deepMerge(scenario.config, writeOptions.overrides ?? {}) as Record<string, unknown>,
      );
      const config = validateConfig(raw, configFile);
      await writeFile(configFile, `# Written by the Airlock simulator for scenario "${scenario.name}". Endpoints change on every start.\n${stringify(raw)}`);
      return { configFile, caFile, config };
    },
    stop: () => server.stop(),
  };
}
