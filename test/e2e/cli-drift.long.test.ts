/**
 * Issue 5's acceptance criterion through the real CLI: `airlock audit` run as a child process over
 * the simulator, drift recorded in the file store between runs, Slack, Teams and a signed webhook
 * delivered to a local receiver: four CLI runs, each a full audit, so it runs in `npm run test:long`.
 * In-process twin (in `npm test`): drift-notify.test.ts.
 *
 *   run 1 (json)   baseline: every finding is new, one message per channel
 *   (estate)       an orphaned public IP in the AKS node resource group is removed, a new one appears
 *   run 2 (json)   drift and the three payloads list exactly that new and that resolved finding
 *   run 3 (json)   same estate: no change, nothing sent (`changes` mode)
 *   (estate)       back to the original estate
 *   run 4 (table)  the drift summary line once, the regressed and resolved findings; payloads say so
 *
 * Every run exits 3: the scenario has a subscription the auditor cannot read.
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DriftResult, DriftState } from '../../shared/drift/index.js';
import type { Finding } from '../../shared/model/finding.js';
import type { Run } from '../../shared/model/run.js';
import type { SlackPayload, TeamsPayload, WebhookBody } from '../../shared/notify/index.js';
import type { DeliveryRecord } from '../../shared/store/types.js';
import { startSimulator, type Scenario, type Simulator } from '../../sim/index.js';
import { adaptiveCardProblems } from '../notify/adaptive-card.js';
import { killChildren } from '../helpers/children.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';

/**
 * Several audits run back to back against one simulator here; the default Resource Graph quota
 * (15 queries per 5 s, as in Azure) would make each wait for the window. Throttling is covered in
 * test/collect/azure; these tests are about drift and delivery.
 */
const UNTHROTTLED_GRAPH = { throttle: { resourceGraph: { quota: 100_000, windowSeconds: 5 } } };

const root = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = `whsec_${Buffer.from('airlock-cli-drift-signing-secret-0123').toString('base64')}`;
const NODE_RG = 'MC_rg-aks-prod-weu_aks-prod-weu_westeurope';
const ORPHAN = 'kubernetes-ingress-old-7d2f';
const ADDED = { name: 'kubernetes-new-ingress-9a1b', ipAddress: '20.103.50.60' };
const PUBLIC_IP_RULE = 'azure/public-ip-in-node-rg';
const CHANNELS = [
  { name: 'slack-ops', path: '/slack' },
  { name: 'teams-ops', path: '/teams' },
  { name: 'siem', path: '/hook' },
] as const;

type ChangeState = Extract<DriftState, 'new' | 'regressed' | 'resolved'>;
type JsonRun = Run & { drift: DriftResult | null; deliveries: DeliveryRecord[] };
interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}
/** An expected change: the state and the finding's rule and resource name. */
interface Expected {
  state: ChangeState;
  ruleId: string;
  resource: string;
}

interface PublicIpSpec {
  name: string;
  ipAddress?: string;
}

/** A copy of the scenario with the node resource group's public IPs changed. */
function withPublicIps(base: Scenario, change: (ips: PublicIpSpec[]) => PublicIpSpec[]): Scenario {
  const copy = structuredClone(base);
  for (const sub of copy.azure?.subscriptions ?? []) {
    for (const rg of sub.resourceGroups) {
      if (rg.name !== NODE_RG) continue;
      const ips = rg.publicIps as PublicIpSpec[];
      ips.splice(0, ips.length, ...change([...ips]));
      return copy;
    }
  }
  throw new Error(`scenario ${base.name} has no resource group ${NODE_RG}`);
}

