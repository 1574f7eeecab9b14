import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import functions from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStatus, auditTimer, listFindings, planQueue, startAudit } from '../../functions/airlock.js';
import { guardHttp, guardTrigger } from '../../functions/lib/platform.js';
import { auditAndPublish } from '../../shared/audit.js';
import { azureCollector } from '../../shared/collect/azure/index.js';
import { loadConfigFromEnv } from '../../shared/config/load.js';
import type { FindingsDocument } from '../../shared/report/document.js';
import { openStore } from '../../shared/store/index.js';
import { StoreError } from '../../shared/store/types.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { KEY } from '../helpers/azurite.js';
import { startAzuriteStorage, type AzuriteStorage } from './azurite-storage.js';
import { cliConfigFor, cliReport } from './cli-report.js';

/**
 * The HTTP API (test mode, no host) on Azurite: queueing, status of a failed run, findings in every
 * format the CLI writes (compared with `airlock report` byte for byte), filters, problem details,
 * concurrency, and errors logged as one scrubbed line.
 */

const { HttpRequest, InvocationContext } = functions;
const SETTINGS = ['AzureWebJobsStorage', 'AIRLOCK_CONFIG_FILE', 'AIRLOCK_SHARD_SIZE', 'AIRLOCK__store', 'AIRLOCK__clouds__gcp__enabled', 'AIRLOCK__clouds__aws__enabled'] as const;
const saved = Object.fromEntries(SETTINGS.map((k) => [k, process.env[k]]));
const logs: string[] = [];
let sim: Simulator;
let storage: AzuriteStorage;
let dir: string;

