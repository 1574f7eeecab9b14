import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_SIGNING_SECRET } from '../../cli/commands/demo.js';
import { killChildren } from '../helpers/children.js';
import { adaptiveCardProblems } from '../notify/adaptive-card.js';
import { root, startDemo, stillRunning } from '../cli/demo-harness.js';
import { quickStartCommands } from './readme-text.js';

/**
 * The README's Quick start demo, run as written. The whole demo (three simulated clouds audited
 * twice), so it runs in `npm run test:long`; that the Quick start is exactly these commands, and
 * that every path and rule id the README names exists: readme.test.ts.
 */

const children = new Set<ChildProcess>();

afterAll(async () => {
  await killChildren(children);
});

describe('README quick start', () => {
  it('runs the demo command as written: exit 0, the three payloads in demo-out/, no process left', async () => {
    // `npm run <script>` → the script from package.json, run with node itself (npm would not pass signals on).
    const line = quickStartCommands()?.find((l) => /^npm run \S*demo/.test(l)) ?? '';
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
