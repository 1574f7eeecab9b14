import { matchesOperation, type Behaviour } from './behaviour.js';
import type { FaultKind, RoutedCall } from './types.js';

/** FNV-1a over a string, then a mulberry32 round: a fast, well-mixed 32-bit hash. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h = (h + 0x6d2b79f5) | 0;
  let t = Math.imul(h ^ (h >>> 15), 1 | h);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}

/**
 * A deterministic number in [0, 1) for the given seed and key. Keyed by operation, bucket and
 * occurrence rather than drawn from one stream, so concurrent calls to other operations do not
 * change which calls of this one fail.
 */
export function seededRandom(seed: number, key: string): number {
  return hash32(`${seed}|${key}`) / 0x1_0000_0000;
}

/** Decides which injected fault, if any, applies to a call. */
export class FaultInjector {
  /** Matching calls seen per exact-call rule (index into behaviour.faults.calls). */
  private callRuleHits: number[] = [];
  /** Occurrences per operation|bucket, for rate faults. */
  private readonly occurrences = new Map<string, number>();

  reset(): void {
    this.callRuleHits = [];
    this.occurrences.clear();
  }

  decide(call: RoutedCall, behaviour: Behaviour): FaultKind | undefined {
    const { calls, rates } = behaviour.faults;
    for (const [index, rule] of calls.entries()) {
      if (!matchesOperation(rule.operation, call.operation)) continue;
      if (rule.bucket !== undefined && rule.bucket.toLowerCase() !== call.bucket.toLowerCase()) continue;
      const hit = (this.callRuleHits[index] ?? 0) + 1;
      this.callRuleHits[index] = hit;
      if (rule.nth !== undefined ? hit === rule.nth : rule.times !== undefined ? hit <= rule.times : true) return rule.kind;
    }
    if (rates.length === 0) return undefined;
    const key = `${call.operation}|${call.bucket}`;
    const n = (this.occurrences.get(key) ?? 0) + 1;
    this.occurrences.set(key, n);
    for (const [index, rule] of rates.entries()) {
      if (rule.rate <= 0) continue;
      if (rule.operations && !rule.operations.some((p) => matchesOperation(p, call.operation))) continue;
      if (seededRandom(behaviour.seed, `${index}|${rule.kind}|${key}|${n}`) < rule.rate) return rule.kind;
    }
    return undefined;
  }
}
