import { describe, expect, it } from 'vitest';
import { contains, isAnyAddress, isPrivate, overlappingPairs, overlaps, parseCidr, parseCidrStrict, tryParseCidr } from '../../shared/util/cidr.js';

describe('CIDR helpers', () => {
  it.each([
    ['10.0.0.0/8', '10.10.0.0/16', true],
    ['10.0.0.0/16', '10.1.0.0/16', false],
    ['10.1.2.0/24', '10.1.2.128/25', true],
    ['172.16.0.0/12', '172.20.0.0/14', true],
    ['192.168.0.0/24', '192.168.1.0/24', false],
    ['fd00::/8', 'fd12:3456::/32', true],
    ['fd00::/8', '10.0.0.0/8', false],
    ['0.0.0.0/0', '203.0.113.7', true],
    ['::ffff:10.1.0.0/112', '10.1.0.0/16', true],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(overlaps(a, b)).toBe(expected);
    expect(overlaps(b, a)).toBe(expected);
  });

  it('normalises host bits and checks containment', () => {
    const c = parseCidr('10.1.2.3/16');
    expect(c.first).toBe(parseCidr('10.1.0.0').first);
    expect(contains('10.0.0.0/8', '10.200.0.0/16')).toBe(true);
    expect(contains('10.200.0.0/16', '10.0.0.0/8')).toBe(false);
    expect(contains('2001:db8::/32', '2001:db8:1::/48')).toBe(true);
  });

  it('classifies private and public ranges', () => {
    expect(isPrivate('10.0.0.0/8')).toBe(true);
    expect(isPrivate('100.64.0.0/10')).toBe(true);
    expect(isPrivate('fd00::/8')).toBe(true);
    expect(isPrivate('20.1.2.3')).toBe(false);
    expect(isPrivate('199.36.153.4/30')).toBe(false);
    // A block that spans past the private range is not private.
    expect(isPrivate('10.0.0.0/7')).toBe(false);
    expect(isAnyAddress('0.0.0.0/0')).toBe(true);
    expect(isAnyAddress('::/0')).toBe(true);
  });

  it('rejects bad input with the offending text', () => {
    expect(() => parseCidr('10.0.0.0/33')).toThrow('"10.0.0.0/33"');
    expect(() => parseCidr('PROJECT_ID')).toThrow('"PROJECT_ID"');
    expect(tryParseCidr('${privateEndpointIPV4}')).toBeUndefined();
  });

  it('lists every overlapping pair and skips unparseable entries', () => {
    expect(overlappingPairs(['10.0.0.0/8', 'bogus', '192.168.0.0/16'], ['10.10.0.0/16', '172.20.0.0/14', '192.168.4.0/24'])).toEqual([
      ['10.0.0.0/8', '10.10.0.0/16'],
      ['192.168.0.0/16', '192.168.4.0/24'],
    ]);
  });
});

describe('strict address parsing', () => {
  it.each([
    ['010.010.000.000/16', 'leading zero'],
    ['10.10/16', 'four'],
    ['0x0a.0.0.0/8', 'four'],
    ['10.0.0.0/99', 'prefix'],
    ['10.0.0.256/32', 'octet'],
    ['10.0.0.0/', 'prefix'],
    ['10.0.0.0/08', 'prefix'],
    ['10.0.0.0/-1', 'prefix'],
    ['167772160/8', 'four'],
    ['fd00::/129', 'prefix'],
    ['fd00:::1/64', 'IPv6'],
    ['fe80::1%eth0/64', 'IPv6'],
    ['fd00:00000::/8', 'IPv6'],
    ['::ffff:010.0.0.1/128', 'IPv6'],
    ['', 'empty'],
  ])('rejects %s with a reason', (text, reason) => {
    const result = parseCidrStrict(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toContain(reason);
    // The lenient helpers used by rules reject the same text instead of reinterpreting it.
    expect(tryParseCidr(text)).toBeUndefined();
  });

  it('refuses spaces, which only the lenient helpers trim', () => {
    expect(parseCidrStrict(' 10.0.0.0/8')).toMatchObject({ ok: false, reason: expect.stringContaining('space') as unknown });
    expect(parseCidrStrict('10.0.0.0/8\u001b[31m')).toMatchObject({ ok: false, reason: expect.stringContaining('control') as unknown });
    expect(parseCidrStrict('1.2.3.4::/64').ok).toBe(false);
  });

  it('refuses host bits and a missing prefix, naming the intended network', () => {
    const hostBits = parseCidrStrict('10.10.0.1/16');
    expect(hostBits).toMatchObject({ ok: false, network: '10.10.0.0/16' });
    expect(parseCidrStrict('fd00::1/8')).toMatchObject({ ok: false, network: 'fd00::/8' });
    expect(parseCidrStrict('10.0.0.0')).toMatchObject({ ok: false, network: '10.0.0.0/32' });
    // API data may carry bare addresses and host bits: allowed when asked, masked as before.
    const lenient = parseCidrStrict('10.10.0.1/16', { allowHostBits: true });
    expect(lenient.ok && lenient.cidr.first).toBe(parseCidr('10.10.0.0/16').first);
    expect(parseCidrStrict('203.0.113.7', { allowBareAddress: true })).toMatchObject({ ok: true, cidr: { prefixLength: 32 } });
  });

  it.each(['0.0.0.0/0', '10.0.0.0/8', '255.255.255.255/32', '2001:db8::/32', 'FD00::/8', '::/0', '::ffff:10.1.0.0/112', '2001:0db8:0000:0000:0000:0000:0000:0000/32'])(
    'accepts %s',
    (text) => {
      expect(parseCidrStrict(text).ok).toBe(true);
    },
  );

  it('maps IPv4-mapped IPv6 blocks onto IPv4 as before', () => {
    const mapped = parseCidrStrict('::ffff:10.1.0.0/112');
    expect(mapped.ok && [mapped.cidr.family, mapped.cidr.prefixLength]).toEqual(['ipv4', 16]);
  });
});
