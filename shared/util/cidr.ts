import ipaddr from 'ipaddr.js';

/** A parsed CIDR block. `first`/`last` are the numeric bounds of the range (IPv4 or IPv6). */
export interface Cidr {
  text: string;
  family: 'ipv4' | 'ipv6';
  prefixLength: number;
  first: bigint;
  last: bigint;
}

function toBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a bare address (as a /32 or /128). Throws with the offending text. */
export function parseCidr(text: string): Cidr {
  const trimmed = text.trim();
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let prefixLength: number;
  try {
    if (trimmed.includes('/')) {
      [address, prefixLength] = ipaddr.parseCIDR(trimmed);
    } else {
      address = ipaddr.parse(trimmed);
      prefixLength = address.kind() === 'ipv4' ? 32 : 128;
    }
  } catch {
    throw new Error(`not a CIDR block or IP address: "${text}"`);
  }
  // An IPv4-mapped IPv6 address is treated as the IPv4 address it carries.
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
    prefixLength = Math.max(0, prefixLength - 96);
  }
  const family = address.kind();
  const bits = family === 'ipv4' ? 32 : 128;
  const hostBits = BigInt(bits - prefixLength);
  const base = toBigInt(address);
  const first = (base >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  return { text: trimmed, family, prefixLength, first, last };
}

/** Returns the parsed block, or undefined when the text is not a CIDR (for data read from APIs). */
export function tryParseCidr(text: string): Cidr | undefined {
  try {
    return parseCidr(text);
  } catch {
    return undefined;
  }
}

export function isValidCidr(text: string): boolean {
  return tryParseCidr(text) !== undefined;
}

export function overlaps(a: Cidr | string, b: Cidr | string): boolean {
  const x = typeof a === 'string' ? parseCidr(a) : a;
  const y = typeof b === 'string' ? parseCidr(b) : b;
  return x.family === y.family && x.first <= y.last && y.first <= x.last;
}

/** True when `inner` lies entirely within `outer`. */
export function contains(outer: Cidr | string, inner: Cidr | string): boolean {
  const o = typeof outer === 'string' ? parseCidr(outer) : outer;
  const i = typeof inner === 'string' ? parseCidr(inner) : inner;
  return o.family === i.family && o.first <= i.first && i.last <= o.last;
}

/** True for 0.0.0.0/0 and ::/0. */
export function isAnyAddress(cidr: Cidr | string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  return c.prefixLength === 0;
}

const PRIVATE_RANGES = new Set(['private', 'uniqueLocal', 'loopback', 'linkLocal', 'carrierGradeNat']);

/**
 * Classifies an address or block as private (RFC 1918, RFC 4193 unique local, loopback, link-local,
 * shared address space 100.64/10) or public. A block is private only if its whole range is.
 */
export function isPrivate(cidr: Cidr | string): boolean {
  const c = typeof cidr === 'string' ? parseCidr(cidr) : cidr;
  const bits = c.family === 'ipv4' ? 32 : 128;
  const bytes = (value: bigint): number[] => {
    const out: number[] = [];
    for (let i = bits / 8 - 1; i >= 0; i--) out.push(Number((value >> BigInt(i * 8)) & 0xffn));
    return out;
  };
  return [c.first, c.last].every((v) => PRIVATE_RANGES.has(ipaddr.fromByteArray(bytes(v)).range()));
}

/** Every overlapping pair between two lists of blocks (unparseable entries are skipped). */
export function overlappingPairs(left: readonly string[], right: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  const rightParsed = right.map(tryParseCidr);
  for (const l of left) {
    const lc = tryParseCidr(l);
    if (!lc) continue;
    rightParsed.forEach((rc, i) => {
      if (rc && overlaps(lc, rc)) pairs.push([l, right[i] as string]);
    });
  }
  return pairs;
}
