import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { awsEstateSchema, type AwsEstate } from '../aws/scenario.js';
import { azureEstateSchema, type AzureEstate } from '../azure/scenario.js';
import { gcpEstateSchema, type GcpEstate } from '../gcp/scenario.js';
import type { ProviderEnv, ProviderFactory, ProviderName, ProviderScopes, ProviderServer, SimRequest, SimResponse } from './types.js';

/** Each cloud's estate type and schema (from sim/<cloud>/scenario.ts). */
export interface Estates {
  azure: AzureEstate;
  gcp: GcpEstate;
  aws: AwsEstate;
}

export const estateSchemas = {
  azure: azureEstateSchema,
  gcp: gcpEstateSchema,
  aws: awsEstateSchema,
} as const;

const FACTORY_NAMES: Record<ProviderName, string> = { azure: 'createAzureProvider', gcp: 'createGcpProvider', aws: 'createAwsProvider' };
const GENERATOR_NAMES: Record<ProviderName, string> = { azure: 'generateAzureEstate', gcp: 'generateGcpEstate', aws: 'generateAwsEstate' };

/**
 * Loads `export name` from sim/<cloud>/<file>.ts. Loaded by name at run time so the core keeps
 * working (and says clearly what is missing) while a cloud emulation is not there yet.
 */
async function loadExport(cloud: ProviderName, file: 'index' | 'generate', name: string): Promise<((...args: never[]) => unknown) | string> {
  const specifier = `../${cloud}/${file}.js`;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    // Only the module itself missing means "not there yet"; a missing import inside it is a real error.
    const exists = ['ts', 'js'].some((ext) => existsSync(fileURLToPath(new URL(`../${cloud}/${file}.${ext}`, import.meta.url))));
    if (!exists) {
      return `sim/${cloud}/${file}.ts does not exist yet`;
    }
    throw err;
  }
  const value = mod[name];
  return typeof value === 'function' ? (value as (...args: never[]) => unknown) : `sim/${cloud}/${file}.ts does not export a function ${name}`;
}

async function loadProviderFactory<C extends ProviderName>(cloud: C): Promise<ProviderFactory<Estates[C]> | string> {
  const found = await loadExport(cloud, 'index', FACTORY_NAMES[cloud]);
  return typeof found === 'string' ? found : (found as unknown as ProviderFactory<Estates[C]>);
}

export async function loadEstateGenerator(cloud: ProviderName): Promise<((options: Record<string, number>) => unknown) | string> {
  const found = await loadExport(cloud, 'generate', GENERATOR_NAMES[cloud]);
  return typeof found === 'string' ? found : (found as unknown as (options: Record<string, number>) => unknown);
}

/** Answers every request with 501 and the reason, when a cloud emulation cannot be loaded. */
function unavailableProvider(provider: ProviderName, reason: string): ProviderServer {
  const answer = (req: SimRequest): SimResponse => ({
    status: 501,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error: { code: 'SimulatorProviderUnavailable', message: `simulator: the ${provider} emulation is unavailable (${reason}); cannot serve ${req.method} ${req.url.pathname}` } }),
  });
  return {
    provider,
    route: () => undefined,
    notFound: answer,
    throttled: () => ({ status: 429 }),
    fault: () => ({ status: 500 }),
  };
}

/** Builds one cloud's provider from its estate (an empty estate when the scenario has none). */
export async function buildProvider<C extends ProviderName>(cloud: C, estate: Estates[C] | undefined, env: ProviderEnv): Promise<ProviderServer> {
  const factory = await loadProviderFactory(cloud);
  if (typeof factory === 'string') return unavailableProvider(cloud, factory);
  let resolved: Estates[C];
  if (estate !== undefined) {
    resolved = estate;
  } else {
    const empty = estateSchemas[cloud].safeParse({});
    if (!empty.success) {
      throw new Error(`simulator: sim/${cloud}/scenario.ts ${cloud}EstateSchema must accept an empty estate ({}): ${empty.error.message}`);
    }
    resolved = empty.data as Estates[C];
  }
  return factory(resolved, env);
}

const idOf = z.union([z.object({ id: z.string() }).loose(), z.object({ subscriptionId: z.string() }).loose(), z.object({ projectId: z.string() }).loose(), z.object({ accountId: z.string() }).loose()]);

function idsOf(list: unknown): string[] {
  if (!Array.isArray(list)) return [];
  const out: string[] = [];
  for (const item of list) {
    if (typeof item === 'string') {
      out.push(item);
      continue;
    }
    const parsed = idOf.safeParse(item);
    if (!parsed.success) continue;
    const d = parsed.data as Record<string, unknown>;
    const id = d['id'] ?? d['subscriptionId'] ?? d['projectId'] ?? d['accountId'];
    if (typeof id === 'string') out.push(id);
  }
  return out;
}

function regionsOf(estate: Record<string, unknown>): string[] {
  const regions = new Set<string>(idsOf(estate['regions']));
  const accounts = estate['accounts'];
  if (Array.isArray(accounts)) {
    for (const account of accounts) {
      if (account === null || typeof account !== 'object') continue;
      const list = (account as Record<string, unknown>)['regions'];
      if (!Array.isArray(list)) continue;
      for (const r of list) {
        if (typeof r === 'string') regions.add(r);
        else if (r !== null && typeof r === 'object') {
          const rec = r as Record<string, unknown>;
          const name = rec['name'] ?? rec['region'] ?? rec['id'];
          if (typeof name === 'string') regions.add(name);
        }
      }
    }
  }
  return [...regions];
}

/**
 * The scopes an estate holds: from the provider's `scopes()` when it has one, otherwise read from
 * the estate's conventional fields (`subscriptions[].id`, `projects[].id`, `accounts[].{id, regions}`).
 */
export function scopesOf(cloud: ProviderName, estate: unknown, provider: ProviderServer | undefined): ProviderScopes {
  const fromProvider = provider?.scopes?.();
  if (fromProvider) return fromProvider;
  if (estate === null || typeof estate !== 'object') return {};
  const e = estate as Record<string, unknown>;
  switch (cloud) {
    case 'azure':
      return { subscriptions: idsOf(e['subscriptions']) };
    case 'gcp':
      return { projects: idsOf(e['projects']) };
    case 'aws':
      return { accounts: idsOf(e['accounts']), regions: regionsOf(e) };
  }
}