function context(name: string): InstanceType<typeof InvocationContext> {
  return new InvocationContext({ functionName: name, invocationId: `${name}-1`, logHandler: (level, ...args) => logs.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`) });
}

function get(url: string, params: Record<string, string> = {}): InstanceType<typeof HttpRequest> {
  return new HttpRequest({ method: 'GET', url, params });
}

/** A reply's body, which the findings API always sends as text. */
function textOf(res: { body?: unknown }): string {
  expect(typeof res.body).toBe('string');
  return res.body as string;
}

function problemOf(res: { headers?: unknown; body?: unknown }): Record<string, unknown> {
  expect((res.headers as Record<string, string>)['Content-Type']).toBe('application/problem+json');
  return JSON.parse(String(res.body)) as Record<string, unknown>;
}

beforeAll(async () => {
  [sim, storage] = await Promise.all([startSimulator({ scenario: 'hybrid-broken', behaviour: { latency: { meanMs: 0, jitterMs: 0 } } }), startAzuriteStorage()]);
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-fn-'));
  const { configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'));
  process.env['AzureWebJobsStorage'] = storage.connectionString;
  process.env['AIRLOCK_CONFIG_FILE'] = configFile;
  process.env['AIRLOCK__store'] = JSON.stringify({ kind: 'table', connectionString: 'env:AzureWebJobsStorage', tablePrefix: 'api' });
  process.env['AIRLOCK__clouds__gcp__enabled'] = 'false';
  process.env['AIRLOCK__clouds__aws__enabled'] = 'false';
}, 60_000);

afterAll(async () => {
  for (const k of SETTINGS) {
    if (saved[k] === undefined) Reflect.deleteProperty(process.env, k);
    else process.env[k] = saved[k];
  }
  await Promise.all([sim.stop(), storage.stop()]);
  await rm(dir, { recursive: true, force: true });
});

describe('POST /api/audits and GET /api/audits/{id}', () => {
  it('answers 202 with a status URL, queues a plan message, and reports a run that failed during planning', async () => {
    const res = await startAudit(new HttpRequest({ method: 'POST', url: 'https://airlock.example.net/api/audits', body: { string: JSON.stringify({ clouds: ['azure'] }) } }), context('startAudit'));
    expect(res.status).toBe(202);
    const body = res.jsonBody as { runId: string; status: string; statusUrl: string };
    expect(body.status).toBe('queued');
    expect((res.headers as Record<string, string>)['Location']).toBe(`https://airlock.example.net/api/audits/${body.runId}`);
    const queue = QueueServiceClient.fromConnectionString(storage.connectionString).getQueueClient('airlock-plan');
    const [msg] = (await queue.receiveMessages()).receivedMessageItems;
    expect(JSON.parse(Buffer.from(msg?.messageText ?? '', 'base64').toString('utf8'))).toEqual({ runId: body.runId });

    const queued = await auditStatus(get(body.statusUrl, { runId: body.runId }), context('auditStatus'));
    expect(queued.jsonBody).toMatchObject({ runId: body.runId, status: 'queued', request: { clouds: ['azure'] } });

    // Planning fails (an invalid app setting): the run says failed, and why.
    process.env['AIRLOCK_SHARD_SIZE'] = 'zero';
    try {
      await planQueue({ runId: body.runId }, context('planQueue'));
    } finally {
      delete process.env['AIRLOCK_SHARD_SIZE'];
    }
    const failed = await auditStatus(get(body.statusUrl, { runId: body.runId }), context('auditStatus'));
    expect(failed.status).toBe(200);
    expect(failed.jsonBody).toMatchObject({ runId: body.runId, status: 'failed' });
    expect((failed.jsonBody as { error: string }).error).toContain('AIRLOCK_SHARD_SIZE');
    expect(logs.some((l) => l.startsWith('error') && l.includes(`run ${body.runId} failed: planning failed`))).toBe(true);
  });

  it('answers 404 for an unknown run and 400 problem details for bad input', async () => {
    const unknown = await auditStatus(get('https://x/api/audits/0f0e0d0c-0b0a-4908-8706-050403020100', { runId: '0f0e0d0c-0b0a-4908-8706-050403020100' }), context('auditStatus'));
    expect(unknown.status).toBe(404);
    expect(problemOf(unknown)).toMatchObject({ status: 404, title: 'Run not found' });

    const badId = await auditStatus(get('https://x/api/audits/x', { runId: 'x' }), context('auditStatus'));
    expect(badId.status).toBe(400);
    expect(problemOf(badId)['detail']).toContain('UUID');

    const badCloud = await startAudit(new HttpRequest({ method: 'POST', url: 'https://x/api/audits', body: { string: '{"clouds":["oracle"]}' } }), context('startAudit'));
    expect(badCloud.status).toBe(400);
    expect(problemOf(badCloud)).toMatchObject({ status: 400, errors: [{ pointer: '/clouds/0' }] });

    const badScope = await startAudit(new HttpRequest({ method: 'POST', url: 'https://x/api/audits', body: { string: '{"scopes":["not-a-scope"]}' } }), context('startAudit'));
    expect(problemOf(badScope)['detail']).toContain('scope key');

    const notJson = await startAudit(new HttpRequest({ method: 'POST', url: 'https://x/api/audits', body: { string: '{clouds' } }), context('startAudit'));
    expect(problemOf(notJson)['title']).toBe('Body is not JSON');
  });
});

