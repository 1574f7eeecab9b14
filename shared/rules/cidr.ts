/**
 * The CIDR helpers of shared/util/cidr.ts for rules, with every text parsed once per evaluation:
 * an estate repeats the same few ranges (on-prem, a hub's prefixes, the Google API VIPs) thousands
 * of times, and parsing (BigInt arithmetic) was most of the rules' time. Same answers as the util
 * functions; the cache is kit.ts's perEvaluation (emptied when an evaluation starts and ends, bounded).
 */
import type { Inventory } from '../model/inventory/index.js';
import * as util from '../util/cidr.js';
import type { Cidr } from '../util/cidr.js';
import { perEvaluation, type RuleContext } from './kit.js';

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

/** The private IPv4 spaces a re-addressing target is searched in, in this order: RFC 1918, then RFC 6598 shared space. */
export const PRIVATE_SPACES: readonly { cidr: string; name: string }[] = [
  { cidr: '10.0.0.0/8', name: 'RFC 1918' },
  { cidr: '172.16.0.0/12', name: 'RFC 1918' },
  { cidr: '192.168.0.0/16', name: 'RFC 1918' },
  { cidr: '100.64.0.0/10', name: 'RFC 6598' },
];

/** The dotted-quad text of an IPv4 address given as a number. */
export function ipv4Text(value: number | bigint): string {
  return util.addressText(BigInt(value), 'ipv4');
}

/** A replacement for a range that overlaps something: a free block, or why there is none. */
export type FreeRange =
  | {
      found: true;
      /** The free block, e.g. `10.0.16.0/20`. */
      cidr: string;
      /** The private space it was found in, e.g. `10.0.0.0/8`. */
      space: string;
      /** The prefix length asked for; `cidr` is smaller (a longer prefix) only when no block of this size is free. */
      wanted: number;
      /** One sentence for the finding's message: what the block is and why this one. */
      explanation: string;
    }
  | { found: false; wanted: number; explanation: string };

export interface FreeRangeRequest {
  /** Prefix length the replacement needs; defaults to the original's. */
  prefixLength?: number;
  /** When no block of the wanted size is free, accept the largest free one down to this prefix length (default: the wanted one, so never smaller). */
  smallestPrefixLength?: number;
}

const sizeText = (prefixLength: number): string => (2 ** (32 - prefixLength)).toLocaleString('en-US');

/**
 * The address space of an evaluation: every range known to be taken (on-prem, and every range of
 * the inventory) and the replacements already suggested. `suggest` gives the first free block of
 * the size asked, searched first in the private space the original range lives in, then in the
 * other private spaces; each block it gives is reserved, so no two findings of a run suggest the
 * same or overlapping ranges, and the same key always gets the same answer. IPv4 only.
 * Deterministic: the same taken ranges and requests in the same order give the same blocks.
 */
export class AddressPlan {
  /** Taken intervals, sorted, merged and disjoint (inclusive bounds as numbers: IPv4 fits exactly). */
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Per space and prefix length, the lowest base not yet ruled out: taken space only grows, so it only moves up. */
  private readonly cursors = new Map<string, number>();
  private readonly answers = new Map<string, FreeRange>();

