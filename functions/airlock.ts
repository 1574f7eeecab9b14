import { randomUUID } from 'node:crypto';
import { app, output } from '@azure/functions';
import type { HttpRequest, HttpResponseInit, InvocationContext, Timer } from '@azure/functions';
import { z } from 'zod';
import { auditAndPublish } from '../shared/audit.js';
import type { Logger } from '../shared/log.js';
import { ConfigError, loadConfigFromEnv } from '../shared/config/load.js';
import { CLOUDS } from '../shared/model/scope.js';
import { openStore } from '../shared/store/index.js';

/**
 * Azure Functions entry points: thin adapters from triggers to shared/audit.ts. HTTP answers
 * within the 230 s limit by queueing the run; the queue-triggered function does the audit.
 * App settings: AIRLOCK_SCHEDULE / AIRLOCK_DIGEST_SCHEDULE (NCRONTAB, UTC), AIRLOCK_CONFIG_FILE or
 * AIRLOCK_CONFIG_YAML, AIRLOCK__... overrides, AirlockQueue__queueServiceUri (managed identity).
 */

export const AUDIT_QUEUE = 'airlock-audit';
export const auditQueueOutput = output.storageQueue({ queueName: AUDIT_QUEUE, connection: 'AirlockQueue' });

const auditMessage = z
  .object({
    runId: z.uuid(),
    clouds: z.array(z.enum(CLOUDS)).optional(),
    digest: z.boolean().optional(),
  })
  .strict();
export type AuditMessage = z.output<typeof auditMessage>;

function loggerOf(context: InvocationContext): Logger {
  return {
    debug: (m) => {
      context.debug(m);
    },
    info: (m) => {
      context.info(m);
    },
    warn: (m) => {
      context.warn(m);
    },
    error: (m) => {
      context.error(m);
    },
  };
}

async function execute(context: InvocationContext, trigger: 'timer' | 'queue', message: AuditMessage): Promise<void> {
  const log = loggerOf(context);
  const config = await loadConfigFromEnv(process.env);
  const store = await openStore(config.store, { env: process.env });
  const { run, published } = await auditAndPublish(config, {
    trigger,
    runId: message.runId,
    log,
    store,
    ...(message.clouds ? { clouds: message.clouds } : {}),
    ...(message.digest === undefined ? {} : { digest: message.digest }),
  });
  const dead = published.deliveries.filter((d) => d.status === 'dead-letter');
  log.info(`run ${run.id}: ${run.counts.total} finding(s), complete=${run.complete}, ${published.deliveries.length} delivery(ies), ${dead.length} dead-lettered`);
  // A dead-lettered delivery is recorded on the run; failing the invocation would re-run the audit for nothing.
  if (!run.complete) log.warn(`run ${run.id} is incomplete: ${run.coverage.scopes.filter((s) => !s.complete).length} scope(s) not read completely`);
}

export async function auditTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  await execute(context, 'timer', { runId: randomUUID() });
}

export async function digestTimer(_timer: Timer, context: InvocationContext): Promise<void> {
  await execute(context, 'timer', { runId: randomUUID(), digest: true });
}

export async function auditQueueHandler(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = auditMessage.safeParse(message);
  if (!parsed.success) {
    // A malformed message can never succeed: log it and let it go instead of poisoning retries.
    context.error(`queue ${AUDIT_QUEUE}: ignoring malformed message: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
    return;
  }
  await execute(context, 'queue', parsed.data);
}

export function auditHttp(request: HttpRequest, context: InvocationContext): HttpResponseInit {
  const clouds = request.query.get('clouds');
  const message: AuditMessage = { runId: randomUUID() };
  if (clouds) {
    const list = clouds.split(',').map((c) => c.trim());
    const parsed = z.array(z.enum(CLOUDS)).safeParse(list);
    if (!parsed.success) return { status: 400, jsonBody: { error: `clouds: expected a comma-separated list of ${CLOUDS.join(', ')}, got "${clouds}"` } };
    message.clouds = parsed.data;
  }
  context.extraOutputs.set(auditQueueOutput, message);
  const statusUrl = new URL(`/api/runs/${message.runId}`, request.url).toString();
  return { status: 202, headers: { Location: statusUrl }, jsonBody: { runId: message.runId, status: statusUrl } };
}

export async function runStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const runId = request.params['runId'] ?? '';
  if (!z.uuid().safeParse(runId).success) return { status: 400, jsonBody: { error: `runId: expected a UUID, got "${runId}"` } };
  try {
    const config = await loadConfigFromEnv(process.env);
    const store = await openStore(config.store, { env: process.env });
    const record = await store.getRun(runId);
    if (!record) return { status: 404, jsonBody: { error: `run ${runId} not found (queued runs appear when they finish)` } };
    return { status: 200, jsonBody: record };
  } catch (err) {
    if (err instanceof ConfigError) {
      context.error(err.message);
      return { status: 500, jsonBody: { error: 'configuration is invalid; see the function log' } };
    }
    throw err;
  }
}

// A retried timer run gets a new run id; drift against the last committed run keeps it from re-alerting.
const timerRetry = { strategy: 'exponentialBackoff', maxRetryCount: 3, minimumInterval: { seconds: 30 }, maximumInterval: { minutes: 5 } } as const;
app.timer('auditTimer', { schedule: '%AIRLOCK_SCHEDULE%', retry: timerRetry, handler: auditTimer });
app.timer('digestTimer', { schedule: '%AIRLOCK_DIGEST_SCHEDULE%', retry: timerRetry, handler: digestTimer });
app.storageQueue('auditQueue', { queueName: AUDIT_QUEUE, connection: 'AirlockQueue', handler: auditQueueHandler });
app.http('auditHttp', { methods: ['POST'], authLevel: 'function', route: 'audit', extraOutputs: [auditQueueOutput], handler: auditHttp });
app.http('runStatus', { methods: ['GET'], authLevel: 'function', route: 'runs/{runId}', handler: runStatus });
