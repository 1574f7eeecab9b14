import { randomUUID } from 'node:crypto';
import { app } from '@azure/functions';
import type { InvocationContext, Timer } from '@azure/functions';
import { runShard } from '../shared/audit.js';
import { apiHandlers } from './lib/api.js';
import { fanoutHandlers } from './lib/fanout.js';
import { FINALIZE_QUEUE, guardHttp, guardTrigger, invocationLogger, PLAN_QUEUE, progressStore, SHARD_QUEUE, STORAGE_CONNECTION } from './lib/platform.js';

/**
 * Azure Functions entry points: thin adapters from triggers to shared/audit.ts (see lib/fanout.ts).
 * App settings: AIRLOCK_SCHEDULE / AIRLOCK_DIGEST_SCHEDULE (NCRONTAB, UTC), AIRLOCK_SHARD_SIZE,
 * AIRLOCK_CONFIG_FILE or AIRLOCK_CONFIG_YAML, AIRLOCK__... overrides, AzureWebJobsStorage (or its
 * identity-based __accountName/__credential/__clientId), AZURE_CLIENT_ID. Shard parallelism per
 * instance is the queue extension's batchSize (AzureFunctionsJobHost__extensions__queues__batchSize).
 * AIRLOCK_REPORT_CONTAINER: the blob container the HTML and Markdown reports go to after each run.
 *
 * Every handler is guarded: a failure is logged as one line scrubbed of secrets (platform.ts).
 */

const fanout = fanoutHandlers({ env: process.env, runShard });
const api = apiHandlers(process.env);

async function startTimerRun(context: InvocationContext, digest: boolean): Promise<string> {
  const runId = randomUUID();
  const store = await progressStore(process.env);
  await store.create({ runId, trigger: 'timer', request: digest ? { digest } : {}, phase: 'queued' });
  invocationLogger(context, { runId }).info(`run ${runId} started by ${context.functionName}`);
  await fanout.plan(runId, context);
  return runId;
}

export const auditTimer = guardTrigger(async (_timer: Timer, context: InvocationContext): Promise<void> => {
  await startTimerRun(context, false);
});

export const digestTimer = guardTrigger(async (_timer: Timer, context: InvocationContext): Promise<void> => {
  await startTimerRun(context, true);
});

export const planQueue = guardTrigger(async (message: unknown, context: InvocationContext): Promise<void> => {
  const runId = (message as { runId?: unknown } | null)?.runId;
  if (typeof runId !== 'string' || !/^[0-9a-f-]{36}$/i.test(runId)) {
    invocationLogger(context).error(`queue ${PLAN_QUEUE}: ignoring malformed message (expected {"runId": "<uuid>"})`);
    return;
  }
  await fanout.plan(runId, context);
});

export const shardWorker = guardTrigger(fanout.shardWorker);
export const shardPoison = guardTrigger(fanout.shardPoison);
export const finalizeWorker = guardTrigger(fanout.finalizeWorker);
export const finalizePoison = guardTrigger(fanout.finalizePoison);
export const planPoison = guardTrigger(fanout.planPoison);
export const startAudit = guardHttp(api.startAudit);
export const auditStatus = guardHttp(api.auditStatus);
export const listFindings = guardHttp(api.listFindings);

// A retried timer run gets a new run id; drift against the last committed run keeps it from re-alerting.
const timerRetry = { strategy: 'exponentialBackoff', maxRetryCount: 3, minimumInterval: { seconds: 30 }, maximumInterval: { minutes: 5 } } as const;
const connection = STORAGE_CONNECTION;
app.timer('auditTimer', { schedule: '%AIRLOCK_SCHEDULE%', retry: timerRetry, handler: auditTimer });
app.timer('digestTimer', { schedule: '%AIRLOCK_DIGEST_SCHEDULE%', retry: timerRetry, handler: digestTimer });
app.storageQueue('planQueue', { queueName: PLAN_QUEUE, connection, handler: planQueue });
app.storageQueue('planPoison', { queueName: `${PLAN_QUEUE}-poison`, connection, handler: planPoison });
app.storageQueue('shardWorker', { queueName: SHARD_QUEUE, connection, handler: shardWorker });
app.storageQueue('shardPoison', { queueName: `${SHARD_QUEUE}-poison`, connection, handler: shardPoison });
app.storageQueue('finalizeWorker', { queueName: FINALIZE_QUEUE, connection, handler: finalizeWorker });
app.storageQueue('finalizePoison', { queueName: `${FINALIZE_QUEUE}-poison`, connection, handler: finalizePoison });
app.http('startAudit', { methods: ['POST'], authLevel: 'function', route: 'audits', handler: startAudit });
app.http('auditStatus', { methods: ['GET'], authLevel: 'function', route: 'audits/{runId}', handler: auditStatus });
app.http('listFindings', { methods: ['GET'], authLevel: 'function', route: 'findings', handler: listFindings });
