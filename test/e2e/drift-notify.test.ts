import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Logger } from '../../shared/log.js';
import type { Finding } from '../../shared/model/finding.js';
import type { Run } from '../../shared/model/run.js';
import type { SlackPayload, TeamsPayload, WebhookBody } from '../../shared/notify/index.js';
import { publishRun } from '../../shared/publish.js';
import { openStore, type FindingStore } from '../../shared/store/index.js';
import type { Scenario } from '../../sim/index.js';
import { adaptiveCardProblems } from '../notify/adaptive-card.js';
import { SECRET, useDriftEstate } from './drift-harness.js';

/**
 * Drift and delivery in process: four audits over the simulator with the estate changed between
 * them, each published to the file store and the three channels. The same with the process killed
 * between the store write and delivery (file and table store): drift-notify.long.test.ts. The CLI
 * twin: cli-drift.long.test.ts.
 */

const NODE_RG = 'MC_rg-aks-prod-weu_aks-prod-weu_westeurope';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const estate = useDriftEstate();

interface PublicIpSpec {
  name: string;
  ipAddress?: string;
}

/** The node resource group's public IP list inside a scenario (mutated in place on a copy). */
function nodeRgPublicIps(scenario: Scenario): PublicIpSpec[] {
  for (const sub of scenario.azure?.subscriptions ?? []) {
    for (const rg of sub.resourceGroups) if (rg.name === NODE_RG) return rg.publicIps as PublicIpSpec[];
  }
  throw new Error(`scenario ${scenario.name} has no resource group ${NODE_RG}`);
}

function withPublicIps(base: Scenario, change: (ips: PublicIpSpec[]) => PublicIpSpec[]): Scenario {
  const copy = structuredClone(base);
  const ips = nodeRgPublicIps(copy);
  ips.splice(0, ips.length, ...change([...ips]));
  return copy;
}

const ORPHAN = 'kubernetes-ingress-old-7d2f';
const ADDED = { name: 'kubernetes-new-ingress-9a1b', ipAddress: '20.103.50.60' };

function diff(before: Run, after: Run): { added: Finding[]; removed: Finding[] } {
  const a = new Set(before.findings.map((f) => f.fingerprint));
  const b = new Set(after.findings.map((f) => f.fingerprint));
  return { added: after.findings.filter((f) => !a.has(f.fingerprint)), removed: before.findings.filter((f) => !b.has(f.fingerprint)) };
}

async function auditAndPublish(store: FindingStore, runId: string): Promise<Run> {
  const { config, env } = estate();
  const run = await runAudit(config, { trigger: 'cli', runId, log: quiet });
  await publishRun(run, { config, store, env, now: () => new Date(), log: quiet, delivery: { baseDelayMs: 10 } });
  return run;
}

function lastBody(path: string): unknown {
  const req = estate().receiver.accepted(path).at(-1);
  if (!req) throw new Error(`nothing delivered to ${path}`);
  return JSON.parse(req.body) as unknown;
}

/** Checks the three payloads of the last delivery list exactly these findings in these states. */
function expectPayloadsList(expected: { state: 'new' | 'regressed' | 'resolved'; finding: Finding }[]): void {
  const hook = estate().receiver.accepted('/hook').at(-1);
  if (!hook) throw new Error('no webhook delivery');
  const headers = { 'webhook-id': String(hook.headers['webhook-id']), 'webhook-timestamp': String(hook.headers['webhook-timestamp']), 'webhook-signature': String(hook.headers['webhook-signature']) };
  const body = new Webhook(SECRET).verify(hook.body, headers) as WebhookBody;
  const key = (state: string, fp: string): string => `${state}:${fp}`;
  expect(body.findings.map((f) => key(f.state, f.fingerprint)).sort()).toEqual(expected.map((e) => key(e.state, e.finding.fingerprint)).sort());

  const slack = lastBody('/slack') as SlackPayload;
  const itemBlocks = slack.blocks.filter((b) => b.type === 'section' && /^:\w+: \*(NEW|REGRESSED|RESOLVED) · /.test(b.text.text));
  expect(itemBlocks).toHaveLength(expected.length);
  for (const e of expected) {
    const needle = e.finding.message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(itemBlocks.some((b) => b.type === 'section' && b.text.text.includes(`*${e.state.toUpperCase()} · `) && b.text.text.includes(needle)), `${e.state} ${e.finding.message}`).toBe(true);
  }

  const teams = lastBody('/teams') as TeamsPayload;
  const card = teams.attachments[0].content;
  expect(adaptiveCardProblems(card, '1.4')).toEqual([]);
  const containers = card.body.filter((el) => el['type'] === 'Container');
  expect(containers).toHaveLength(expected.length);
  const cardJson = JSON.stringify(card);
  for (const e of expected) expect(cardJson).toContain(JSON.stringify(e.finding.message).slice(1, -1));
}

describe('drift alerts over the simulator', () => {
  it('tells each channel exactly what changed between runs, and nothing when nothing changed', async () => {
    const { sim, base, receiver, config, env } = estate();
    const store = await openStore(config.store, { env });
    const run1 = await auditAndPublish(store, 'e2e-run-1');
    expect(run1.findings.length).toBeGreaterThan(10);
    expect(receiver.accepted()).toHaveLength(3); // first run: everything is new

    // The orphaned IP is cleaned up, a new public IP appears in the node resource group.
    await sim.replaceScenario(withPublicIps(base, (ips) => [...ips.filter((ip) => ip.name !== ORPHAN), ADDED]));
    const run2 = await auditAndPublish(store, 'e2e-run-2');
    const change2 = diff(run1, run2);
    expect(change2.added.map((f) => f.resource.name)).toContain(ADDED.name);
    expect(change2.removed.map((f) => f.resource.name)).toContain(ORPHAN);
    expect(receiver.accepted()).toHaveLength(6);
    expectPayloadsList([...change2.added.map((finding) => ({ state: 'new' as const, finding })), ...change2.removed.map((finding) => ({ state: 'resolved' as const, finding }))]);

    // The orphan comes back (regressed) and the new IP is removed (resolved).
    await sim.replaceScenario(withPublicIps(base, (ips) => ips));
    const run3 = await auditAndPublish(store, 'e2e-run-3');
    const change3 = diff(run2, run3);
    expect(change3.added.map((f) => f.resource.name)).toContain(ORPHAN);
    expect(receiver.accepted()).toHaveLength(9);
    expectPayloadsList([...change3.added.map((finding) => ({ state: 'regressed' as const, finding })), ...change3.removed.map((finding) => ({ state: 'resolved' as const, finding }))]);

    // Same estate again: changes mode has nothing to say.
    await auditAndPublish(store, 'e2e-run-4');
    expect(receiver.requests()).toHaveLength(9);
    const record = await store.getRun('e2e-run-4');
    expect(record?.deliveries).toEqual([]);
    expect((await store.getRun('e2e-run-3'))?.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
  }, 180_000);
});
