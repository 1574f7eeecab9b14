import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { allRules } from '../../shared/rules/index.js';
import { root } from '../cli/demo-harness.js';
import { codeBlocks, command, quickStartCommands, readme, section } from './readme-text.js';

/**
 * The README cannot drift from the repository: its Quick start is these commands, and every
 * repository path and rule id it names exists. The Quick start's demo, run as written:
 * readme.long.test.ts (`npm run test:long`).
 */

describe('README quick start', () => {
  it('is exactly npm ci, npm run demo, npm test', () => {
    expect(quickStartCommands()).toEqual(['npm ci', 'npm run demo', 'npm test']);
  });
});

/** Directories the repository ignores: paths under them are made by commands (dist/, demo-out/), not shipped. */
function ignoredDirs(): string[] {
  return readFileSync(path.join(root, '.gitignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.endsWith('/') && !l.startsWith('#'));
}

/** Files the README tells the reader to create (`cp X Y`, `--write-config Y`): named, not shipped. */
function created(): Set<string> {
  const out = new Set<string>();
  for (const m of readme.matchAll(/\bcp \S+ (\S+)|--write-config (\S+)/g)) out.add((m[1] ?? m[2] ?? '').trim());
  return out;
}

const RULE_ID = /^(azure|gcp|aws|audit)\/[a-z0-9-]+$/;
const PATH = /^(\.{1,2}\/)?[a-z0-9_.-]+(\/[a-zA-Z0-9_.<>*{}-]*)*$/;
const FILE = /\.(ts|mjs|js|json|ya?ml|md)$/;

/** Words of the README that name a repository path or a rule id: inline code, shell blocks, the first word of each Layout line. */
function named(): string[] {
  const words: string[] = [];
  const prose = readme.replace(/^```[\s\S]*?^```$/gm, '');
  for (const m of prose.matchAll(/`([^`\n]+)`/g)) words.push(...(m[1] ?? '').split(/[\s=]+/));
  for (const b of codeBlocks(readme).filter((x) => x.lang === 'sh')) for (const l of b.lines) words.push(...command(l).split(/\s+/));
  for (const b of codeBlocks(section('Layout'))) for (const l of b.lines) if (!/^\s/.test(l)) words.push(l.split(/\s+/)[0] ?? '');
  return [...new Set(words.map((w) => w.replace(/[),.;:]+$/, '').replace(/^[("']+|["']+$/g, '')))].filter(
    (w) => w !== '' && !w.startsWith('-') && !w.includes(':') && (RULE_ID.test(w) || ((w.includes('/') || FILE.test(w)) && PATH.test(w) && !/^[\d./]+$/.test(w))),
  );
}

describe('README names only what the repository has', () => {
  const words = named();

  it('finds the paths and rule ids it checks (a control for the extraction)', () => {
    expect(words).toEqual(expect.arrayContaining(['docs/rules.md', 'airlock.example.yaml', 'functions/', 'azure/lb-public-frontend', 'test/architecture/boundaries.test.ts']));
  });

  it('every repository path it names exists', () => {
    const ignored = ignoredDirs();
    const made = created();
    const missing = words
      .filter((w) => !RULE_ID.test(w) && !made.has(w) && !ignored.some((d) => w === d || w.startsWith(d)))
      .filter((w) => {
        // A placeholder (`test/rules/<cloud>/<rule>.test.ts`) or glob: its fixed prefix must exist.
        const fixed = w.split(/[<*{]/)[0] ?? w;
        return w.startsWith('../') || !existsSync(path.join(root, fixed));
      });
    expect(missing).toEqual([]);
  });

  it('every rule id it names is a rule', () => {
    const ids = new Set(allRules.map((r) => r.meta.id));
    expect(words.filter((w) => RULE_ID.test(w) && !ids.has(w))).toEqual([]);
  });
});