let sim: Simulator | undefined;
let receiver: Receiver | undefined;
let dir: string | undefined;
let configFile: string;
let base: Scenario;
let childEnv: NodeJS.ProcessEnv;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: UNTHROTTLED_GRAPH });
  base = structuredClone(sim.scenario);
  receiver = await startReceiver();
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-cli-drift-'));
  const written = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
    storePath: path.join(dir, 'state'),
    overrides: {
      clouds: { gcp: { enabled: false }, aws: { enabled: false } },
      reportUrl: 'https://airlock.example.org/reports/latest',
      notifications: [
        { name: 'slack-ops', kind: 'slack', url: 'env:CLI_DRIFT_SLACK_URL', minSeverity: 'info' },
        { name: 'teams-ops', kind: 'teams', url: 'env:CLI_DRIFT_TEAMS_URL', minSeverity: 'info' },
        { name: 'siem', kind: 'webhook', url: 'env:CLI_DRIFT_HOOK_URL', signingSecret: 'env:CLI_DRIFT_HOOK_SECRET', minSeverity: 'info' },
      ],
    },
  });
  configFile = written.configFile;
  childEnv = {
    ...process.env,
    NO_COLOR: '1',
    CLI_DRIFT_SLACK_URL: receiver.url('/slack'),
    CLI_DRIFT_TEAMS_URL: receiver.url('/teams'),
    CLI_DRIFT_HOOK_URL: receiver.url('/hook'),
    CLI_DRIFT_HOOK_SECRET: SECRET,
  };
});

afterAll(async () => {
  // A child still running (a failed or timed-out test) is killed and awaited before its servers go.
  await killChildren(children);
  await receiver?.close();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `airlock audit` in a child process; resolves when it has exited (its deliveries are then done). */
function audit(format: 'json' | 'table'): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [path.join(root, 'bin/airlock.mjs'), 'audit', '--config', configFile, '--format', format],
      { cwd: root, env: childEnv, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        children.delete(child);
        const e = err as (Error & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
      },
    );
    children.add(child);
  });
}

async function auditJson(): Promise<JsonRun> {
  const result = await audit('json');
  expect(result.code, result.stderr).toBe(3);
  return JSON.parse(result.stdout) as JsonRun;
}

function changesOf(drift: DriftResult | null): { state: DriftState; finding: Finding }[] {
  if (!drift) throw new Error('the run printed no drift (was it published?)');
  return drift.entries.filter((e) => !e.carriedOver && (e.state === 'new' || e.state === 'regressed' || e.state === 'resolved'));
}

const key = (state: string, ruleId: string, resource: string): string => `${state} ${ruleId} ${resource}`;

function rcv(): Receiver {
  if (!receiver) throw new Error('receiver not started');
  return receiver;
}

