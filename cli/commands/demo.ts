import { spawn, type ChildProcess } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { AuditOptions } from '../../shared/audit.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { DriftResult } from '../../shared/drift/index.js';
import type { Run } from '../../shared/model/run.js';
import { CLOUDS, type Cloud } from '../../shared/model/scope.js';
import { SEVERITIES } from '../../shared/model/severity.js';
import type { PublishResult } from '../../shared/publish.js';
import type { Scenario, Simulator } from '../../sim/index.js';
import { renderTable } from '../output.js';

/**
 * `airlock demo`: the whole product on one machine in under a minute. It serves the `demo`
 * scenario from the simulator, keeps state in Azurite's table service, receives Slack, Teams and
 * a signed webhook on a local receiver, audits twice around a tenant's changes and shows the drift.
 */

/** The demo webhook's Standard Webhooks secret: a fixed, public value so anyone can verify demo-out/webhook.json. */
export const DEMO_SIGNING_SECRET = `whsec_${Buffer.from('airlock-demo-signing-secret-0001').toString('base64')}`;

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

const CHANNELS = [
  { name: 'slack', kind: 'slack', file: 'slack.json', what: 'Slack Block Kit message' },
  { name: 'teams', kind: 'teams', file: 'teams.json', what: 'Teams Adaptive Card (Workflows envelope)' },
  { name: 'webhook', kind: 'webhook', file: 'webhook.json', what: 'webhook body, byte for byte as signed' },
] as const;

/** What the demo writes in the output directory; only these are removed before a run. */
const OUTPUTS = [...CHANNELS.map((c) => c.file), 'webhook-headers.json', 'runs.json', 'run-1'];

/** A change a tenant makes to the estate between the two runs, and the drift it must cause. */
interface TenantChange {
  cloud: Cloud;
  says: string;
  expect: { state: 'new' | 'resolved'; ruleId: string }[];
  apply(scenario: Scenario): void;
}

function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`demo: the demo scenario has no ${what} (sim/scenarios/demo changed?)`);
  return value;
}