describe('GET /api/findings', () => {
  let runId = '';
  let cliConfig = '';

  it('answers 404 while the store holds no run', async () => {
    const res = await listFindings(get('https://x/api/findings'), context('listFindings'));
    expect(res.status).toBe(404);
    expect(problemOf(res)).toMatchObject({ status: 404, title: 'No run stored' });
  });

  it('serves every format byte for byte as `airlock report --run <id>` writes it from the same store', async () => {
    const config = await loadConfigFromEnv(process.env);
    const store = await openStore(config.store, { env: process.env });
    ({ run: { id: runId } } = await auditAndPublish(config, { store, collectors: [azureCollector], env: process.env }));
    cliConfig = await cliConfigFor(process.env['AIRLOCK_CONFIG_FILE'] ?? '', 'api');
    const types: Record<string, string> = { json: 'application/json', jsonl: 'application/x-ndjson', ocsf: 'application/x-ndjson', csv: 'text/csv', markdown: 'text/markdown', html: 'text/html' };
    // Two CLI processes at a time (two cores).
    const formats = Object.keys(types);
    const cli: Record<string, string> = {};
    for (let i = 0; i < formats.length; i += 2) {
      const pair = formats.slice(i, i + 2);
      const outs = await Promise.all(pair.map((f) => cliReport(cliConfig, runId, f)));
      pair.forEach((f, j) => (cli[f] = outs[j] ?? ''));
    }
    for (const format of formats) {
      const byRun = await listFindings(get(`https://x/api/findings?run=${runId}&format=${format}`), context('listFindings'));
      const latest = await listFindings(get(`https://x/api/findings?format=${format}`), context('listFindings'));
      expect(byRun.status, format).toBe(200);
      const headers = byRun.headers as Record<string, string>;
      expect(headers['Content-Type']?.split(';')[0], format).toBe(types[format]);
      expect(headers['X-Airlock-Run-Id']).toBe(runId);
      expect((cli[format] ?? '').length, format).toBeGreaterThan(100);
      expect(byRun.body, format).toBe(cli[format]);
      expect(latest.body, format).toBe(cli[format]);
    }
    // No format: the JSON document.
    const plain = await listFindings(get('https://x/api/findings'), context('listFindings'));
    expect(plain.body).toBe(cli['json']);
  }, 180_000);

  it('narrows the run to the findings a filter names, in any format', async () => {
    const all = JSON.parse(textOf(await listFindings(get('https://x/api/findings'), context('listFindings')))) as FindingsDocument;
    expect(all.findings.length).toBeGreaterThan(5);
    const res = await listFindings(get('https://x/api/findings?cloud=azure&severity=high'), context('listFindings'));
    const doc = JSON.parse(textOf(res)) as FindingsDocument;
    const expected = all.findings.filter((f) => f.cloud === 'azure' && f.severity === 'high');
    expect(expected.length).toBeGreaterThan(0);
    expect(doc.findings.map((f) => f.fingerprint)).toEqual(expected.map((f) => f.fingerprint));
    expect(doc.counts).toMatchObject({ total: expected.length, bySeverity: { high: expected.length, critical: 0 } });
    expect(doc.drift?.entries.every((e) => e.finding.severity === 'high')).toBe(true);

    // A first run: every finding is new, so state=open (still open) and state=new select them all, state=resolved none.
    const one = all.findings[0];
    const csv = await listFindings(get(`https://x/api/findings?format=csv&state=open&rule=${encodeURIComponent(one?.ruleId ?? '')}&scope=${encodeURIComponent(one?.scope.toUpperCase() ?? '')}`), context('listFindings'));
    const rows = textOf(csv).trim().split('\r\n').slice(1);
    expect(rows.length).toBe(all.findings.filter((f) => f.ruleId === one?.ruleId && f.scope === one.scope).length);
    expect(rows.every((r) => r.includes(`,${one?.ruleId ?? ''},`))).toBe(true);
    const jsonl = await listFindings(get('https://x/api/findings?format=jsonl&state=new'), context('listFindings'));
    expect(textOf(jsonl).trim().split('\n')).toHaveLength(all.findings.length);
    const resolved = await listFindings(get('https://x/api/findings?format=ocsf&state=resolved'), context('listFindings'));
    expect(resolved.body).toBe('\n');
  });

  it('refuses bad input with problem details and answers 404 for an unknown run', async () => {
    const bad = await listFindings(get('https://x/api/findings?severity=urgent&colour=red'), context('listFindings'));
    expect(bad.status).toBe(400);
    const p = problemOf(bad) as { errors: { parameter: string }[] };
    expect(p.errors.map((e) => e.parameter).sort()).toEqual(['', 'severity']);
    for (const query of ['format=pdf', 'format=table', 'run=latest', 'state=open&state=new', 'rule=Azure%20x']) {
      const res = await listFindings(get(`https://x/api/findings?${query}`), context('listFindings'));
      expect(res.status, query).toBe(400);
      expect(problemOf(res)['status'], query).toBe(400);
    }
    expect(problemOf(await listFindings(get('https://x/api/findings?format=table'), context('listFindings')))['detail']).toContain('terminal');
    const unknown = await listFindings(get('https://x/api/findings?run=0f0e0d0c-0b0a-4908-8706-050403020100'), context('listFindings'));
    expect(unknown.status).toBe(404);
    expect(problemOf(unknown)).toMatchObject({ title: 'Run not found' });
  });

  it('answers 20 concurrent POST /api/audits with distinct runs, and 200 concurrent reads as one reader alone would', async () => {
    const posts = await Promise.all(
      Array.from({ length: 20 }, (_, i) => startAudit(new HttpRequest({ method: 'POST', url: 'https://x/api/audits', body: { string: i % 2 === 0 ? '' : '{"clouds":["azure"]}' } }), context('startAudit'))),
    );
    expect(posts.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 202));
    const ids = posts.map((r) => (r.jsonBody as { runId: string }).runId);
    expect(new Set(ids).size).toBe(20);
    const queue = QueueServiceClient.fromConnectionString(storage.connectionString).getQueueClient('airlock-plan');
    const queued = new Set<string>();
    for (let i = 0; i < 5 && ids.some((id) => !queued.has(id)); i += 1) {
      for (const m of (await queue.receiveMessages({ numberOfMessages: 32 })).receivedMessageItems) queued.add((JSON.parse(Buffer.from(m.messageText, 'base64').toString('utf8')) as { runId: string }).runId);
    }
    expect(ids.filter((id) => !queued.has(id))).toEqual([]);

    // The answers one reader gets alone, then 200 reads at once: the same answers.
    const reference = textOf(await listFindings(get('https://x/api/findings?format=csv'), context('listFindings')));
    const reads = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        if (i % 2 === 0) {
          const res = await listFindings(get('https://x/api/findings?format=csv'), context('listFindings'));
          return res.status === 200 && res.body === reference;
        }
        const id = i % 4 === 1 ? (ids[i % 20] ?? '') : runId;
        const res = await auditStatus(get(`https://x/api/audits/${id}`, { runId: id }), context('auditStatus'));
        const body = res.jsonBody as { runId: string; status: string };
        return res.status === 200 && body.runId === id && body.status === (id === runId ? 'done' : 'queued');
      }),
    );
    expect(reads.filter((ok) => !ok)).toHaveLength(0);
  }, 120_000);
});

