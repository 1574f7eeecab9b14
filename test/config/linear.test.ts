import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfigText } from '../../shared/config/load.js';

const SCANS = ['some', 'every', 'find', 'findIndex', 'findLast', 'findLastIndex', 'filter', 'forEach', 'map', 'reduce', 'includes', 'indexOf', 'lastIndexOf'] as const;

/**
 * Counts array elements visited by the scanning methods while `fn` runs: a per-key scan of a
 * mapping (the old duplicate-key check, a per-problem line lookup) makes the count grow with n².
 */
function countScans(fn: () => void): number {
  let visited = 0;
  const proto = Array.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = SCANS.map((name) => [name, proto[name]] as const);
  for (const [name, original] of originals) {
    proto[name] = function (this: unknown[], ...args: unknown[]) {
      visited += this.length;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    };
  }
  try {
    fn();
  } finally {
    for (const [name, original] of originals) proto[name] = original as (...args: unknown[]) => unknown;
  }
  return visited;
}

function document(keys: number, value: string): string {
  const lines = ['clouds:', '  azure: {}', 'cost:', '  prices:'];
  for (let i = 0; i < keys; i++) lines.push(`    price${i}: ${value}`);
  return `${lines.join('\n')}\n`;
}

function parse(text: string): void {
  try {
    parseConfigText(text, 'big.yaml');
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
  }
}

describe('parsing work grows linearly with the number of keys', () => {
  // A problem on every key exercises both the parser (duplicate-key check) and the reporter (line lookup).
  it('with a problem on every key', () => {
    const half = countScans(() => {
      parse(document(25_000, '-1'));
    });
    const full = countScans(() => {
      parse(document(50_000, '-1'));
    });
    // Linear work doubles; quadratic work would quadruple.
    expect(full / Math.max(half, 1)).toBeLessThan(2.5);
  });
});
