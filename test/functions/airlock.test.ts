import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import functions from '@azure/functions';
import { QueueServiceClient } from '@azure/storage-queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditStatus, listFindings, planQueue, startAudit } from '../../functions/airlock.js';
import { auditAndPublish } from '../../shared/audit.js';
import { azureCollector } from '../../shared/collect/azure/index.js';
import { loadConfigFromEnv } from '../../shared/config/load.js';
import { openStore } from '../../shared/store/index.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { startAzuriteStorage, type AzuriteStorage } from './azurite-storage.js';

/** The HTTP API (test mode, no host) on Azurite: queueing, status of a failed run, findings with filters, problem details. */

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
  it('lists stored findings with filters, as JSON or JSON Lines, and refuses unknown parameters', async () => {
    const config = await loadConfigFromEnv(process.env);
    const store = await openStore(config.store, { env: process.env });
    await auditAndPublish(config, { store, collectors: [azureCollector], env: process.env });
    const all = await store.listFindingStates();
    expect(all.length).toBeGreaterThan(5);

    const res = await listFindings(get('https://x/api/findings?cloud=azure&severity=high'), context('listFindings'));
    expect(res.status).toBe(200);
    const body = res.jsonBody as { count: number; findings: { severity: string; cloud: string; state: string }[] };
    const expected = all.filter((s) => s.finding.cloud === 'azure' && s.finding.severity === 'high');
    expect(expected.length).toBeGreaterThan(0);
    expect(body.count).toBe(expected.length);
    expect(body.findings.every((f) => f.severity === 'high' && f.state === 'open')).toBe(true);

    const one = all[0];
    const byRuleScope = await listFindings(get(`https://x/api/findings?rule=${encodeURIComponent(one?.finding.ruleId ?? '')}&scope=${encodeURIComponent(one?.finding.scope ?? '')}&format=jsonl`), context('listFindings'));
    const lines = (byRuleScope.body as string).trim().split('\n').map((l) => JSON.parse(l) as { ruleId: string; scope: string });
    expect(lines.length).toBe(all.filter((s) => s.finding.ruleId === one?.finding.ruleId && s.finding.scope === one.finding.scope).length);
    expect(byRuleScope.status, byRuleScope.body as string).toBe(200);
    expect(lines.every((l) => l.ruleId === one?.finding.ruleId)).toBe(true);

    const bad = await listFindings(get('https://x/api/findings?severity=urgent&colour=red'), context('listFindings'));
    expect(bad.status).toBe(400);
    const p = problemOf(bad) as { errors: { parameter: string }[] };
    expect(p.errors.map((e) => e.parameter).sort()).toEqual(['', 'severity']);
  }, 60_000);
});
