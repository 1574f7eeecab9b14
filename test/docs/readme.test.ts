import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SIGNING_SECRET } from '../../cli/commands/demo.js';
import { allRules } from '../../shared/rules/index.js';
import { killChildren } from '../helpers/children.js';
import { adaptiveCardProblems } from '../notify/adaptive-card.js';
import { root, startDemo, stillRunning } from '../cli/demo-harness.js';

/**
 * The README cannot drift from the repository: its Quick start is run as written, and every
 * repository path and rule id it names exists.
 */

const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
const children = new Set<ChildProcess>();

afterAll(async () => {
  await killChildren(children);
});

/** The text of a `## heading` section, up to the next `## `. */
function section(heading: string): string {
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`README has no "## ${heading}" section`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end < 0 ? undefined : end);
}

/** Fenced code blocks of a text: language and lines. */
function codeBlocks(text: string): { lang: string; lines: string[] }[] {
  return [...text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map((m) => ({ lang: m[1] ?? '', lines: (m[2] ?? '').split('\n').filter((l) => l.trim() !== '') }));
}

/** A shell line without its comment. */
const command = (line: string): string => line.replace(/\s+#.*$/, '').trim();

describe('README quick start', () => {
  const block = codeBlocks(section('Quick start')).find((b) => b.lang === 'sh');

  it('is exactly npm ci, npm run demo, npm test', () => {
    expect(block?.lines.map(command)).toEqual(['npm ci', 'npm run demo', 'npm test']);
  });

  it('runs the demo command as written: exit 0, the three payloads in demo-out/, no process left', async () => {
    // `npm run <script>` → the script from package.json, run with node itself (npm would not pass signals on).
    const line = block?.lines.map(command).find((l) => /^npm run \S*demo/.test(l)) ?? '';
    const script = line.replace(/^npm run /, '');
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const argv = (scripts[script] ?? '').split(/\s+/);
    expect(argv[0]).toBe('node');
    const startedAt = Date.now();
    const demo = startDemo(argv.slice(1), children);
    const exit = await demo.exited;
    expect(exit, `${demo.stdout()}\n${demo.stderr()}`).toEqual({ code: 0, signal: null });
    expect(await stillRunning(demo.descendants())).toEqual([]);

    const out = path.join(root, 'demo-out');
    const runs = JSON.parse(await readFile(path.join(out, 'runs.json'), 'utf8')) as { id: string }[];
    expect(statSync(path.join(out, 'runs.json')).mtimeMs).toBeGreaterThanOrEqual(startedAt - 1_000);
    const runId = runs[1]?.id ?? '';

    const slack = JSON.parse(await readFile(path.join(out, 'slack.json'), 'utf8')) as { text: string; blocks: { type: string }[] };
    expect(slack.text).toContain(runId);
    expect(slack.blocks[0]?.type).toBe('header');
    expect(slack.blocks.length).toBeGreaterThan(2);

    const teams = JSON.parse(await readFile(path.join(out, 'teams.json'), 'utf8')) as { type: string; attachments: { contentType: string; content: Record<string, unknown> }[] };
    expect(teams.type).toBe('message');
    expect(teams.attachments[0]?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = teams.attachments[0]?.content ?? {};
    expect(card['type']).toBe('AdaptiveCard');
    expect(adaptiveCardProblems(card, String(card['version']))).toEqual([]);

    // The body exactly as signed, and the Standard Webhooks headers that came with it.
    const body = await readFile(path.join(out, 'webhook.json'), 'utf8');
    const headers = JSON.parse(await readFile(path.join(out, 'webhook-headers.json'), 'utf8')) as Record<string, string>;
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    // Verified as a receiver would, at the moment it was received.
    const wh = new Webhook(DEMO_SIGNING_SECRET);
    expect(() => wh.verify(body, headers)).not.toThrow();
    expect(() => wh.verify(body.replace(runId, 'tampered'), headers)).toThrow();
    expect((JSON.parse(body) as { runId: string }).runId).toBe(runId);
  }, 120_000);
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
