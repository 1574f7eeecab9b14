import { auditRules } from './audit/index.js';
import { awsRules } from './aws/index.js';
import { azureRules } from './azure/index.js';
import { gcpRules } from './gcp/index.js';
import type { Rule } from './kit.js';

/** Every rule Airlock knows, in documentation order. */
export const allRules: readonly Rule[] = [...azureRules, ...gcpRules, ...awsRules, ...auditRules];

export function findRule(id: string): Rule | undefined {
  return allRules.find((r) => r.meta.id === id);
}