/** Per cloud; the demo applies those of every cloud in the scenario and expects the drift of the clouds it audits. */
export const TENANT_CHANGES: readonly TenantChange[] = [
  {
    cloud: 'azure',
    says: 'a tenant publishes Service payments/api on a public load balancer in AKS cluster aks-payments-weu',
    expect: [
      { state: 'new', ruleId: 'azure/lb-public-frontend' },
      { state: 'new', ruleId: 'azure/public-ip-in-node-rg' },
    ],
    apply(scenario) {
      const rgs = found(scenario.azure, 'Azure estate').subscriptions.flatMap((s) => s.resourceGroups);
      const nodeRg = found(
        rgs.find((g) => g.name === 'MC_rg-shop-weu_aks-payments-weu_westeurope'),
        'node resource group of aks-payments-weu',
      );
      const frontend = 'f0b7a3c95d2e4c18b6a4e9d1c3f5a7b2';
      nodeRg.publicIps.push({ name: `kubernetes-${frontend}`, ipAddress: '20.93.77.12', sku: 'Standard', tags: {} });
      nodeRg.loadBalancers.push({
        name: 'kubernetes',
        sku: 'Standard',
        frontends: [{ name: frontend, publicIp: `${nodeRg.name}/kubernetes-${frontend}` }],
        rules: [{ name: `${frontend}-TCP-443`, frontend }],
        natRules: [],
        outboundRules: [],
        tags: {},
      });
    },
  },
  {
    cloud: 'azure',
    says: 'the shop team turns on a network policy engine (calico) in aks-shop-weu',
    expect: [{ state: 'resolved', ruleId: 'azure/aks-network-policy' }],
    apply(scenario) {
      const clusters = found(scenario.azure, 'Azure estate').subscriptions.flatMap((s) => s.resourceGroups.flatMap((g) => g.clusters));
      found(
        clusters.find((c) => c.name === 'aks-shop-weu'),
        'AKS cluster aks-shop-weu',
      ).networkPolicy = 'calico';
    },
  },
  {
    cloud: 'gcp',
    says: 'the control-plane peering of GKE cluster checkout stops exporting custom routes',
    expect: [{ state: 'new', ruleId: 'gcp/gke-peering-export' }],
    apply(scenario) {
      const clusters = found(scenario.gcp, 'GCP estate').projects.flatMap((p) => p.clusters);
      found(
        clusters.find((c) => c.name === 'checkout'),
        'GKE cluster checkout',
      ).peeringExportCustomRoutes = false;
    },
  },
  {
    cloud: 'gcp',
    says: 'the reporting team turns on Private Google Access on subnet gke-reporting',
    expect: [{ state: 'resolved', ruleId: 'gcp/private-google-access' }],
    apply(scenario) {
      const subnets = found(scenario.gcp, 'GCP estate').projects.flatMap((p) => p.networks.flatMap((n) => n.subnetworks));
      found(
        subnets.find((s) => s.name === 'gke-reporting'),
        'GCP subnetwork gke-reporting',
      ).privateIpGoogleAccess = true;
    },
  },
  {
    cloud: 'aws',
    says: 'a tenant exposes Service checkout/api on an internet-facing NLB in EKS cluster checkout',
    expect: [{ state: 'new', ruleId: 'aws/lb-internet-facing' }],
    apply(scenario) {
      const regions = found(scenario.aws, 'AWS estate').accounts.flatMap((a) => a.regions);
      const region = found(
        regions.find((r) => r.clusters.some((c) => c.name === 'checkout')),
        'EKS cluster checkout',
      );
      region.loadBalancers.push({
        name: 'k8s-checkout-api',
        id: '4b7e1d9c3a5f2e80',
        type: 'network',
        scheme: 'internet-facing',
        vpc: 'retail-eks',
        subnets: ['retail-private-a', 'retail-private-b'],
        tags: { 'kubernetes.io/cluster/checkout': 'owned', 'kubernetes.io/service-name': 'checkout/api' },
      });
    },
  },
  {
    cloud: 'aws',
    says: 'the checkout team closes the public API endpoint of EKS cluster checkout',
    expect: [{ state: 'resolved', ruleId: 'aws/eks-public-endpoint' }],
    apply(scenario) {
      const clusters = found(scenario.aws, 'AWS estate').accounts.flatMap((a) => a.regions.flatMap((r) => r.clusters));
      const checkout = found(
        clusters.find((c) => c.name === 'checkout'),
        'EKS cluster checkout',
      );
      checkout.endpointPublicAccess = false;
      checkout.publicAccessCidrs = [];
    },
  },
];

/** What was started, stopped in reverse order; something started after stopAll() is stopped at once. */
class Resources {
  private readonly stack: { name: string; stop: () => Promise<void> }[] = [];
  private closed = false;
  private readonly kills: (() => void)[] = [];

  async add(name: string, stop: () => Promise<void>, kill?: () => void): Promise<void> {
    if (kill) this.kills.push(kill);
    if (this.closed) {
      await stop().catch(() => undefined);
      return;
    }
    this.stack.push({ name, stop });
  }

