import type { Behaviour } from './behaviour.js';
import type { ThrottleModelName } from './types.js';

/** The outcome of asking a throttling model for one call. */
export interface ThrottleDecision {
  allowed: boolean;
  /** Seconds the client should wait (only when not allowed). */
  retryAfterSeconds: number;
  /** Headers the model puts on every response of this kind (Resource Graph quota headers). */
  headers: Record<string, string>;
}

interface BucketState {
  tokens: number;
  updatedMs: number;
}

interface WindowState {
  startMs: number;
  used: number;
}

const ALLOW: ThrottleDecision = { allowed: true, retryAfterSeconds: 0, headers: {} };

/** `hh:mm:ss`, the format of `x-ms-user-quota-resets-after`. */
function formatHms(totalSeconds: number): string {
  const s = Math.max(0, Math.ceil(totalSeconds));
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `${hh}:${mm}:${ss}`;
}

/**
 * The throttling state of every model, keyed by bucket (subscription, principal, project,
 * account/region). Time comes from `now` so tests can advance it instead of sleeping.
 */
export class Throttler {
  private readonly buckets = new Map<string, BucketState>();
  private readonly windows = new Map<string, WindowState>();

  constructor(private readonly now: () => number) {}

  reset(): void {
    this.buckets.clear();
    this.windows.clear();
  }

  take(model: ThrottleModelName, bucket: string, behaviour: Behaviour): ThrottleDecision {
    const t = behaviour.throttle;
    switch (model) {
      case 'none':
        return ALLOW;
      case 'arm':
        return this.tokenBucket(`arm|${bucket}`, t.arm.bucket, t.arm.refillPerSecond, t.enabled);
      case 'ec2':
        return this.tokenBucket(`ec2|${bucket}`, t.ec2.bucket, t.ec2.refillPerSecond, t.enabled);
      case 'aws-other':
        return this.tokenBucket(`aws-other|${bucket}`, t.awsOther.bucket, t.awsOther.refillPerSecond, t.enabled);
      case 'gcp':
        return this.window(`gcp|${bucket}`, t.gcp.quota, t.gcp.windowSeconds, t.enabled, false);
      case 'cost-management':
        return this.window(`cost|${bucket}`, t.costManagement.quota, t.costManagement.windowSeconds, t.enabled, false);
      case 'resource-graph':
        return this.window(`rg|${bucket}`, t.resourceGraph.quota, t.resourceGraph.windowSeconds, t.enabled, true);
    }
  }

  private tokenBucket(key: string, size: number, refillPerSecond: number, enabled: boolean): ThrottleDecision {
    if (!enabled) return ALLOW;
    const now = this.now();
    const state = this.buckets.get(key) ?? { tokens: size, updatedMs: now };
    state.tokens = Math.min(size, state.tokens + ((now - state.updatedMs) / 1000) * refillPerSecond);
    state.updatedMs = now;
    this.buckets.set(key, state);
    if (state.tokens >= 1) {
      state.tokens -= 1;
      return ALLOW;
    }
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - state.tokens) / refillPerSecond)), headers: {} };
  }

  /** A fixed window that opens at the first call; `quotaHeaders` adds Resource Graph's headers. */
  private window(key: string, quota: number, windowSeconds: number, enabled: boolean, quotaHeaders: boolean): ThrottleDecision {
    const now = this.now();
    const windowMs = windowSeconds * 1000;
    let state = this.windows.get(key);
    if (!state || now - state.startMs >= windowMs) {
      state = { startMs: now, used: 0 };
      this.windows.set(key, state);
    }
    const resetsAfterSeconds = (state.startMs + windowMs - now) / 1000;
    const allowed = !enabled || state.used < quota;
    if (allowed) state.used += 1;
    const headers: Record<string, string> = quotaHeaders
      ? {
          'x-ms-user-quota-remaining': String(Math.max(0, quota - state.used)),
          'x-ms-user-quota-resets-after': formatHms(resetsAfterSeconds),
        }
      : {};
    return { allowed, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(resetsAfterSeconds)), headers };
  }
}
