import { describe, expect, it } from 'vitest';
import { allCidrs, anyOverlap, contains, isAnyAddress, overlappingPairs, overlaps, parseCidr, tryParseCidr } from '../../shared/rules/cidr.js';
import * as util from '../../shared/util/cidr.js';

/** Texts rules meet: valid blocks and addresses, the lenient forms util refuses, and garbage. */
const TEXTS = [
  '10.0.0.0/8', '10.1.2.3/8', '0.0.0.0/0', '255.255.255.255', '192.168.1.7', '172.16.0.0/12', '199.36.153.4/30', '10.0.0.0/32', '10.0.0.1/31',
  '10.0.0.0/33', '10.0.0.0/08', '10.0.0.0/100', '010.0.0.0/8', '10.0.0.256/24', '10.0.0/24', '10.0.0.0.0/8', '1e1.0.0.0/8', '0x0a.0.0.0/8',
  ' 10.0.0.0/8', '10.0.0.0/8 ', '10.0.0.0 /8', '', '/8', '10.0.0.0/', 'fd00::/8', '::ffff:10.0.0.0/104', '2001:db8::1', 'not-a-cidr', '10.0.0.0/-1',
];

function randomText(seed: number): string {
  let x = seed;
  const next = (n: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const octet = (): string => [String(next(256)), String(next(300)), `0${next(10)}`, '0'][next(4)] ?? '0';
  return `${octet()}.${octet()}.${octet()}.${octet()}${['', `/${next(34)}`, `/0${next(9)}`][next(3)] ?? ''}`;
}

describe('rules/cidr (cached CIDR helpers)', () => {
  it('parses every text exactly as util/cidr does, first time and cached', () => {
    const texts = [...TEXTS, ...Array.from({ length: 2000 }, (_, i) => randomText(i + 1))];
    for (const round of [1, 2]) {
      for (const text of texts) expect(tryParseCidr(text), `${text} (round ${round})`).toEqual(util.tryParseCidr(text));
    }
  });

  it('answers overlap, containment and any-address questions as util/cidr does', () => {
    const valid = TEXTS.filter((t) => util.tryParseCidr(t) !== undefined);
    for (const a of valid) {
      expect(isAnyAddress(a)).toBe(util.isAnyAddress(a));
      for (const b of valid) {
        expect(overlaps(a, b), `${a} ${b}`).toBe(util.overlaps(a, b));
        expect(contains(a, b), `${a} ${b}`).toBe(util.contains(a, b));
      }
    }
    expect(overlappingPairs(TEXTS, valid)).toEqual(util.overlappingPairs(TEXTS, valid));
    expect(anyOverlap(['10.1.0.0/16', 'junk'], ['192.168.0.0/16', '10.0.0.0/8'])).toBe(true);
    expect(anyOverlap(['10.1.0.0/16', 'junk'], ['192.168.0.0/16', 'junk'])).toBe(false);
    expect(allCidrs(['10.0.0.0/8', '192.168.1.1'])).toBe(true);
    expect(allCidrs(['10.0.0.0/8', '10.0.0.0/33'])).toBe(false);
  });

  it('throws on a text that is not a CIDR, naming it', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow(/not a CIDR block or IP address: "10.0.0.0\/33"/);
    expect(parseCidr('10.0.0.9/24').first).toBe(util.parseCidr('10.0.0.0/24').first);
  });
});
