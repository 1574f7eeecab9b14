import { z } from 'zod';

/** Schema pieces every cloud's estate (sim/<cloud>/scenario.ts) shares. */

/** A ground-truth finding an auditor must report on the estate. */
export const estateTruthSchema = z.object({ ruleId: z.string().min(1), resourceId: z.string().min(1) }).strict();

/** Drops top-level `x-*` keys: they hold YAML anchors for repeated blocks (as in Compose files) and are not part of the format. */
export function dropExtensionKeys(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('x-')));
}
