import ipaddr from 'ipaddr.js';

/** A parsed CIDR block. `first`/`last` are the numeric bounds of the range (IPv4 or IPv6). */
export interface Cidr {
  text: string;
  family: 'ipv4' | 'ipv6';
  prefixLength: number;
  first: bigint;
  last: bigint;
}

/** The outcome of strict parsing: the block, or why the text is not one (and the network it likely meant). */
export type CidrParse = { ok: true; cidr: Cidr } | { ok: false; reason: string; network?: string };

export interface StrictCidrOptions {
  /** Read a bare address as a /32 or /128 (API data); configuration must write the prefix. */
  allowBareAddress?: boolean;
  /** Mask host bits below the prefix (API data); configuration must write the network address. */
  allowHostBits?: boolean;
}

const DECIMAL_PART = /^(?:0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Four decimal parts 0-255, no leading zeros: the lenient forms (octal, hex, fewer parts) mean other networks. */
function parseIPv4(text: string): bigint | string {
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]+$/.test(p))) return 'an IPv4 address must be four decimal parts such as 10.0.0.0';
  let value = 0n;
  for (const part of parts) {
    if (!DECIMAL_PART.test(part)) return `an IPv4 part has a leading zero (${part}), which some parsers read as octal`;
    const n = Number(part);
    if (n > 255) return `an IPv4 octet is above 255 (${part})`;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

/** RFC 4291 text: eight hex groups, one `::` at most, an optional trailing dotted quad; no zone index. */
function parseIPv6(text: string): bigint | string {
  const invalid = 'not a valid IPv6 address';
  if (text.includes('%')) return `${invalid} (a zone index such as %eth0 is not part of a network)`;
  const halves = text.split('::');
  if (halves.length > 2) return `${invalid} (:: appears more than once)`;
  const groupsOf = (half: string): string[] => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0] ?? '');
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? '') : [];
  const words: bigint[] = [];
  const all = [...head, ...tail];
  for (const [i, group] of all.entries()) {
    if (i === all.length - 1 && group.includes('.') && !text.endsWith('::')) {
      const v4 = parseIPv4(group);
      if (typeof v4 === 'string') return `${invalid} (embedded IPv4: ${v4})`;
      words.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEX_GROUP.test(group)) {
      words.push(BigInt(`0x${group}`));
    } else {
      return `${invalid} (group "${group}" is not 1 to 4 hex digits)`;
    }
  }
  const headWords = words.length - tail.length - (tail.at(-1)?.includes('.') ? 1 : 0);
  if (halves.length === 1 ? words.length !== 8 : words.length > 7) return `${invalid} (it needs eight groups, or fewer with ::)`;
  const padded = [...words.slice(0, headWords), ...Array<bigint>(8 - words.length).fill(0n), ...words.slice(headWords)];
  return padded.reduce((acc, w) => (acc << 16n) | w, 0n);
}

/** The canonical text of an address given as a number (dotted quad, or RFC 5952 IPv6). */
export function addressText(value: bigint, family: 'ipv4' | 'ipv6'): string {
  const size = family === 'ipv4' ? 4 : 16;
  const bytes: number[] = [];
  for (let i = size - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * The one strict parser: four-part decimal IPv4 or RFC 4291 IPv6, a decimal prefix in range, and
 * (unless allowed) a prefix present and no host bits set. Never throws.
 */
export function parseCidrStrict(text: string, options: StrictCidrOptions = {}): CidrParse {
  if (text === '') return { ok: false, reason: 'it is empty' };
  if (/[\s\p{Cc}]/u.test(text)) return { ok: false, reason: 'it contains a space or control character' };
  const slash = text.indexOf('/');
  const addressPart = slash === -1 ? text : text.slice(0, slash);
  let family: 'ipv4' | 'ipv6' = addressPart.includes(':') ? 'ipv6' : 'ipv4';
  const parsed = family === 'ipv4' ? parseIPv4(addressPart) : parseIPv6(addressPart);
  if (typeof parsed === 'string') return { ok: false, reason: parsed };
  const bits = family === 'ipv4' ? 32 : 128;
  let prefixLength = bits;
  if (slash !== -1) {
    const prefix = text.slice(slash + 1);
    if (!DECIMAL_PART.test(prefix) || Number(prefix) > bits) {
      return { ok: false, reason: `the prefix length must be a whole number from 0 to ${bits} without leading zeros, not "${prefix}"` };
    }
    prefixLength = Number(prefix);
  } else if (!options.allowBareAddress) {
    return { ok: false, reason: 'it has no prefix length', network: `${addressText(parsed, family)}/${bits}` };
  }
  let hostBits = BigInt(bits - prefixLength);
  let first = (parsed >> hostBits) << hostBits;
  if (first !== parsed && !options.allowHostBits) {
    return { ok: false, reason: 'it has host bits set', network: `${addressText(first, family)}/${prefixLength}` };
  }
  // An IPv4-mapped IPv6 block is treated as the IPv4 block it carries.
  if (family === 'ipv6' && parsed >> 32n === 0xffffn) {
    family = 'ipv4';
    prefixLength = Math.max(0, prefixLength - 96);
    hostBits = BigInt(32 - prefixLength);
    first = ((parsed & 0xffffffffn) >> hostBits) << hostBits;
  }
  return { ok: true, cidr: { text, family, prefixLength, first, last: first + (1n << hostBits) - 1n } };
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a bare address (as a /32 or /128), masking host bits. Throws with the offending text. */
export function parseCidr(text: string): Cidr {
  const result = parseCidrStrict(text.trim(), { allowBareAddress: true, allowHostBits: true });
  if (!result.ok) throw new Error(`not a CIDR block or IP address: ${JSON.stringify(text)} (${result.reason})`);
  return result.cidr;
}

/** Returns the parsed block, or undefined when the text is not a CIDR (for data read from APIs). */
export function tryParseCidr(text: string): Cidr | undefined {
  const result = parseCidrStrict(text.trim(), { allowBareAddress: true, allowHostBits: true });
  return result.ok ? result.cidr : undefined;
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
