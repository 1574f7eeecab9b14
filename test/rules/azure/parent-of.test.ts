import { describe, expect, it } from 'vitest';
import { parentOf } from '../../../shared/rules/azure/topology.js';
import { parentId } from '../../../shared/util/arm-id.js';

describe('azure topology parentOf', () => {
  it('answers as util/arm-id parentId on ARM ids and odd paths', () => {
    const ids = [
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s1',
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s1/',
      'subscriptions/s/x',
      '/a/b',
      '/a',
      'a/b',
      '//',
      '///',
      'a//b',
      '',
      'plain',
    ];
    // Every string of up to 7 characters over '/', 'a', 'B'.
    const all = (n: number): string[] => (n === 0 ? [''] : all(n - 1).flatMap((s) => [s, `${s}/`, `${s}a`, `${s}B`]));
    for (const id of [...ids, ...new Set(all(7))]) expect(parentOf(id), JSON.stringify(id)).toBe(parentId(id));
  });
});
