import { z } from 'zod';
import type { FaultKind, ProviderName } from './types.js';

/**
 * How the simulator behaves around the estate it serves: paging, latency, throttling, faults and
 * which operations are allowed. Defaults model the real clouds; tests scale them down.
 */

const positiveInt = z.number().int().min(1);

/**
 * Page sizes of the real APIs, served unless the behaviour sets a page size: Resource Graph
 * returns at most 1,000 rows per response and Airlock asks for 1,000 (`$top`; paging-results.md);
 * a Cost Management query answers 1,000 rows per page, then a nextLink. Cloud Asset `assets.list`
 * at most 1,000 (`pageSize`, default 100); Compute lists and aggregated lists at most 500
 * (`maxResults`, default 500). APIs whose documentation leaves the page to the server (Cloud DNS,
 * Resource Manager v3) get the fallback.
 */
const COMPUTE_LISTS = ['networks', 'routes', 'firewalls', 'subnetworks', 'routers', 'instances'].flatMap((c) => [`compute:${c}.list`, `compute:${c}.aggregatedList`]);
const REAL_PAGE_SIZES: Readonly<Record<string, number>> = {
  'resourcegraph:resources': 1000,
  'costmanagement:query': 1000,
  'asset:assets.list': 1000,
  ...Object.fromEntries(COMPUTE_LISTS.map((op) => [op, 500])),
};
const FALLBACK_PAGE_SIZE = 100;
const nonNegative = z.number().min(0);

const tokenBucket = z
  .object({
    bucket: positiveInt.describe('Tokens in a full bucket (the burst)'),
    refillPerSecond: z.number().positive().describe('Tokens added per second'),
  })
  .strict();

const quotaWindow = z
  .object({
    quota: positiveInt.describe('Requests allowed per window'),
    windowSeconds: z.number().positive().describe('Window length in seconds'),
  })
  .strict();

const providerNumbers = z
  .object({ azure: positiveInt.optional(), gcp: positiveInt.optional(), aws: positiveInt.optional() })
  .strict()
  .default({});

const latency = z
  .object({
    meanMs: nonNegative.default(0),
    jitterMs: nonNegative.default(0).describe('Uniform jitter added to or taken from the mean'),
  })
  .strict();

const FAULT_KINDS = ['server-error', 'reset', 'slow', 'truncated', 'malformed', 'denied', 'throttled'] as const satisfies readonly FaultKind[];

const operationPatterns = z
  .array(z.string().min(1))
  .describe('Operation names; `*` matches any run of characters, e.g. `arm:*` or `ec2:Describe*`');

const rateFault = z
  .object({
    kind: z.enum(FAULT_KINDS),
    rate: z.number().min(0).max(1).describe('Probability per call (seeded, deterministic)'),
    operations: operationPatterns.optional().describe('Only these operations (default: all)'),
  })
  .strict();

const callFault = z
  .object({
    kind: z.enum(FAULT_KINDS),
    operation: z.string().min(1).describe('Operation name or pattern'),
    bucket: z.string().min(1).optional().describe('Only calls in this throttling bucket (subscription, project, account/region)'),
    nth: positiveInt.optional().describe('Only the nth matching call (1-based)'),
    times: positiveInt.optional().describe('Only the first N matching calls'),
  })
  .strict()
  .refine((f) => f.nth === undefined || f.times === undefined, { message: 'give nth or times, not both' });