  constructor(taken: Iterable<string>) {
    const blocks: [number, number][] = [];
    for (const text of taken) {
      const c = tryParseCidr(text);
      if (c?.family === 'ipv4') blocks.push([Number(c.first), Number(c.last)]);
    }
    blocks.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [first, last] of blocks) {
      const end = this.ends.at(-1);
      if (end !== undefined && first <= end + 1) this.ends[this.ends.length - 1] = Math.max(end, last);
      else {
        this.starts.push(first);
        this.ends.push(last);
      }
    }
  }

  /** True when the block overlaps a taken range or an earlier suggestion. */
  isTaken(cidr: Cidr | string): boolean {
    const c = block(cidr);
    if (c.family !== 'ipv4') return false;
    const i = this.firstEndingAtOrAfter(Number(c.first));
    return i < this.starts.length && (this.starts[i] ?? Infinity) <= Number(c.last);
  }

  /**
   * A free block to replace `original`, reserved under `key` (the same key gets the same block).
   * An IPv6 original gets no suggestion.
   */
  suggest(key: string, original: Cidr | string, request: FreeRangeRequest = {}): FreeRange {
    const known = this.answers.get(key);
    if (known) return known;
    const o = block(original);
    const wanted = request.prefixLength ?? o.prefixLength;
    const answer = o.family === 'ipv4' ? this.search(o, wanted, Math.max(wanted, request.smallestPrefixLength ?? wanted)) : { found: false as const, wanted, explanation: `${o.text} is IPv6: no replacement is suggested for IPv6 ranges` };
    if (answer.found) this.reserve(parseCidr(answer.cidr));
    this.answers.set(key, answer);
    return answer;
  }

  private search(o: Cidr, wanted: number, smallest: number): FreeRange {
    const home = PRIVATE_SPACES.find((s) => contains(s.cidr, o));
    const order = home ? [home, ...PRIVATE_SPACES.filter((s) => s !== home)] : PRIVATE_SPACES;
    const clear = 'clear of the on-prem ranges and of every range in the inventory';
    for (let prefixLength = wanted; prefixLength <= smallest; prefixLength++) {
      for (const space of order) {
        const base = this.firstFree(parseCidr(space.cidr), prefixLength);
        if (base === undefined) continue;
        const cidr = `${ipv4Text(base)}/${String(prefixLength)}`;
        const where = `${space.cidr} (${space.name})`;
        let explanation: string;
        if (prefixLength !== wanted) {
          explanation = `no /${String(wanted)} is free in any private space (RFC 1918, RFC 6598); ${cidr} is the largest free block, ${clear} (${sizeText(prefixLength)} addresses instead of ${sizeText(wanted)}: check that it is enough)`;
        } else if (space === home || !home) {
          explanation = `${cidr} is the first free /${String(wanted)} in ${where}, ${clear}${home ? '' : ` (${o.text} is not in a private space)`}`;
        } else {
          explanation = `no /${String(wanted)} is free in ${home.cidr} (${home.name}), the space of ${o.text}; ${cidr} is the first free /${String(wanted)} in ${where}, ${clear}: check that on-prem routing and firewalls accept that space`;
        }
        return { found: true, cidr, space: space.cidr, wanted, explanation };
      }
    }
    const sizes = smallest === wanted ? `/${String(wanted)}` : `block from /${String(wanted)} down to /${String(smallest)}`;
    return { found: false, wanted, explanation: `no ${sizes} is free in RFC 1918 or RFC 6598 space ${clear}` };
  }

  /** Index of the first taken interval whose end is at or after `value`. */
  private firstEndingAtOrAfter(value: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ends[mid] ?? Infinity) < value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The first aligned base of a free /prefixLength inside `space`, or undefined. */
  private firstFree(space: Cidr, prefixLength: number): number | undefined {
    if (prefixLength < space.prefixLength || prefixLength > 32) return undefined;
    const size = 2 ** (32 - prefixLength);
    const last = Number(space.last);
    const cursorKey = `${space.text}/${String(prefixLength)}`;
    let base = this.cursors.get(cursorKey) ?? Number(space.first);
    let i = this.firstEndingAtOrAfter(base);
    while (base + size - 1 <= last) {
      const start = this.starts[i];
      if (start === undefined || start > base + size - 1) {
        this.cursors.set(cursorKey, base);
        return base;
      }
      base = Math.ceil(((this.ends[i] ?? 0) + 1) / size) * size;
      while (i < this.ends.length && (this.ends[i] ?? 0) < base) i++;
    }
    this.cursors.set(cursorKey, last + 1);
    return undefined;
  }

  private reserve(c: Cidr): void {
    const first = Number(c.first);
    const last = Number(c.last);
    // Suggestions are free blocks: they overlap nothing, so this only inserts (merging touching neighbours).
    let i = this.firstEndingAtOrAfter(first);
    let start = first;
    let end = last;
    if (i > 0 && (this.ends[i - 1] ?? -2) + 1 === first) {
      i -= 1;
      start = this.starts[i] ?? first;
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    }
    if (i < this.starts.length && (this.starts[i] ?? -1) === last + 1) {
      end = this.ends[i] ?? last;
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    }
    this.starts.splice(i, 0, start);
    this.ends.splice(i, 0, end);
  }
}

/** The remediation when no replacement range can be named: what to do first, never a command with a made-up range. */
export function noFreeRangeRemediation(range: string, free: FreeRange): string {
  return `No replacement for ${range} can be named: ${free.explanation}. Check that onPrem.ranges claim no more than on-prem uses, or retire ranges that are no longer used; the next audit then names a free block in the command.`;
}

/**
 * Every IPv4 or IPv6 range the inventory holds, in every cloud: VNet, subnet, peering and AKS pod
 * and service ranges; GCP subnetwork primary and secondary ranges and GKE control-plane, pod and
 * service ranges; VPC, subnet and kops ranges. A hybrid estate reaches all of them from on-prem,
 * so a re-addressing target must avoid them all.
 */
export function inventoryRanges(inv: Inventory): string[] {
  const out: string[] = [];
  for (const v of inv.azure.virtualNetworks) {
    out.push(...v.addressPrefixes, ...v.subnets.flatMap((s) => s.addressPrefixes), ...v.peerings.flatMap((p) => p.remoteAddressPrefixes));
  }
  for (const c of inv.azure.clusters) out.push(...c.podCidrs, ...c.serviceCidrs);
  for (const s of inv.gcp.subnetworks) out.push(s.ipCidrRange, ...s.secondaryIpRanges.map((r) => r.ipCidrRange));
  for (const c of inv.gcp.clusters) {
    for (const r of [c.masterIpv4CidrBlock, c.clusterIpv4Cidr, c.servicesIpv4Cidr]) if (r) out.push(r);
  }
  for (const v of inv.aws.vpcs) out.push(...v.cidrBlocks);
  for (const s of inv.aws.subnets) out.push(s.cidrBlock);
  for (const k of inv.aws.kopsClusters) out.push(...k.networkCidrs, ...k.subnets.flatMap((s) => (s.cidr ? [s.cidr] : [])));
  return out;
}

/**
 * The evaluation's one AddressPlan (on-prem ranges and every inventory range taken), shared by the
 * address-overlap rules of every cloud so that no two of their findings suggest the same block.
 */
export function addressPlanFor(ctx: RuleContext, inv: Inventory): AddressPlan {
  return ctx.memo('cidr.addressPlan', () => new AddressPlan([...ctx.config.onPrem.ranges, ...inventoryRanges(inv)]));
}
