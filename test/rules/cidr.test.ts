import { describe, expect, it } from 'vitest';
import { AddressPlan, allCidrs, anyOverlap, contains, ipv4Text, isAnyAddress, overlappingPairs, overlaps, parseCidr, PRIVATE_SPACES, tryParseCidr } from '../../shared/rules/cidr.js';
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

describe('AddressPlan (free re-addressing targets)', () => {
  it('gives the first free block of the same size in the original range\'s own space, and reserves it', () => {
    const plan = new AddressPlan(['10.0.0.0/16', '10.1.0.0/20', '192.168.0.0/16', 'not-a-cidr', 'fd00::/8']);
    const a = plan.suggest('vnet-a|10.0.0.0/20', '10.0.0.0/20');
    expect(a).toMatchObject({ found: true, cidr: '10.1.16.0/20', space: '10.0.0.0/8', wanted: 20 });
    expect(a.explanation).toContain('10.1.16.0/20 is the first free /20 in 10.0.0.0/8 (RFC 1918)');
    // Reserved: the next request gets the next block; the same key gets the same answer.
    expect(plan.suggest('vnet-b|10.0.0.0/20', '10.0.0.0/20')).toMatchObject({ cidr: '10.1.32.0/20' });
    expect(plan.suggest('vnet-a|10.0.0.0/20', '10.0.0.0/20')).toMatchObject({ cidr: '10.1.16.0/20' });
    expect(plan.isTaken('10.1.16.0/24')).toBe(true);
    expect(plan.isTaken('10.1.48.0/20')).toBe(false);
    // A different size asked for (a /28 control plane), aligned after what is taken.
    expect(plan.suggest('master', '10.0.0.0/16', { prefixLength: 28 })).toMatchObject({ cidr: '10.1.48.0/28' });
    expect(plan.suggest('192', '192.168.4.0/24')).toMatchObject({ cidr: '10.1.49.0/24' });
  });

  it('says so when the original space is full and takes the next private space', () => {
    const plan = new AddressPlan(['10.0.0.0/8', '172.16.0.0/16']);
    const r = plan.suggest('k', '10.20.0.0/16');
    expect(r).toMatchObject({ found: true, cidr: '172.17.0.0/16', space: '172.16.0.0/12' });
    expect(r.explanation).toMatch(/^no \/16 is free in 10\.0\.0\.0\/8 \(RFC 1918\), the space of 10\.20\.0\.0\/16; 172\.17\.0\.0\/16 is the first free \/16 in 172\.16\.0\.0\/12/);
  });

  it('searches RFC 1918 first for a range outside the private spaces, and RFC 6598 last', () => {
    expect(new AddressPlan(['12.10.0.0/16']).suggest('k', '12.10.0.0/16').explanation).toContain('10.0.0.0/16 is the first free /16 in 10.0.0.0/8 (RFC 1918), clear of the on-prem ranges and of every range in the inventory (12.10.0.0/16 is not in a private space)');
    expect(new AddressPlan(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']).suggest('k', '10.0.0.0/16')).toMatchObject({ cidr: '100.64.0.0/16', space: '100.64.0.0/10' });
  });

  it('offers the largest smaller free block only when allowed, and says when nothing is free', () => {
    const full = [...PRIVATE_SPACES.map((s) => s.cidr).filter((c) => c !== '192.168.0.0/16'), '192.168.0.0/22', '192.168.4.0/23', '192.168.7.0/24', '192.168.8.0/21', '192.168.16.0/20', '192.168.32.0/19', '192.168.64.0/18', '192.168.128.0/17'];
    expect(new AddressPlan(full).suggest('k', '10.0.0.0/16')).toMatchObject({ found: false, wanted: 16 });
    const smaller = new AddressPlan(full).suggest('k', '10.0.0.0/16', { smallestPrefixLength: 29 });
    expect(smaller).toMatchObject({ found: true, cidr: '192.168.6.0/24', wanted: 16 });
    expect(smaller.explanation).toContain('no /16 is free in any private space (RFC 1918, RFC 6598); 192.168.6.0/24 is the largest free block');
    expect(smaller.explanation).toContain('256 addresses instead of 65,536');
    const none = new AddressPlan(PRIVATE_SPACES.map((s) => s.cidr)).suggest('k', '10.0.0.0/16', { smallestPrefixLength: 29 });
    expect(none).toEqual({ found: false, wanted: 16, explanation: 'no block from /16 down to /29 is free in RFC 1918 or RFC 6598 space clear of the on-prem ranges and of every range in the inventory' });
    expect(new AddressPlan([]).suggest('k', 'fd00::/64')).toMatchObject({ found: false });
  });

  it('agrees with a brute-force scan: the first free aligned block, never overlapping a taken range or an earlier answer', () => {
    let x = 7;
    const next = (n: number): number => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return x % n;
    };
    for (let round = 0; round < 40; round++) {
      const taken = Array.from({ length: 1 + next(30) }, () => `192.168.${String(next(256))}.${String(next(4) * 64)}/${String(18 + next(9))}`).map((t) => ipv4Text(parseCidr(t).first) + t.slice(t.indexOf('/')));
      const plan = new AddressPlan([...taken, '10.0.0.0/8', '172.16.0.0/12']);
      const given: string[] = [];
      for (let k = 0; k < 6; k++) {
        const prefixLength = 22 + next(7);
        const r = plan.suggest(`k${String(k)}`, '192.168.0.0/16', { prefixLength });
        const blocked = [...taken, ...given];
        let expected: string | undefined;
        for (let base = 0; base < 65536 && expected === undefined; base += 2 ** (32 - prefixLength)) {
          const candidate = `192.168.${String(base >> 8)}.${String(base & 255)}/${String(prefixLength)}`;
          if (!blocked.some((b) => overlaps(b, candidate))) expected = candidate;
        }
        if (expected === undefined) {
          expect(r.found ? r.space : 'none', 'no free block in 192.168.0.0/16, so it comes from elsewhere').not.toBe('192.168.0.0/16');
          continue;
        }
        expect(r, JSON.stringify({ taken, given, prefixLength })).toMatchObject({ found: true, cidr: expected });
        given.push(expected);
      }
    }
  });
});
