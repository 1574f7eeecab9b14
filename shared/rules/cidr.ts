/**
 * The CIDR helpers of shared/util/cidr.ts for rules, with every text parsed once per evaluation:
 * an estate repeats the same few ranges (on-prem, a hub's prefixes, the Google API VIPs) thousands
 * of times, and parsing (BigInt arithmetic) was most of the rules' time. Same answers as the util
 * functions; the cache is emptied when an evaluation starts and ends (kit.ts) and never grows past
 * a bound, so it holds no more than one run's distinct ranges.
 */
import * as util from '../util/cidr.js';
import type { Cidr } from '../util/cidr.js';

export type { Cidr } from '../util/cidr.js';

/** Distinct texts kept at most; past it the cache starts over (a correct answer, only slower). */
const LIMIT = 100_000;
const parsed = new Map<string, Cidr | null>();

/** Empties the cache (kit.ts calls it around each evaluation). */
export function clearCidrCache(): void {
  parsed.clear();
}

/** util.tryParseCidr, cached: the block, or undefined when the text is not a CIDR. */
export function tryParseCidr(text: string): Cidr | undefined {
  let cidr = parsed.get(text);
  if (cidr === undefined) {
    if (parsed.size >= LIMIT) parsed.clear();
    cidr = util.tryParseCidr(text) ?? null;
    parsed.set(text, cidr);
  }
  return cidr ?? undefined;
}

/** util.parseCidr, cached: throws with the offending text. */
export function parseCidr(text: string): Cidr {
  return tryParseCidr(text) ?? util.parseCidr(text);
}

const block = (c: Cidr | string): Cidr => (typeof c === 'string' ? parseCidr(c) : c);

export function overlaps(a: Cidr | string, b: Cidr | string): boolean {
  return util.overlaps(block(a), block(b));
}

/** True when `inner` lies entirely within `outer`. */
export function contains(outer: Cidr | string, inner: Cidr | string): boolean {
  return util.contains(block(outer), block(inner));
}

/** True for 0.0.0.0/0 and ::/0. */
export function isAnyAddress(cidr: Cidr | string): boolean {
  return block(cidr).prefixLength === 0;
}

/** Every overlapping pair between two lists of blocks (unparseable entries are skipped), as util.overlappingPairs. */
export function overlappingPairs(left: readonly string[], right: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const l of left) {
    const a = tryParseCidr(l);
    if (!a) continue;
    for (const r of right) {
      const b = tryParseCidr(r);
      if (b && util.overlaps(a, b)) pairs.push([l, r]);
    }
  }
  return pairs;
}

/** True when some block of `left` overlaps some block of `right` (unparseable entries are skipped); allocates nothing. */
export function anyOverlap(left: readonly string[], right: readonly string[]): boolean {
  for (const l of left) {
    const a = tryParseCidr(l);
    if (!a) continue;
    for (const r of right) {
      const b = tryParseCidr(r);
      if (b && util.overlaps(a, b)) return true;
    }
  }
  return false;
}

/** True when every text is a CIDR block or address. */
export function allCidrs(ranges: readonly string[]): boolean {
  for (const r of ranges) if (tryParseCidr(r) === undefined) return false;
  return true;
}
