import { z } from 'zod';
import type { Cloud } from '../../model/scope.js';
import { ShapeError } from './errors.js';

/**
 * One API operation a collector performs: the name its CallRecords carry and the permission it
 * needs. The permissions document, `airlock permissions` and the simulator's allow-list test are
 * derived from the operations the dataset descriptors declare, never written by hand.
 */
export interface Operation {
  /** As counted in CallRecord.api, e.g. `arm:managedClusters.list`, `compute:networks.list`, `ec2:DescribeVpcs`. */
  api: string;
  /** Azure RBAC action, GCP IAM permission or AWS IAM action. */
  permission: string;
  description: string;
}

/**
 * A dataset: what to read, on which paths, with which permission, validated and normalised by
 * which schema (Cloud Custodian's `resource_type`, per dataset). `Paths` is the cloud's own shape
 * (Azure: Resource Graph and ARM; GCP: per project and Cloud Asset; AWS: per account-region) with
 * every path required, so a dataset without a fallback path does not compile.
 */
export interface DatasetDescriptor<C extends Cloud, Name extends string, Rec, Paths> {
  cloud: C;
  dataset: Name;
  paths: Paths;
  /** Validates one raw item (any path's shape) and maps it to its inventory record; throws ShapeError. */
  map: (raw: unknown) => Rec;
}

/** Every distinct operation named anywhere in `descriptors` (walks the paths for `Operation` objects). */
export function operationsOf(descriptors: readonly { paths: unknown }[], extra: readonly Operation[] = []): Operation[] {
  const found = new Map<string, Operation>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (typeof o['api'] === 'string' && typeof o['permission'] === 'string' && typeof o['description'] === 'string') {
      const op = o as unknown as Operation;
      const seen = found.get(op.api);
      if (seen && seen.permission !== op.permission) throw new Error(`operation ${op.api} declared with two permissions: ${seen.permission} and ${op.permission}`);
      // Kept whole: a cloud's operations may carry more (Azure's built-in role).
      found.set(op.api, { ...op });
      return;
    }
    Object.values(o).forEach(visit);
  };
  descriptors.forEach((d) => { visit(d.paths); });
  extra.forEach(visit);
  return [...found.values()].sort((a, b) => a.api.localeCompare(b.api));
}

/**
 * Re-keys an object to the spelling `keys` use, matching case-insensitively (Azure spells
 * `authorizedIPRanges` three ways). Unknown keys are kept as they are. The key table is built once
 * per schema, and an object whose keys need no renaming passes as it is (most do).
 */
function rekeyer(keys: readonly string[]): (raw: unknown) => unknown {
  const canonical = new Map(keys.map((k) => [k.toLowerCase(), k]));
  const exact = new Set(keys);
  return (raw) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
    const own = Object.keys(raw);
    if (own.every((k) => exact.has(k) || !canonical.has(k.toLowerCase()))) return raw;
    const out: Record<string, unknown> = {};
    for (const k of own) {
      const key = canonical.get(k.toLowerCase()) ?? k;
      // The exact spelling wins over a case variant seen earlier.
      if (key in out && k !== key) continue;
      out[key] = (raw as Record<string, unknown>)[k];
    }
    return out;
  };
}

/**
 * `z.object(shape)` that accepts any casing of the shape's keys, so a schema states the field
 * once and the three Azure spellings (wire, Resource Graph, SDK-flattened) all validate.
 */
export function ciObject<S extends z.ZodRawShape>(shape: S) {
  return z.preprocess(rekeyer(Object.keys(shape)), z.object(shape));
}

function defaultLabel(raw: unknown): string {
  if (raw !== null && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (/^(id|selflink|arn|name)$/i.test(k) && typeof v === 'string') return v;
    }
  }
  return `${JSON.stringify(raw) as string | undefined}`.slice(0, 120);
}

/**
 * A descriptor's `map` from its zod schema: the schema validates and normalises, and a rejected
 * item becomes a ShapeError naming the item and every offending field (a Coverage error, not a crash).
 */
export function mapWith<T>(schema: z.ZodType<T>, label: (raw: unknown) => string = defaultLabel): (raw: unknown) => T {
  return (raw) => {
    const result = schema.safeParse(raw);
    if (result.success) return result.data;
    const issues = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(item)'}: ${i.message}`);
    throw new ShapeError(`unexpected shape of ${label(raw)}: ${issues.join('; ')}`);
  };
}
