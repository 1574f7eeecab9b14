import { describe, expect, it } from 'vitest';
import { splitChunks } from '../../shared/store/limits.js';

/** True when the text holds half of a surrogate pair (stored as U+FFFD by the service). */
function hasLoneSurrogate(text: string): boolean {
  return /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

describe('splitChunks', () => {
  it('never cuts a surrogate pair in two, at any offset, and the chunks join back to the text', () => {
    for (let offset = 0; offset < 4; offset += 1) {
      const text = `${'x'.repeat(offset)}${'😀'.repeat(50)}`;
      const chunks = splitChunks(text, 7);
      expect(chunks.join('')).toBe(text);
      expect(chunks.filter(hasLoneSurrogate)).toEqual([]);
      expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(7);
    }
  });

  it('cuts plain text at the size, and gives one empty chunk for an empty text', () => {
    expect(splitChunks('abcdefg', 3)).toEqual(['abc', 'def', 'g']);
    expect(splitChunks('', 3)).toEqual(['']);
  });
});