describe('errors in the handlers', () => {
  const SECRET_ENV = ['SLACK_WEBHOOK_URL', 'WEBHOOK_SIGNING_SECRET', 'AIRLOCK_CONFIG_YAML', 'CUSTOM_HOOK'] as const;
  const savedSecrets = Object.fromEntries(SECRET_ENV.map((k) => [k, process.env[k]]));
  const slack = 'https://hooks.slack.com/services/T0SENTINEL1/B0SENTINEL2/sentinelPathToken3xyz';
  const signing = 'whsec_c2VudGluZWxTaWduaW5nU2VjcmV0NA==';
  const custom = 'https://hooks.example.net/workflows/customSentinelToken5abc?sig=customSentinelSig6def';
  const sentinels = ['SENTINEL1', 'SENTINEL2', 'sentinelPathToken3xyz', 'c2VudGluZWxTaWduaW5nU2VjcmV0NA', 'customSentinelToken5abc', 'customSentinelSig6def', KEY];

  afterAll(() => {
    for (const k of SECRET_ENV) {
      if (savedSecrets[k] === undefined) Reflect.deleteProperty(process.env, k);
      else process.env[k] = savedSecrets[k];
    }
  });

  it('log one line scrubbed of webhook tokens, signing secrets and connection strings, and rethrow it without a stack', async () => {
    process.env['SLACK_WEBHOOK_URL'] = slack;
    process.env['WEBHOOK_SIGNING_SECRET'] = signing;
    const seen: string[] = [];
    const ctx = new InvocationContext({ functionName: 'shardWorker', invocationId: 'w-1', logHandler: (level, ...args) => seen.push(`${level} ${args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`) });
    // What a receiver or SDK might put in an error: the URL it was sent to, the secret, the connection string.
    const leaky = guardTrigger(() => Promise.reject(new Error(`POST ${slack} answered 500: bad signature ${signing}\n  with ${storage.connectionString}\n  at send (deliver.ts:1:1)`)));
    const thrown = await leaky({ runId: '0f0e0d0c-0b0a-4908-8706-050403020100' }, ctx).then(() => undefined, (e: unknown) => e as Error);
    expect(thrown).toBeInstanceOf(Error);
    const errors = seen.filter((l) => l.startsWith('error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^error shardWorker failed: POST <redacted> answered 500: bad signature <redacted>; with <redacted>; at send/);
    expect(errors[0]).toContain('"runId":"0f0e0d0c-0b0a-4908-8706-050403020100"');
    for (const text of [...seen, thrown?.message ?? '', thrown?.stack ?? '']) {
      expect(text).not.toContain('\n');
      for (const s of sentinels) expect(text, s).not.toContain(s);
    }
    // An HTTP handler answers 500 problem details without the error text.
    const http = guardHttp(() => Promise.reject(new Error(`connect ${storage.connectionString}`)));
    const res = await http(get('https://x/api/findings'), ctx);
    expect(problemOf(res)).toMatchObject({ status: 500, title: 'Internal error' });
    expect(textOf(res)).not.toContain('AccountKey');
    // A store that is down or refusing the key is 503 with Retry-After: the client may ask again.
    const down = guardHttp(() => Promise.reject(new StoreError('table store', 'http://127.0.0.1:1', 'connect ECONNREFUSED', 'that the storage account is reachable')));
    const unavailable = await down(get('https://x/api/findings'), ctx);
    expect(problemOf(unavailable)).toMatchObject({ status: 503, title: 'Store unavailable' });
    expect((unavailable.headers as Record<string, string>)['Retry-After']).toBe('30');
  });

  it('log a bad AIRLOCK_CONFIG_YAML as one clear line, from the timer, the queue and the API, and register env: secrets of the configuration', async () => {
    const file = process.env['AIRLOCK_CONFIG_FILE'];
    delete process.env['AIRLOCK_CONFIG_FILE'];
    logs.length = 0;
    try {
      process.env['AIRLOCK_CONFIG_YAML'] = 'clouds:\n  azure:\n    subscriptions: [a\nonPrem: {ranges: [10.0.0.0/8]}\n';
      await auditTimer({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context('auditTimer'));
      const res = await listFindings(get('https://x/api/findings'), context('listFindings'));
      expect(problemOf(res)).toMatchObject({ status: 500, title: 'Configuration is invalid' });
      const errors = logs.filter((l) => l.startsWith('error'));
      expect(errors).toHaveLength(2);
      expect(errors[0]).toMatch(/^error run [0-9a-f-]{36} failed: planning failed: configuration is invalid \(1 problem\): AIRLOCK_CONFIG_YAML:4:1 \(root\): expected valid YAML/);
      expect(errors[1]).toMatch(/^error listFindings failed: configuration is invalid \(1 problem\): AIRLOCK_CONFIG_YAML:\d+/);
      for (const l of errors) {
        expect(l).not.toContain('\n');
        expect(l).not.toMatch(/\bat \S+ \(/);
      }

      // A valid configuration whose channel refers to a setting of its own: that value is a secret from then on.
      process.env['CUSTOM_HOOK'] = custom;
      process.env['AIRLOCK_CONFIG_YAML'] = `clouds:\n  azure:\n    subscriptions: [00000000-0000-4000-8000-000000000001]\nnotifications:\n  - {name: ops, kind: teams, url: env:CUSTOM_HOOK}\n`;
      logs.length = 0;
      expect((await listFindings(get('https://x/api/findings'), context('listFindings'))).status).not.toBe(500); // the configuration loads
      const leaky = guardTrigger(() => Promise.reject(new Error(`receiver said: ${custom}`)));
      await leaky({}, context('finalizeWorker')).catch(() => undefined);
      expect(logs.some((l) => l.includes('finalizeWorker failed: receiver said: <redacted>'))).toBe(true);
      for (const l of logs) for (const s of sentinels) expect(l, s).not.toContain(s);
    } finally {
      if (file !== undefined) process.env['AIRLOCK_CONFIG_FILE'] = file;
      delete process.env['AIRLOCK_CONFIG_YAML'];
      delete process.env['CUSTOM_HOOK'];
    }
  });
});
