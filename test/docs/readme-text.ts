import { readFileSync } from 'node:fs';
import path from 'node:path';
import { root } from '../cli/demo-harness.js';

/** The README's text and the parts of it the README tests read (readme.test.ts, readme.long.test.ts). */

export const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The text of a `## heading` section, up to the next `## `. */
export function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Fenced code blocks of a text: language and lines. */
export function codeBlocks(text: string): { lang: string; lines: string[] }[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', lines: (m[2] ?? '').split('\n').filter((l) => l.trim() !== '') }));
}

/** A shell line without its comment. */
export const command = (line: string): string => line.replace(/\s+#.*$/, '').trim();

/** The commands of the Quick start's shell block, without their comments. */
export function quickStartCommands(): string[] | undefined {
  return codeBlocks(section('Quick start'))
    .find((b) => b.lang === 'sh')
    ?.lines.map(command);
}
