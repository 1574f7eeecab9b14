import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import functions from '@azure/functions';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTimer, finalizePoison, finalizeWorker, planPoison, planQueue, shardPoison } from '../../functions/airlock.js';
import { fanoutHandlers } from '../../functions/lib/fanout.js';
import { progressStore } from '../../functions/lib/platform.js';
import { auditAndPublish, runShard } from '../../shared/audit.js';
import { azureCollector } from '../../shared/collect/azure/index.js';
import { awsCollector } from '../../shared/collect/aws/index.js';
import { loadConfigFromEnv } from '../../shared/config/load.js';
import type { FindingState } from '../../shared/drift/index.js';
import { scopeKey } from '../../shared/model/scope.js';
import { openStore } from '../../shared/store/index.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { fastCollector } from '../collect/gcp/harness.js';
import { startAzuriteStorage, type AzuriteStorage } from './azurite-storage.js';
import { cliConfigFor, cliReport } from './cli-report.js';
import { drainQueues, type HostLog } from './queue-host.js';

/**
 * The fan-out as the Functions host runs it, on Azurite (queues and tables) over the
 * `hybrid-broken` simulator scenario: the timer plans and queues one message per shard (shard size
 * 1), two workers drain the queues, the last shard queues finalisation. The stored findings must
 * equal a single-process run's; a shard that fails on every delivery becomes coverage. After
 * finalisation the HTML and Markdown reports are in the report container (Azurite's blob service),
 * the same bytes `airlock report` writes for the run, and the Slack message links to them.
 */

const { InvocationContext } = functions;
const collectors = [azureCollector, fastCollector, awsCollector];
const FAST_SIM = { latency: { meanMs: 0, jitterMs: 0 }, throttle: { resourceGraph: { quota: 100_000, windowSeconds: 5 } } };
const SETTINGS = ['AzureWebJobsStorage', 'AIRLOCK_CONFIG_FILE', 'AIRLOCK_SHARD_SIZE', 'AIRLOCK__store', 'AIRLOCK_REPORT_CONTAINER', 'AIRLOCK__notifications', 'FANOUT_SLACK_URL'] as const;

let sim: Simulator;
let storage: AzuriteStorage;
let dir: string;
const saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
const logs: HostLog[] = [];
let receiver: Server;
let reports: ContainerClient;
/** What the Slack receiver got, and which run's report latest.html held when it arrived. */
const received: { body: string; latestRunId: string | undefined }[] = [];