export const behaviourSchema = z
  .object({
    seed: z.number().int().default(1).describe('Seed for rate faults and latency jitter'),
    pageSize: z
      .object({
        default: positiveInt.optional().describe(`Items per page of every operation not named below (default: the real API's page where known, ${FALLBACK_PAGE_SIZE} otherwise)`),
        providers: providerNumbers,
        operations: z.record(z.string(), positiveInt).default({}).describe('Per-operation page size, e.g. { "arm:managedClusters.list": 2 }'),
      })
      .strict()
      .default({ providers: {}, operations: {} }),
    latency: latency
      .extend({
        providers: z
          .object({ azure: latency.optional(), gcp: latency.optional(), aws: latency.optional() })
          .strict()
          .default({}),
      })
      .default({ meanMs: 0, jitterMs: 0, providers: {} }),
    throttle: z
      .object({
        enabled: z.boolean().default(true),
        arm: tokenBucket.default({ bucket: 250, refillPerSecond: 25 }).describe('ARM reads per subscription'),
        resourceGraph: quotaWindow.default({ quota: 15, windowSeconds: 5 }).describe('Resource Graph queries per principal'),
        costManagement: quotaWindow.default({ quota: 12, windowSeconds: 10 }).describe('Cost Management queries per scope'),
        gcp: quotaWindow.default({ quota: 1500, windowSeconds: 60 }).describe('GCP reads per project per minute'),
        ec2: tokenBucket.default({ bucket: 100, refillPerSecond: 20 }).describe('EC2 Describe* per account-region'),
        awsOther: tokenBucket.default({ bucket: 50, refillPerSecond: 10 }).describe('EKS, ELB, Route 53 per account-region'),
      })
      .strict()
      .default({
        enabled: true,
        arm: { bucket: 250, refillPerSecond: 25 },
        resourceGraph: { quota: 15, windowSeconds: 5 },
        costManagement: { quota: 12, windowSeconds: 10 },
        gcp: { quota: 1500, windowSeconds: 60 },
        ec2: { bucket: 100, refillPerSecond: 20 },
        awsOther: { bucket: 50, refillPerSecond: 10 },
      }),
    faults: z
      .object({
        rates: z.array(rateFault).default([]),
        calls: z.array(callFault).default([]),
        slowMs: nonNegative.default(2000).describe('Delay added by a `slow` fault'),
        retryAfterMs: positiveInt.default(1000).describe('Wait a `throttled` fault asks for: Retry-After in whole seconds (rounded up), retry-after-ms where the cloud reads it (Azure)'),
      })
      .strict()
      .default({ rates: [], calls: [], slowMs: 2000, retryAfterMs: 1000 }),
    allow: operationPatterns.optional().describe('When set, only these operations are served; others get the provider’s `denied` answer'),
  })
  .strict();

export type Behaviour = z.output<typeof behaviourSchema>;
export type BehaviourInput = z.input<typeof behaviourSchema>;

/** Validates a behaviour, naming every bad knob: `simulator behaviour is invalid: ✖ ... → at throttle.arm.bucket`. */
export function parseBehaviour(input: unknown = {}): Behaviour {
  const result = behaviourSchema.safeParse(input);
  if (!result.success) throw new Error(`simulator behaviour is invalid:\n${z.prettifyError(result.error)}`);
  return result.data;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep-merges plain objects; arrays and scalars in `patch` replace those in `base`. */
export function deepMerge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch === undefined ? base : patch;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out;
}

/** Applies a partial behaviour on top of a full one (used by `setBehaviour`). */
export function mergeBehaviour(current: Behaviour, partial: BehaviourInput): Behaviour {
  return parseBehaviour(deepMerge(current, partial));
}

export function pageSizeFor(behaviour: Behaviour, provider: ProviderName, operation: string): number {
  return behaviour.pageSize.operations[operation] ?? behaviour.pageSize.providers[provider] ?? behaviour.pageSize.default ?? REAL_PAGE_SIZES[operation] ?? FALLBACK_PAGE_SIZE;
}

export function latencyFor(behaviour: Behaviour, provider: ProviderName): { meanMs: number; jitterMs: number } {
  return behaviour.latency.providers[provider] ?? behaviour.latency;
}

const patternCache = new Map<string, RegExp>();

/** `*` matches any run of characters; everything else is literal. */
export function matchesOperation(pattern: string, operation: string): boolean {
  if (!pattern.includes('*')) return pattern === operation;
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    patternCache.set(pattern, re);
  }
  return re.test(operation);
}

export function isAllowed(behaviour: Behaviour, operation: string): boolean {
  return behaviour.allow === undefined || behaviour.allow.some((p) => matchesOperation(p, operation));
}