function expectDelivered(deliveries: readonly DeliveryRecord[]): void {
  expect(deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual(CHANNELS.map((c) => `${c.name}:delivered`).sort());
}

/**
 * The receiver holds exactly `count` requests per channel, all accepted, and the last one of each
 * (this run's) lists exactly the expected changes: the webhook body (signature verified), the
 * Slack blocks and the Teams card containers.
 */
function expectPayloads(runId: string, count: number, expected: readonly { state: ChangeState; finding: Finding }[]): void {
  const r = rcv();
  for (const c of CHANNELS) {
    expect(r.requests(c.path), c.path).toHaveLength(count);
    expect(r.accepted(c.path), c.path).toHaveLength(count);
  }
  expect(r.requests()).toHaveLength(count * CHANNELS.length);
  const want = expected.map((e) => key(e.state, e.finding.ruleId, e.finding.resource.name)).sort();

  const hook = r.accepted('/hook').at(-1);
  if (!hook) throw new Error('no webhook delivery');
  expect(hook.headers['webhook-id']).toMatch(new RegExp(`^${runId}:siem:[0-9a-f]{16}$`));
  const signed = {
    'webhook-id': String(hook.headers['webhook-id']),
    'webhook-timestamp': String(hook.headers['webhook-timestamp']),
    'webhook-signature': String(hook.headers['webhook-signature']),
  };
  const body = new Webhook(SECRET).verify(hook.body, signed) as WebhookBody;
  expect(body.type).toBe('airlock.run.changes');
  expect(body.runId).toBe(runId);
  expect(body.omitted).toBe(0);
  expect(body.findings.map((f) => `${f.state} ${f.fingerprint}`).sort()).toEqual(expected.map((e) => `${e.state} ${e.finding.fingerprint}`).sort());
  expect(body.findings.map((f) => key(f.state, f.ruleId, f.resource.name)).sort()).toEqual(want);
  // A body signed with another secret must not verify.
  const other = new Webhook(`whsec_${Buffer.from('another-secret-entirely-0000').toString('base64')}`);
  expect(() => other.verify(hook.body, signed)).toThrow();

  const slackReq = r.accepted('/slack').at(-1);
  if (!slackReq) throw new Error('no Slack delivery');
  expect(slackReq.headers['idempotency-key']).toMatch(new RegExp(`^${runId}:slack-ops:[0-9a-f]{16}$`));
  const slack = JSON.parse(slackReq.body) as SlackPayload;
  expect(slack.text).toContain(runId);
  const items = slack.blocks.flatMap((b) => (b.type === 'section' ? [b.text.text] : [])).filter((t) => /^:\w+: \*(NEW|REGRESSED|RESOLVED) · /.test(t));
  expect(slack.blocks.some((b) => b.type === 'section' && b.text.text.startsWith('…and'))).toBe(false);
  const slackKeys = items.map((t) => {
    const m = /^:\w+: \*(NEW|REGRESSED|RESOLVED) · \w+\* `([^`]+)`\n\*([^*]+)\*/.exec(t);
    if (!m) throw new Error(`unexpected Slack item: ${t}`);
    return key(String(m[1]).toLowerCase(), String(m[2]), String(m[3]));
  });
  expect(slackKeys.sort()).toEqual(want);
  for (const e of expected) {
    const message = e.finding.message.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(items.some((t) => t.includes(message)), `Slack names ${e.finding.message}`).toBe(true);
  }

  const teamsReq = r.accepted('/teams').at(-1);
  if (!teamsReq) throw new Error('no Teams delivery');
  expect(teamsReq.headers['idempotency-key']).toMatch(new RegExp(`^${runId}:teams-ops:[0-9a-f]{16}$`));
  const card = (JSON.parse(teamsReq.body) as TeamsPayload).attachments[0].content;
  expect(adaptiveCardProblems(card, '1.4')).toEqual([]);
  const teamsKeys = card.body
    .filter((el) => el['type'] === 'Container')
    .map((el) => {
      const [head, resource] = (el['items'] as { text: string }[]).map((i) => i.text);
      const m = /^(NEW|REGRESSED|RESOLVED) · \w+ · (\S+)$/.exec(head ?? '');
      if (!m || resource === undefined) throw new Error(`unexpected Teams container: ${JSON.stringify(el)}`);
      return key(String(m[1]).toLowerCase(), String(m[2]), resource.replace(/ \(.*$/, ''));
    });
  expect(teamsKeys.sort()).toEqual(want);
  const cardJson = JSON.stringify(card);
  expect(cardJson).not.toContain('…and');
  for (const e of expected) expect(cardJson).toContain(JSON.stringify(e.finding.message).slice(1, -1));
}

describe('airlock audit (CLI) records drift and notifies only what changed', () => {
  it('two runs with a change between them → exact new/resolved payloads; an identical run sends nothing; a revert regresses', async () => {
    // Run 1: baseline. Every finding is new; each channel gets one message.
    const run1 = await auditJson();
    expect(run1.complete).toBe(false);
    expect(run1.clouds).toEqual(['azure']);
    expect(run1.findings.map((f) => `${f.ruleId} ${f.resource.name}`)).toContain(`${PUBLIC_IP_RULE} ${ORPHAN}`);
    expect(run1.findings.some((f) => f.ruleId === 'audit/scope-unreadable')).toBe(true);
    const baseline = changesOf(run1.drift);
    expect(baseline.every((e) => e.state === 'new')).toBe(true);
    expect(baseline.map((e) => e.finding.fingerprint).sort()).toEqual([...new Set(run1.findings.map((f) => f.fingerprint))].sort());
    expectDelivered(run1.deliveries);
    const r = rcv();
    for (const c of CHANNELS) expect(r.accepted(c.path), c.path).toHaveLength(1);
    const firstHook = r.accepted('/hook')[0];
    if (!firstHook) throw new Error('no webhook delivery');
    expect((JSON.parse(firstHook.body) as WebhookBody).findings).toHaveLength(baseline.length);

    // The orphaned IP is cleaned up and a new public IP appears in the node resource group.
    if (!sim) throw new Error('simulator not started');
    await sim.replaceScenario(withPublicIps(base, (ips) => [...ips.filter((ip) => ip.name !== ORPHAN), ADDED]));

    // Run 2: exactly one new and one resolved finding, in the JSON and in every payload.
    const run2 = await auditJson();
    const expected2: Expected[] = [
      { state: 'new', ruleId: PUBLIC_IP_RULE, resource: ADDED.name },
      { state: 'resolved', ruleId: PUBLIC_IP_RULE, resource: ORPHAN },
    ];
    const changes2 = changesOf(run2.drift);
    expect(changes2.map((e) => key(e.state, e.finding.ruleId, e.finding.resource.name)).sort()).toEqual(expected2.map((e) => key(e.state, e.ruleId, e.resource)).sort());
    // The same as the plain difference of the two runs' findings.
    const fps1 = new Set(run1.findings.map((f) => f.fingerprint));
    const fps2 = new Set(run2.findings.map((f) => f.fingerprint));
    expect(changes2.filter((e) => e.state === 'new').map((e) => e.finding.fingerprint)).toEqual(run2.findings.filter((f) => !fps1.has(f.fingerprint)).map((f) => f.fingerprint));
    expect(changes2.filter((e) => e.state === 'resolved').map((e) => e.finding.fingerprint)).toEqual(run1.findings.filter((f) => !fps2.has(f.fingerprint)).map((f) => f.fingerprint));
    expectDelivered(run2.deliveries);
    expectPayloads(run2.id, 2, changes2 as { state: ChangeState; finding: Finding }[]);

    // Run 3: the same estate. Nothing changed, so `changes` mode sends nothing.
    const run3 = await auditJson();
    expect(changesOf(run3.drift)).toEqual([]);
    const counts3 = run3.drift?.counts;
    for (const state of ['new', 'regressed', 'resolved'] as const) expect(Object.values(counts3?.[state] ?? {}).every((n) => n === 0), state).toBe(true);
    expect(run3.deliveries).toEqual([]);
    expect(r.requests()).toHaveLength(2 * CHANNELS.length);

    // Back to the original estate: the orphan reappears (regressed), the new IP is gone (resolved).
    await sim.replaceScenario(base);

    // Run 4, as a table: the drift summary line once, then the changed findings; payloads agree.
    const run4 = await audit('table');
    expect(run4.code, run4.stderr).toBe(3);
    const out = run4.stdout;
    const runId4 = /^Run (\S+): /m.exec(out)?.[1];
    if (runId4 === undefined) throw new Error(`no run line in:\n${out}`);
    const driftLines = out.split('\n').filter((l) => l.startsWith('drift: '));
    expect(driftLines, out).toHaveLength(1);
    expect(driftLines[0]).toMatch(/^drift: 0 new, 1 regressed, 1 resolved, [1-9]\d* persisting, 0 excepted$/);
    const changeLines = out.split('\n').filter((l) => /^ {2}(new|regressed|resolved) /.test(l));
    expect(changeLines.map((l) => l.trim().split(/\s+/).slice(0, 4).filter((_, i) => i !== 1).join(' ').replace(/:$/, '')).sort()).toEqual(
      [key('regressed', PUBLIC_IP_RULE, ORPHAN), key('resolved', PUBLIC_IP_RULE, ADDED.name)].sort(),
    );
    expect(out).not.toContain('delivery to');
    const regressed = run1.findings.find((f) => f.ruleId === PUBLIC_IP_RULE && f.resource.name === ORPHAN);
    const resolved = run2.findings.find((f) => f.ruleId === PUBLIC_IP_RULE && f.resource.name === ADDED.name);
    if (!regressed || !resolved) throw new Error('the public IP findings are missing');
    expectPayloads(runId4, 3, [
      { state: 'regressed', finding: regressed },
      { state: 'resolved', finding: resolved },
    ]);
  }, 120_000);
});
