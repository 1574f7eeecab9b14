import { describe, expect, it } from 'vitest';
import { contains, isAnyAddress, isPrivate, overlappingPairs, overlaps, parseCidr, tryParseCidr } from '../../shared/util/cidr.js';

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
