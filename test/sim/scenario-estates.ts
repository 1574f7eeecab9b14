import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { estateSchemas, type Estates } from '../../sim/core/clouds.js';
import type { ProviderEnv } from '../../sim/core/types.js';

/** One cloud's estate of a shipped scenario (sim/scenarios/<name>/<cloud>.yaml), parsed by that cloud's schema. */
export function loadScenarioEstate<C extends keyof Estates>(cloud: C, name: string): Estates[C] {
  const raw: unknown = parse(readFileSync(new URL(`../../sim/scenarios/${name}/${cloud}.yaml`, import.meta.url), 'utf8'));
  return estateSchemas[cloud].parse(raw) as Estates[C];
}

/** Truth entries as sorted `<ruleId> <resource id, lower-cased>` keys, to compare lists regardless of order. */
export function truthKeys(list: readonly { ruleId: string; resourceId: string }[]): string[] {
  return list.map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`).sort();
}

/** The environment for building a provider that is never served (its nextLinks point nowhere). */
export const UNSERVED_ENV: ProviderEnv = { pageSize: () => 100, baseUrl: 'http://127.0.0.1:1' };
