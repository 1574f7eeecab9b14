/**
 * The CIDR helpers of shared/util/cidr.ts for rules, with every text parsed once per evaluation:
 * an estate repeats the same few ranges (on-prem, a hub's prefixes, the Google API VIPs) thousands
 * of times, and parsing (BigInt arithmetic) was most of the rules' time. Same answers as the util
 * functions; the cache is kit.ts's perEvaluation (emptied when an evaluation starts and ends, bounded).
 */
import * as util from '../util/cidr.js';
import type { Cidr } from '../util/cidr.js';
import { perEvaluation } from './kit.js';

export type { Cidr } from '../util/cidr.js';

/** Four decimal parts without leading zeros and an optional decimal prefix: the form nearly every range takes. */
const IPV4_BLOCK = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\/(0|[1-9]\d?))?$/;

/**
 * util.tryParseCidr's answer for a plain IPv4 block or address, in number arithmetic (BigInt only
 * for the bounds); undefined for anything else, which util parses.
 */
function parseIPv4Block(text: string): Cidr | undefined {
  const m = IPV4_BLOCK.exec(text);
  if (!m) return undefined;
  let value = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    value = value * 256 + octet;
  }
  const prefixLength = m[5] === undefined ? 32 : Number(m[5]);
  if (prefixLength > 32) return undefined;
  const size = 2 ** (32 - prefixLength);
  const first = Math.floor(value / size) * size;
  return { text, family: 'ipv4', prefixLength, first: BigInt(first), last: BigInt(first + size - 1) };
}

/** util.tryParseCidr, cached: the block, or undefined when the text is not a CIDR. */
export const tryParseCidr: (text: string) => Cidr | undefined = perEvaluation((text) => parseIPv4Block(text) ?? util.tryParseCidr(text));

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
