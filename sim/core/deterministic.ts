import { createHash } from 'node:crypto';

/**
 * Deterministic building blocks the cloud emulations and estate generators share: the same seed
 * or key always gives the same numbers, ids and names.
 */

/** mulberry32: a small, fast, seedable PRNG returning numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `length` hex digits derived from a key (SHA-256 of `<key>#0`, `<key>#1`, ... as needed). */
export function hex(key: string, length: number): string {
  let out = '';
  for (let i = 0; out.length < length; i++) out += createHash('sha256').update(`${key}#${i}`).digest('hex');
  return out.slice(0, length);
}