  async stopAll(): Promise<string[]> {
    this.closed = true;
    const stopped: string[] = [];
    for (const r of this.stack.reverse()) {
      await Promise.race([r.stop().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
      stopped.push(r.name);
    }
    this.stack.length = 0;
    return stopped;
  }

  /** Synchronous last resort (a second Ctrl-C): child processes must not outlive us. */
  killNow(): void {
    for (const kill of this.kills) kill();
  }
}

class Interrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Azurite's table service, in memory, on 127.0.0.1 and a free port; ready once it says so and accepts connections. */
async function startAzurite(resources: Resources, workDir: string, signal: AbortSignal): Promise<{ port: number; connectionString: string }> {
  let main: string;
  try {
    main = path.join(path.dirname(createRequire(import.meta.url).resolve('azurite/package.json')), 'dist/src/table/main.js');
  } catch {
    throw new Error('demo: Azurite is not installed; run `npm ci` (it is a development dependency)');
  }
  for (let attempt = 0; attempt < 5; attempt += 1) {
    signal.throwIfAborted();
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [main, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent'],
      { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    await resources.add(`Azurite (pid ${String(child.pid)})`, () => stopChild(child), () => child.kill('SIGKILL'));
    let output = '';
    const keep = (d: Buffer) => {
      if (output.length < 20_000) output += d.toString();
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    for (let i = 0; i < 300; i += 1) {
      signal.throwIfAborted();
      if (child.exitCode !== null) break; // the port was taken between our probe and its bind: try another
      // Its own message first: a bare TCP probe could reach another server that grabbed the port.
      if (output.includes('successfully started') && (await listening(port))) {
        return {
          port,
          connectionString: `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};TableEndpoint=http://127.0.0.1:${String(port)}/${AZURITE_ACCOUNT};`,
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    if (child.exitCode === null) throw new Error(`demo: Azurite did not start within 15 s: ${output.slice(0, 500)}`);
  }
  throw new Error('demo: Azurite could not bind a free port on 127.0.0.1');
}

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** The channels' far end: accepts every POST on 127.0.0.1 and keeps it. */
async function startReceiver(resources: Resources): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: new URL(req.url ?? '/', 'http://127.0.0.1').pathname, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  await resources.add('webhook receiver', () => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => { resolve(); }));
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('demo: the receiver has no TCP address');
  return { url: `http://127.0.0.1:${String(address.port)}`, received };
}

type Say = (...lines: string[]) => void;

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function summarise(run: Run): string {
  const sev = SEVERITIES.filter((s) => run.counts.bySeverity[s] > 0).map((s) => `${String(run.counts.bySeverity[s])} ${s}`);
  const unread = run.coverage.scopes.filter((s) => !s.complete).length;
  const scopes = `${String(run.coverage.scopes.length)} scope(s)${unread === 0 ? ', all read completely' : `, ${String(unread)} not read completely`}`;
  return `${String(run.counts.total)} finding(s)${sev.length > 0 ? ` (${sev.join(', ')})` : ''} in ${scopes}`;
}

/** Where a resource lives, short: its resource group, project or account and region. */
function whereOf(id: string): string {
  const rg = /\/resourceGroups\/([^/]+)/i.exec(id)?.[1];
  if (rg !== undefined) return rg;
  const project = /^(?:\/\/[^/]+\/)?projects\/([^/]+)/.exec(id)?.[1];
  if (project !== undefined) return project;
  const arn = /^arn:aws:[^:]*:([^:]*):(\d*):/.exec(id);
  if (arn) return [arn[2], arn[1]].filter(Boolean).join(' ');
  return '';
}

function findingsTable(run: Run): string[] {
  const rows = [...run.findings]
    .sort((a, b) => SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) || a.ruleId.localeCompare(b.ruleId) || a.resource.id.localeCompare(b.resource.id))
    .map((f) => [f.severity, f.ruleId, f.resource.name, whereOf(f.resource.id)]);
  if (rows.length === 0) return [];
  return renderTable(['SEVERITY', 'RULE', 'RESOURCE', 'IN'], rows)
    .split('\n')
    .map((l) => `  ${l}`);
}

interface DemoOptions {
  out: string;
}

interface RunOutcome {
  run: Run;
  published: PublishResult;
  received: Received[];
  ms: number;
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The payloads one run's channels received, as files in `dir`. */
async function writePayloads(dir: string, received: readonly Received[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const c of CHANNELS) {
    const request = received.find((r) => r.path === `/${c.name}`);
    if (!request) continue;
    // The webhook body stays byte for byte what was signed; the others are pretty-printed to read.
    await writeFile(path.join(dir, c.file), c.kind === 'webhook' ? request.body : `${JSON.stringify(JSON.parse(request.body), null, 2)}\n`);
    written.push(c.file);
    if (c.kind === 'webhook') {
      const pick = (h: string) => request.headers[h];
      await writeJson(path.join(dir, 'webhook-headers.json'), {
        'webhook-id': pick('webhook-id'),
        'webhook-timestamp': pick('webhook-timestamp'),
        'webhook-signature': pick('webhook-signature'),
        'content-type': pick('content-type'),
      });
    }
  }
  return written;
}

async function runDemo(options: DemoOptions, resources: Resources, signal: AbortSignal, say: Say): Promise<boolean> {
  const started = Date.now();
  const out = path.resolve(options.out);
  say('Airlock demo');
  const work = await mkdtemp(path.join(tmpdir(), 'airlock-demo-'));
  await resources.add('temporary files', () => rm(work, { recursive: true, force: true }));
  for (const name of OUTPUTS) await rm(path.join(out, name), { recursive: true, force: true });
  // Azurite and the receiver start while the pipeline loads (it pulls in every cloud SDK).
  const azuriteStarting = startAzurite(resources, work, signal);
  const receiverStarting = startReceiver(resources);
  azuriteStarting.catch(() => undefined);
  receiverStarting.catch(() => undefined);
  const [{ auditAndPublish }, { defaultCollectors }, { openStore }, { summariseDrift }, sim] = await Promise.all([
    import('../../shared/audit.js'),
    import('../../shared/collect/index.js'),
    import('../../shared/store/index.js'),
    import('../../shared/drift/index.js'),
    import('../../sim/index.js'),
  ]);
  const scenario = await sim.loadScenario('demo');
  const present = CLOUDS.filter((c) => scenario[c] !== undefined);
  const collectors = new Set(defaultCollectors.map((c) => c.cloud));
  const audited = present.filter((c) => collectors.has(c));
  const waiting = present.filter((c) => !collectors.has(c));
  if (audited.length === 0) throw new Error(`demo: no collector for any cloud of the demo scenario (${present.join(', ')})`);


  const estate = [
    ...(scenario.azure ? [`azure ${String(scenario.azure.subscriptions.length)} subscription(s)`] : []),
    ...(scenario.gcp ? [`gcp ${String(scenario.gcp.projects.length)} project(s)`] : []),
    ...(scenario.aws ? [`aws ${String(scenario.aws.accounts.length)} account(s)`] : []),
  ];
  say(`  estate     sim/scenarios/demo: ${estate.join(', ')}`);
  say(`  audited    ${audited.join(', ')}${waiting.length > 0 ? ` (${waiting.join(', ')}: served by the simulator; collector in progress)` : ''}`);

  say('', 'Starting (everything listens on 127.0.0.1)');
  const [simulator, azurite, receiver] = await Promise.all([
    sim.startSimulator({ scenario }).then(async (s: Simulator) => {
      await resources.add('simulator', () => s.stop());
      return s;
    }),
    azuriteStarting,
    receiverStarting,
  ]);
  const e = simulator.endpoints;
  say(`  simulator  azure ${e.azure.url}  gcp ${e.gcp.url}  aws ${e.aws.url}`);
  say(`  store      Azure Table Storage on Azurite (in memory), 127.0.0.1:${String(azurite.port)}`);
  say(`  channels   Slack, Teams and a signed webhook to ${receiver.url}`);
  say(`  ready after ${seconds(Date.now() - started)}`);

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AIRLOCK_DEMO_SLACK_URL: `${receiver.url}/slack`,
    AIRLOCK_DEMO_TEAMS_URL: `${receiver.url}/teams`,
    AIRLOCK_DEMO_WEBHOOK_URL: `${receiver.url}/webhook`,
    AIRLOCK_DEMO_SIGNING_SECRET: DEMO_SIGNING_SECRET,
    AIRLOCK_DEMO_STORAGE: azurite.connectionString,
  };
  const written = await simulator.writeConfig(path.join(work, 'airlock.yaml'), {
    overrides: {
      // A cloud without a collector would only be reported unread; the demo leaves it out until it has one.
      clouds: Object.fromEntries(CLOUDS.filter((c) => !audited.includes(c)).map((c) => [c, { enabled: false }])),
      notifications: CHANNELS.map((c) => ({
        name: c.name,
        kind: c.kind,
        url: `env:AIRLOCK_DEMO_${c.name.toUpperCase()}_URL`,
        minSeverity: 'info',
        ...(c.kind === 'webhook' ? { signingSecret: 'env:AIRLOCK_DEMO_SIGNING_SECRET' } : {}),
      })),
    },
  });
  const config: AirlockConfig = { ...written.config, store: { kind: 'table', connectionString: 'env:AIRLOCK_DEMO_STORAGE', tablePrefix: 'airlockdemo' } };
  const store = await openStore(config.store, { env });

  const log: NonNullable<AuditOptions['log']> = {
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => process.stderr.write(`warn  ${m}\n`),
    error: (m) => process.stderr.write(`error ${m}\n`),
  };
  const audit = async (): Promise<RunOutcome> => {
    const before = receiver.received.length;
    const t = Date.now();
    const { run, published } = await auditAndPublish(config, { store, trigger: 'cli', clouds: audited, env, log, signal });
    return { run, published, received: receiver.received.slice(before), ms: Date.now() - t };
  };
  const show = (outcome: RunOutcome, driftLines: 'count' | 'all'): void => {
    const { run, published } = outcome;
    say(`  ${summarise(run)}, ${seconds(outcome.ms)}`, '');
    say(...findingsTable(run), '');
    const lines = published.drift ? summariseDrift(published.drift) : ['drift: none (the run was already stored)'];
    say(...(driftLines === 'all' ? lines : lines.slice(0, 1)).map((l) => `  ${l}`));
    const deliveries = published.deliveries.map((d) => `${d.channel} ${d.status === 'delivered' ? 'delivered' : `${d.status} (${d.lastError ?? 'no answer'})`}`);
    say(`  channels: ${deliveries.join(', ') || 'nothing to say'}`);
  };

  say('', 'Run 1: the estate as the scenario describes it');
  const first = await audit();
  show(first, 'count');

  say('', 'Tenants change the estate');
  const next = structuredClone(simulator.scenario);
  const changes = TENANT_CHANGES.filter((c) => present.includes(c.cloud));
  for (const change of changes) {
    change.apply(next);
    if (audited.includes(change.cloud)) say(`  ${change.cloud.padEnd(5)}  ${change.says}`);
  }
  await simulator.replaceScenario(next);

  say('', 'Run 2: after the changes');
  const second = await audit();
  show(second, 'all');

  await mkdir(out, { recursive: true });
  await writePayloads(path.join(out, 'run-1'), first.received);
  const files = await writePayloads(out, second.received);
  const runJson = (o: RunOutcome) => ({ ...o.run, drift: o.published.drift ?? null, deliveries: o.published.deliveries });
  await writeJson(path.join(out, 'runs.json'), [runJson(first), runJson(second)]);

  const relative = path.relative(process.cwd(), out);
  const rel = relative === '' ? '.' : relative.startsWith('..') ? out : relative;
  say('', `What the channels received in run 2, in ${rel}/`);
  for (const c of CHANNELS) {
    if (!files.includes(c.file)) continue;
    say(`  ${c.file.padEnd(21)}${c.what}`);
    const slack = c.kind === 'slack' ? second.received.find((r) => r.path === '/slack') : undefined;
    if (slack) say(`  ${''.padEnd(21)}"${String((JSON.parse(slack.body) as { text?: unknown }).text)}"`);
  }
  say(`  ${'webhook-headers.json'.padEnd(21)}webhook-id, webhook-timestamp, webhook-signature (Standard Webhooks,`);
  say(`  ${''.padEnd(21)}secret ${DEMO_SIGNING_SECRET})`);
  say(`  ${'runs.json'.padEnd(21)}both runs with drift and deliveries, as \`airlock audit --format json\` prints them`);
  say(`  ${'run-1/'.padEnd(21)}what the channels received for run 1`);

  const problems = checkDemo(first, second, audited, changes, files);
  if (problems.length > 0) {
    say('', 'The demo did not see what it expected:', ...problems.map((p) => `  ${p}`));
    return false;
  }
  say('', `Done in ${seconds(Date.now() - started)}. Next: \`npm test\`, then README "Configuration" to audit your own estate.`);
  return true;
}

/** The demo checks itself: complete runs, the drift its changes must cause, and the three payloads. */
function checkDemo(first: RunOutcome, second: RunOutcome, audited: readonly Cloud[], changes: readonly TenantChange[], files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const [i, o] of [first, second].entries()) {
    if (!o.run.complete) problems.push(`run ${String(i + 1)} did not read every scope (see audit/scope-unreadable)`);
    if (o.run.undecided.length > 0) problems.push(`run ${String(i + 1)} could not decide ${String(o.run.undecided.length)} check(s)`);
  }
  const drift: DriftResult | undefined = second.published.drift;
  for (const change of changes.filter((c) => audited.includes(c.cloud))) {
    for (const e of change.expect) {
      const seen = drift?.entries.some((d) => !d.carriedOver && d.state === e.state && d.finding.ruleId === e.ruleId && d.finding.cloud === change.cloud);
      if (!seen) problems.push(`no "${e.state}" ${e.ruleId} after: ${change.says}`);
    }
  }
  for (const c of CHANNELS) if (!files.includes(c.file)) problems.push(`the ${c.name} channel received nothing for run 2`);
  return problems;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('audit a simulated estate twice on this machine (simulator, Azurite, a local receiver): findings, drift, and what Slack, Teams and a webhook receive')
    .option('--out <dir>', 'where the received payloads and the runs are written', 'demo-out')
    .addHelpText('after', '\nNo cloud account and no network needed. Everything listens on 127.0.0.1 and is stopped at the end or on Ctrl-C.')
    .action(async (opts: DemoOptions) => {
      const resources = new Resources();
      const abort = new AbortController();
      // Every SDK call of a run listens on this one signal: many listeners is expected, not a leak.
      setMaxListeners(0, abort.signal);
      const say: Say = (...lines) => {
        for (const l of lines) process.stdout.write(`${l}\n`);
      };
      let interrupted: NodeJS.Signals | undefined;
      const onSignal = (signal: NodeJS.Signals): void => {
        if (interrupted) {
          // A second Ctrl-C: no more waiting, but no orphaned Azurite either.
          resources.killNow();
          process.exit(130);
        }
        interrupted = signal;
        process.stderr.write(`\nairlock demo: ${signal}, stopping what the demo started\n`);
        abort.abort(new Interrupted(signal));
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const aborted = new Promise<never>((_, reject) => {
        abort.signal.addEventListener('abort', () => {
          reject(abort.signal.reason as Error);
        });
      });
      let ok = false;
      try {
        ok = await Promise.race([runDemo(opts, resources, abort.signal, say), aborted]);
      } catch (err) {
        if (!(err instanceof Interrupted) && !interrupted) throw err;
      } finally {
        const stopped = await resources.stopAll();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        if (interrupted) process.stderr.write(`airlock demo: stopped ${stopped.join(', ') || 'nothing'}\n`);
      }
      if (interrupted) {
        process.exitCode = interrupted === 'SIGINT' ? 130 : 143;
        // Work cut off mid-call (a retry timer, a socket) must not keep the process alive.
        setTimeout(() => process.exit(), 2_000).unref();
        return;
      }
      process.exitCode = ok ? 0 : 1;
    });
}
