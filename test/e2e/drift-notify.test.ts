import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Webhook } from 'standardwebhooks';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Logger } from '../../shared/log.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { Finding } from '../../shared/model/finding.js';
import type { Run } from '../../shared/model/run.js';
import type { SlackPayload, TeamsPayload, WebhookBody } from '../../shared/notify/index.js';
import { publishRun } from '../../shared/publish.js';
import { openStore, type FindingStore } from '../../shared/store/index.js';
import { startSimulator, type Scenario, type Simulator } from '../../sim/index.js';
import { adaptiveCardProblems } from '../notify/adaptive-card.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';
import { killChildren } from '../helpers/children.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';

/**
 * Several audits run back to back against one simulator here; the default Resource Graph quota
 * (15 queries per 5 s, as in Azure) would make each wait for the window. Throttling is covered in
 * test/collect/azure; these tests are about drift and delivery.
 */
const UNTHROTTLED_GRAPH = { throttle: { resourceGraph: { quota: 100_000, windowSeconds: 5 } } };

const SECRET = `whsec_${Buffer.from('airlock-e2e-signing-secret-abcdef').toString('base64')}`;
const NODE_RG = 'MC_rg-aks-prod-weu_aks-prod-weu_westeurope';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

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

let sim: Simulator;
let receiver: Receiver;
let dir: string;
let config: AirlockConfig;
let configFile: string;
let env: NodeJS.ProcessEnv;
let base: Scenario;
/** Children of the crash test still running; afterEach kills them before their receiver and store go. */
const children = new Set<ChildProcess>();

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: UNTHROTTLED_GRAPH });
  base = structuredClone(sim.scenario);
});
afterAll(async () => {
  await sim.stop();
});

beforeEach(async () => {
  await sim.replaceScenario(base);
  receiver = await startReceiver();
  dir = await mkdtemp(join(tmpdir(), 'airlock-e2e-drift-'));
  const written = await sim.writeConfig(join(dir, 'airlock.yaml'), {
    storePath: join(dir, 'state'),
    overrides: {
      reportUrl: 'https://airlock.example.org/reports/latest',
      notifications: [
        { name: 'slack-ops', kind: 'slack', url: 'env:E2E_SLACK_URL', minSeverity: 'info' },
        { name: 'teams-ops', kind: 'teams', url: 'env:E2E_TEAMS_URL', minSeverity: 'info' },
        { name: 'siem', kind: 'webhook', url: 'env:E2E_HOOK_URL', signingSecret: 'env:E2E_HOOK_SECRET', minSeverity: 'info' },
      ],
    },
  });
  config = written.config;
  configFile = written.configFile;
  env = { E2E_SLACK_URL: receiver.url('/slack'), E2E_TEAMS_URL: receiver.url('/teams'), E2E_HOOK_URL: receiver.url('/hook'), E2E_HOOK_SECRET: SECRET };
});
afterEach(async () => {
  // A child still running (a failed or timed-out test) is killed and awaited before its receiver goes.
  await killChildren(children);
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

async function auditAndPublish(store: FindingStore, runId: string): Promise<Run> {
  const run = await runAudit(config, { trigger: 'cli', runId, log: quiet });
  await publishRun(run, { config, store, env, now: () => new Date(), log: quiet, delivery: { baseDelayMs: 10 } });
  return run;
}

function lastBody(path: string): unknown {
  const req = receiver.accepted(path).at(-1);
  if (!req) throw new Error(`nothing delivered to ${path}`);
  return JSON.parse(req.body) as unknown;
}

/** Checks the three payloads of the last delivery list exactly these findings in these states. */
function expectPayloadsList(expected: { state: 'new' | 'regressed' | 'resolved'; finding: Finding }[]): void {
  const hook = receiver.accepted('/hook').at(-1);
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

  it.each(['file', 'table'] as const)('delivers each message exactly once when the process is killed between store write and delivery (%s store)', async (kind) => {
    let azurite: AzuriteTable | undefined;
    let childConfig = configFile;
    let childEnv: NodeJS.ProcessEnv = env;
    let storeConfig = config.store;
    if (kind === 'table') {
      azurite = await startAzuriteTable();
      storeConfig = { kind: 'table', connectionString: 'env:E2E_TABLES', tablePrefix: 'crash' };
      const raw = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
      childConfig = join(dir, 'airlock-table.yaml');
      await writeFile(childConfig, stringify({ ...raw, store: storeConfig }));
      childEnv = { ...env, E2E_TABLES: azurite.connectionString };
    }
    try {
      const here = dirname(fileURLToPath(import.meta.url));
      // tsx as a loader keeps the script in one process, so the parent sees the SIGKILL itself.
      const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const child = (runId: string, extraEnv: NodeJS.ProcessEnv = {}) =>
        new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
          const proc = execFile(process.execPath, ['--import', tsxLoader, join(here, 'drift-crash-child.ts'), childConfig, runId], { env: { ...process.env, ...childEnv, ...extraEnv }, timeout: 120_000 }, (err, stdout, stderr) => {
            children.delete(proc);
            const e = err as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
            resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
          });
          children.add(proc);
        });

      const crashed = await child('crash-run-1', { AIRLOCK_TEST_CRASH: 'after-commit' });
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
      expect(receiver.requests()).toHaveLength(0);
      const store = await openStore(storeConfig, { env: childEnv });
      expect((await store.getRun('crash-run-1'))?.deliveries.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);

      // The run is retried with the same id: nothing is written twice, each message goes out once.
      const retried = await child('crash-run-1');
      expect(retried.code, retried.stderr).toBe(0);
      expect(JSON.parse(retried.stdout)).toMatchObject({ committed: false });
      expect(receiver.accepted('/slack')).toHaveLength(1);
      expect(receiver.accepted('/teams')).toHaveLength(1);
      expect(receiver.accepted('/hook')).toHaveLength(1);
      expect(receiver.accepted('/hook')[0]?.headers['webhook-id']).toMatch(/^crash-run-1:siem:[0-9a-f]{16}$/);

      // A later run of the same estate sends nothing more.
      const next = await child('crash-run-2');
      expect(next.code, next.stderr).toBe(0);
      const seen = receiver.requests().map((r) => `${r.path} ${String(r.headers['idempotency-key'])} ${r.status} ${r.body.slice(0, 300)}`);
      expect(seen, `${seen.join('\n')}\n--- crash-run-2 stderr:\n${next.stderr}`).toHaveLength(3);
      expect((await store.getRun('crash-run-1'))?.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(await store.listEvents('crash-run-1')).toHaveLength((await store.loadFindingStates()).length);
    } finally {
      await azurite?.stop();
    }
  }, 240_000);
});
