import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_CHANGES } from '../../cli/commands/demo.js';
import { defaultCollectors } from '../../shared/collect/index.js';
import type { Run } from '../../shared/model/run.js';
import { CLOUDS } from '../../shared/model/scope.js';
import { loadScenario, type Scenario } from '../../sim/index.js';
import { killChildren } from '../helpers/children.js';
import { demoBin, portsIn, refused, startDemo, stillRunning, type DemoChild } from './demo-harness.js';

/**
 * `airlock demo` as a child: the drift it prints is the drift its tenant changes cause, its first
 * run reports exactly the demo scenario's ground truth, and Ctrl-C mid-run stops everything it started.
 */

const children = new Set<ChildProcess>();
let out: string;
let scenario: Scenario;
let demo: DemoChild;
let result: { code: number | null; signal: NodeJS.Signals | null };

/** The clouds the demo audits: in the scenario and with a collector (not a hard-coded list). */
const audited = () => CLOUDS.filter((c) => scenario[c] !== undefined && defaultCollectors.some((col) => col.cloud === c));

beforeAll(async () => {
  scenario = await loadScenario('demo');
  out = await mkdtemp(path.join(tmpdir(), 'airlock-demo-test-'));
  demo = startDemo([demoBin, 'demo', '--out', out], children);
  result = await demo.exited;
}, 120_000);

afterAll(async () => {
  await killChildren(children);
  await rm(out, { recursive: true, force: true });
});

describe('airlock demo', () => {
  it('exits 0 and stops everything it started', async () => {
    expect(result, demo.stderr()).toEqual({ code: 0, signal: null });
    expect(await stillRunning(demo.descendants())).toEqual([]);
    const ports = portsIn(demo.stdout());
    expect(ports.length).toBeGreaterThanOrEqual(5); // three simulator listeners, Azurite, the receiver
    for (const port of ports) expect(await refused(port), `port ${String(port)}`).toBe(true);
  });

  it('prints a new or resolved drift line for each change a tenant made, on every audited cloud', () => {
    const lines = demo.stdout().split('\n');
    const run2 = lines.slice(lines.findIndex((l) => l.startsWith('Run 2')));
    const changes = TENANT_CHANGES.filter((c) => audited().includes(c.cloud));
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) {
      expect(run2.some((l) => l.includes(change.says))).toBe(false); // said before run 2, not in it
      expect(lines.some((l) => l.trim().endsWith(change.says))).toBe(true);
      for (const e of change.expect) {
        const pattern = new RegExp(`^\\s+${e.state}\\s+(critical|high|medium|low|info)\\s+${e.ruleId} `);
        expect(run2.filter((l) => pattern.test(l)).length, `${e.state} ${e.ruleId}`).toBeGreaterThan(0);
      }
    }
    // Only what the changes caused: every drift line of run 2 is one of them.
    const expected = changes.flatMap((c) => c.expect.map((e) => `${e.state} ${e.ruleId}`));
    const driftLines = run2.filter((l) => /^\s+(new|regressed|resolved|escalated)\s+(critical|high|medium|low|info)\s/.test(l));
    for (const l of driftLines) expect(expected, l).toContain(l.trim().split(/\s+/).filter((_, i) => i !== 1).slice(0, 2).join(' '));
  });

  it('counts in the drift line exactly the changes of the audited clouds', () => {
    const expected = TENANT_CHANGES.filter((c) => audited().includes(c.cloud)).flatMap((c) => c.expect);
    const n = (state: string) => String(expected.filter((e) => e.state === state).length);
    const run2 = demo.stdout().slice(demo.stdout().indexOf('Run 2'));
    expect(run2).toMatch(new RegExp(`^\\s+drift: ${n('new')} new, 0 regressed, ${n('resolved')} resolved, \\d+ persisting, 0 excepted$`, 'm'));
  });

  it('names the Azure drift precisely: the payments cluster gains a public load balancer, the shop cluster a network policy', () => {
    if (!audited().includes('azure')) return;
    const text = demo.stdout();
    expect(text).toMatch(/^\s+new\s+critical azure\/lb-public-frontend kubernetes: .*MC_rg-shop-weu_aks-payments-weu_westeurope/m);
    expect(text).toMatch(/^\s+resolved\s+medium\s+azure\/aks-network-policy aks-shop-weu: /m);
  });

  it('reports exactly the demo scenario ground truth in its first run', async () => {
    const runs = JSON.parse(await readFile(path.join(out, 'runs.json'), 'utf8')) as Run[];
    expect(runs).toHaveLength(2);
    const clouds = audited();
    const got = (runs[0]?.findings ?? []).map((f) => `${f.ruleId} ${f.resource.id.toLowerCase()}`).sort();
    const truth = scenario.truth.filter((t) => clouds.some((c) => t.ruleId.startsWith(`${c}/`))).map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`);
    expect(got).toEqual([...new Set(truth)].sort());
    expect(runs.every((r) => r.complete)).toBe(true);
  });
});

describe('airlock demo on SIGINT', () => {
  it('stops mid-run: exits, and leaves no process or listener behind', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'airlock-demo-sigint-'));
    try {
      const child = startDemo([demoBin, 'demo', '--out', dir], children);
      await child.waitFor(/^\s+\d+ finding\(s\)/);
      const ports = portsIn(child.stdout());
      const started = [...child.descendants()];
      expect(started.length).toBeGreaterThan(0); // at least Azurite
      child.child.kill('SIGINT');
      const exit = await child.exited;
      expect(exit.code, child.stderr()).toBe(130);
      expect(child.stderr()).toMatch(/SIGINT, stopping/);
      expect(child.stdout()).not.toMatch(/^Done in/m);
      expect(await stillRunning(child.descendants())).toEqual([]);
      expect(ports.length).toBeGreaterThanOrEqual(5);
      for (const port of ports) expect(await refused(port), `port ${String(port)}`).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
