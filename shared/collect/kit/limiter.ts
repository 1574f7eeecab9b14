import pLimit, { type LimitFunction } from 'p-limit';

/**
 * Concurrency bounded per real throttling bucket (ARM: subscription; Resource Graph: the
 * principal's quota; GCP: project; AWS: account-region) plus one global cap, in place of nested
 * limits that multiply. A task takes its bucket's slot first, then a global one, so a busy bucket
 * never starves the others of global slots it cannot use.
 */
export interface LimiterOptions {
  /** Requests in flight per bucket. */
  perBucket: number;
  /** Requests in flight in all buckets together. */
  global: number;
}

export interface BucketStats {
  /** Most requests seen in flight at once in this bucket. */
  maxInFlight: number;
  tasks: number;
}

export class BucketLimiter {
  private readonly global: LimitFunction;
  private readonly buckets = new Map<string, { limit: LimitFunction; inFlight: number; stats: BucketStats }>();
  private inFlight = 0;
  /** Most requests seen in flight at once across every bucket. */
  maxInFlight = 0;

  constructor(readonly options: LimiterOptions) {
    if (!(options.perBucket >= 1) || !(options.global >= 1)) throw new Error(`limits must be at least 1 (got perBucket ${options.perBucket}, global ${options.global})`);
    this.global = pLimit(options.global);
  }

  run<T>(bucket: string, task: () => Promise<T>): Promise<T> {
    let b = this.buckets.get(bucket);
    if (!b) {
      b = { limit: pLimit(this.options.perBucket), inFlight: 0, stats: { maxInFlight: 0, tasks: 0 } };
      this.buckets.set(bucket, b);
    }
    const entry = b;
    return entry.limit(() =>
      this.global(async () => {
        entry.inFlight += 1;
        this.inFlight += 1;
        entry.stats.tasks += 1;
        entry.stats.maxInFlight = Math.max(entry.stats.maxInFlight, entry.inFlight);
        this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
        try {
          return await task();
        } finally {
          entry.inFlight -= 1;
          this.inFlight -= 1;
        }
      }),
    );
  }

  /** Per-bucket figures, for tests and the benchmark. */
  stats(): ReadonlyMap<string, BucketStats> {
    return new Map([...this.buckets].map(([k, v]) => [k, { ...v.stats }]));
  }
}
