import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import functions from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHttp, auditQueueHandler, auditQueueOutput, auditTimer, runStatus, type AuditMessage } from '../../functions/airlock.js';
import { FileFindingStore } from '../../shared/store/index.js';
import { startSimulator, type Simulator } from '../../sim/index.js';

/**
 * Several audits run back to back against one simulator here; the default Resource Graph quota
 * (15 queries per 5 s, as in Azure) would make each wait for the window. Throttling is covered in
 * test/collect/azure; these tests are about drift and delivery.
 */
const UNTHROTTLED_GRAPH = { throttle: { resourceGraph: { quota: 100_000, windowSeconds: 5 } } };

const { HttpRequest, InvocationContext } = functions;

let sim: Simulator;
let dir: string;
const saved = process.env['AIRLOCK_CONFIG_FILE'];
const logs: string[] = [];

function context(name: string): InstanceType<typeof InvocationContext> {
  return new InvocationContext({ functionName: name, invocationId: `${name}-1`, logHandler: (level, ...args) => logs.push(`${level} ${args.join(' ')}`) });
}

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'conformant', behaviour: UNTHROTTLED_GRAPH });
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-fn-'));
  const { configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
    storePath: path.join(dir, 'state'),
    overrides: { clouds: { gcp: { enabled: false }, aws: { enabled: false } } },
  });
  process.env['AIRLOCK_CONFIG_FILE'] = configFile;
});

afterAll(async () => {
  if (saved === undefined) delete process.env['AIRLOCK_CONFIG_FILE'];
  else process.env['AIRLOCK_CONFIG_FILE'] = saved;
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('Functions handlers (test mode, no host)', () => {
  it('HTTP trigger queues a run and answers 202 with its status URL; the queue handler runs it; the status endpoint returns it', async () => {
    const ctx = context('auditHttp');
    const response = auditHttp(new HttpRequest({ method: 'POST', url: 'https://airlock.example.net/api/audit?clouds=azure' }), ctx);
    expect(response.status).toBe(202);
    const message = ctx.extraOutputs.get(auditQueueOutput) as AuditMessage;
    expect(message.clouds).toEqual(['azure']);
    expect(response.headers).toEqual({ Location: `https://airlock.example.net/api/runs/${message.runId}` });

    const before = await runStatus(new HttpRequest({ method: 'GET', url: 'https://x/api/runs/1', params: { runId: message.runId } }), context('runStatus'));
    expect(before.status).toBe(404);

    await auditQueueHandler(message, context('auditQueue'));
    const after = await runStatus(new HttpRequest({ method: 'GET', url: 'https://x/api/runs/1', params: { runId: message.runId } }), context('runStatus'));
    expect(after.status).toBe(200);
    expect(after.jsonBody).toMatchObject({ id: message.runId, trigger: 'queue', complete: true, clouds: ['azure'] });

    // A redelivered queue message (same run id) writes nothing twice.
    await auditQueueHandler(message, context('auditQueue'));
    const runs = await new FileFindingStore(path.join(dir, 'state')).listRuns();
    expect(runs.filter((r) => r.id === message.runId)).toHaveLength(1);
  });

  it('rejects bad input with a clear 400 and ignores malformed queue messages', async () => {
    const bad = auditHttp(new HttpRequest({ method: 'POST', url: 'https://x/api/audit?clouds=azure,oracle' }), context('auditHttp'));
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.jsonBody)).toContain('oracle');
    const badId = await runStatus(new HttpRequest({ method: 'GET', url: 'https://x/api/runs/x', params: { runId: 'x' } }), context('runStatus'));
    expect(badId.status).toBe(400);
    await auditQueueHandler({ runId: 'not-a-uuid' }, context('auditQueue'));
    expect(logs.some((l) => l.startsWith('error') && l.includes('malformed message') && l.includes('runId'))).toBe(true);
  });

  it('timer trigger runs the audit and records the run', async () => {
    const store = new FileFindingStore(path.join(dir, 'state'));
    const before = (await store.listRuns()).length;
    await auditTimer({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: { last: '', next: '', lastUpdated: '' } }, context('auditTimer'));
    const runs = await store.listRuns();
    expect(runs).toHaveLength(before + 1);
    expect(runs[0]?.trigger).toBe('timer');
  });
});