function timerContext(): InstanceType<typeof InvocationContext> {
  return new InvocationContext({ functionName: 'auditTimer', invocationId: 't-1', logHandler: (level, ...args) => logs.push({ level, function: 'auditTimer', text: args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') }) });
}

const summary = (states: FindingState[]): string[] => states.map((s) => `${s.status} ${s.finding.ruleId} ${s.finding.severity} ${s.finding.scope} ${s.fingerprint}`).sort();

beforeAll(async () => {
  [sim, storage] = await Promise.all([startSimulator({ scenario: 'hybrid-broken', behaviour: FAST_SIM }), startAzuriteStorage()]);
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-fanout-'));
  const { configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'));
  // The findings store on Azurite too, as an app setting overrides it in Azure.
  process.env['AIRLOCK__store'] = JSON.stringify({ kind: 'table', connectionString: 'env:AzureWebJobsStorage', tablePrefix: 'fanout' });
  process.env['AzureWebJobsStorage'] = storage.connectionString;
  process.env['AIRLOCK_CONFIG_FILE'] = configFile;
  process.env['AIRLOCK_SHARD_SIZE'] = '1';
  process.env['AIRLOCK_REPORT_CONTAINER'] = 'reports';
  reports = BlobServiceClient.fromConnectionString(storage.connectionString).getContainerClient('reports');
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const latest = reports.getBlockBlobClient('latest.html');
      latest
        .getProperties()
        .then((p) => p.metadata?.['runid'], () => undefined)
        .then((latestRunId) => {
          received.push({ body: Buffer.concat(chunks).toString('utf8'), latestRunId });
          res.end('ok');
        }, () => res.end('ok'));
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  process.env['FANOUT_SLACK_URL'] = `http://127.0.0.1:${String(typeof address === 'object' && address ? address.port : 0)}/services/T000/B000/fanoutToken`;
  process.env['AIRLOCK__notifications'] = JSON.stringify([{ name: 'ops-slack', kind: 'slack', url: 'env:FANOUT_SLACK_URL', minSeverity: 'low' }]);
}, 60_000);

afterAll(async () => {
  for (const k of SETTINGS) {
    if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = saved[k];
  }
  await Promise.all([sim.stop(), storage.stop(), new Promise((resolve) => receiver.close(resolve))]);
  await rm(dir, { recursive: true, force: true });
});

describe('fan-out on Azurite (hybrid-broken, shard size 1, two workers)', () => {
  it('timer → shard messages → workers → finalise stores what a single-process run stores', async () => {
    // The functions' own handlers, with the test collectors (GCP retries in milliseconds) in the worker.
    const fast = fanoutHandlers({ env: process.env, runShard: (shard, config, options) => runShard(shard, config, { ...options, collectors }) });
    await auditTimer({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, timerContext());
    const started = logs.find((l) => l.text.includes('started by auditTimer'));
    const runId = /run ([0-9a-f-]{36})/.exec(started?.text ?? '')?.[1] ?? '';
    const progress = await (await progressStore()).get(runId);
    expect(progress?.phase).toBe('running');
    expect(progress?.shards.total).toBe(23); // every planned scope its own shard

    const host = await drainQueues(
      storage.connectionString,
      { 'airlock-plan': planQueue, 'airlock-shards': fast.shardWorker, 'airlock-shards-poison': shardPoison, 'airlock-finalize': finalizeWorker, 'airlock-finalize-poison': finalizePoison, 'airlock-plan-poison': planPoison },
      logs,
      { workers: 2, maxDequeueCount: 5 },
    );
    expect(host.invocations['airlock-shards']).toBe(23);
    expect(host.invocations['airlock-finalize']).toBe(1);
    expect(host.poisoned).toEqual({});
    expect(host.maxConcurrent).toBe(2);

    const done = await (await progressStore()).get(runId);
    expect(done).toMatchObject({ phase: 'done', shards: { total: 23, done: 23, failed: 0 }, complete: false });

    const config = await loadConfigFromEnv(process.env);
    const fanned = await openStore(config.store, { env: process.env });
    const run = await fanned.getRun(runId);
    expect(run?.coverage.incomplete.sort()).toEqual(['aws/account-region/888899990000/ap-southeast-2', 'azure/subscription/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c05', 'gcp/project/northwind-secops']);

    // The same configuration, in one process, into a store of its own.
    const single = await openStore({ ...config.store, tablePrefix: 'single' } as typeof config.store, { env: process.env });
    const { run: singleRun } = await auditAndPublish(config, { store: single, collectors, env: process.env });
    expect(singleRun.findings.length).toBeGreaterThan(20);
    expect(run?.counts).toEqual(singleRun.counts);
    expect(summary(await fanned.listFindingStates())).toEqual(summary(await single.listFindingStates()));

    // One line per coverage gap, with the scope as a dimension.
    const gaps = logs.filter((l) => l.function === 'airlock-finalize' && l.text.startsWith('coverage gap:'));
    expect(gaps.map((l) => /coverage gap: (\S+)/.exec(l.text)?.[1]).sort()).toEqual(run?.coverage.incomplete.sort());
    expect(gaps.every((l) => l.text.includes(`"runId":"${runId}"`) && l.text.includes('"scope":'))).toBe(true);

    // A redelivered shard message and a redelivered finalisation count nothing and store nothing twice.
    const firstShard = (await (await progressStore()).getPlan(runId))?.shards[0]?.id ?? '';
    await fast.shardWorker({ runId, shardId: firstShard }, timerContext());
    await finalizeWorker({ runId }, timerContext());
    expect((await (await progressStore()).get(runId))?.shards).toEqual({ total: 23, done: 23, failed: 0 });
    expect((await fanned.listRuns()).filter((r) => r.id === runId)).toHaveLength(1);

    // The reports in the container: the bytes `airlock report` writes for the run from the same store.
    const cliConfig = await cliConfigFor(process.env['AIRLOCK_CONFIG_FILE'] ?? '', 'fanout');
    const [html, markdown] = await Promise.all([cliReport(cliConfig, runId, 'html'), cliReport(cliConfig, runId, 'markdown')]);
    const blob = async (name: string): Promise<{ text: string; type: string | undefined; runId: string | undefined }> => {
      const client = reports.getBlockBlobClient(name);
      const props = await client.getProperties();
      return { text: (await client.downloadToBuffer()).toString('utf8'), type: props.contentType, runId: props.metadata?.['runid'] };
    };
    expect(html).toContain('<html');
    for (const [name, text, type] of [
      [`runs/${runId}/report.html`, html, 'text/html'],
      ['latest.html', html, 'text/html'],
      [`runs/${runId}/report.md`, markdown, 'text/markdown'],
      ['latest.md', markdown, 'text/markdown'],
    ] as const) {
      const got = await blob(name);
      expect(got.text === text, name).toBe(true);
      expect(got.type?.split(';')[0], name).toBe(type);
      expect(got.runId, name).toBe(runId);
    }
    // Without reportUrl in the configuration the message links to the container's latest.html, uploaded before the message was sent.
    const latestUrl = reports.getBlockBlobClient('latest.html').url;
    const linked = received.filter((r) => r.body.includes(latestUrl));
    expect(linked).toHaveLength(1);
    expect(linked[0]?.latestRunId).toBe(runId);
    expect(logs.filter((l) => l.text.includes(`run ${runId}: report uploaded to reports`))).toHaveLength(1);
  }, 240_000);

  it('a shard that fails on every delivery is dead-lettered, becomes coverage, and the run still finalises (and does when the report cannot be uploaded)', async () => {
    const doomed = 'azure/subscription/8f3c6d2e-1a4b-4c7d-8e9f-0a1b2c3d4e02';
    const failing = fanoutHandlers({
      env: process.env,
      runShard: (shard, config, options) => {
        if (shard.scopes.some((s) => scopeKey(s) === doomed)) return Promise.reject(new Error('worker crashed'));
        return runShard(shard, config, { ...options, collectors });
      },
    });
    process.env['AIRLOCK__clouds__gcp__enabled'] = 'false';
    process.env['AIRLOCK__clouds__aws__enabled'] = 'false';
    process.env['AIRLOCK_REPORT_CONTAINER'] = 'Not_A-Container';
    try {
      await auditTimer({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, timerContext());
      const runId = /run ([0-9a-f-]{36})/.exec(logs.filter((l) => l.text.includes('started by auditTimer')).at(-1)?.text ?? '')?.[1] ?? '';
      const host = await drainQueues(
        storage.connectionString,
        { 'airlock-shards': failing.shardWorker, 'airlock-shards-poison': failing.shardPoison, 'airlock-finalize': failing.finalizeWorker },
        logs,
        { workers: 2, maxDequeueCount: 3 },
      );
      expect(host.poisoned).toEqual({ 'airlock-shards': 1 });
      const progress = await (await progressStore()).get(runId);
      expect(progress).toMatchObject({ phase: 'done', shards: { total: 5, done: 4, failed: 1 } });
      expect(progress?.failedShards.map((s) => s.scopes)).toEqual([[doomed]]);
      const config = await loadConfigFromEnv(process.env);
      const run = await (await openStore(config.store, { env: process.env })).getRun(runId);
      expect(run?.coverage.incomplete).toContain(doomed);
      expect(run?.coverage.notes.some((n) => n.includes(doomed) && n.includes('dead-lettered'))).toBe(true);
      expect(logs.some((l) => l.level === 'warning' && l.text.startsWith(`coverage gap: ${doomed} was not audited`))).toBe(true);
      // The report container could not be written (an invalid name): one error line with the run id, and the run is done all the same.
      const failures = logs.filter((l) => l.text.includes('report upload failed'));
      expect(failures).toHaveLength(1);
      expect(failures[0]?.level).toBe('error');
      expect(failures[0]?.text).toContain(`run ${runId}: report upload failed`);
      expect(failures[0]?.text).toContain(`"runId":"${runId}"`);
      expect(await reports.getBlockBlobClient(`runs/${runId}/report.html`).exists()).toBe(false);
    } finally {
      delete process.env['AIRLOCK__clouds__gcp__enabled'];
      delete process.env['AIRLOCK__clouds__aws__enabled'];
      process.env['AIRLOCK_REPORT_CONTAINER'] = 'reports';
    }
  }, 120_000);
});
