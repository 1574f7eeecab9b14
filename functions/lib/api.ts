/**
 * The HTTP API (function keys; HTTP replies are capped at 230 s, so a run is queued, not awaited):
 *   POST /api/audits            optional JSON {clouds, scopes} → 202, Location: /api/audits/{id}
 *   GET  /api/audits/{id}       queued | planning | running (n/m shards) | finalizing | done | failed (why)
 *   GET  /api/findings          stored finding states, filtered (state, severity, cloud, rule, scope), format=json|jsonl
 * Bad input is 400 as RFC 9457 problem details (application/problem+json).
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { ConfigError, loadConfigFromEnv } from '../../shared/config/load.js';
import type { FindingState, FindingStatus } from '../../shared/drift/index.js';
import { CLOUDS, parseScopeKey } from '../../shared/model/scope.js';
import { SEVERITIES } from '../../shared/model/severity.js';
import type { RunProgress } from '../../shared/store/progress.js';
import type { RunRecord } from '../../shared/store/types.js';
import { findingStore, invocationLogger, PLAN_QUEUE, progressStore, sendMessage } from './platform.js';

type Env = NodeJS.ProcessEnv;

const PROBLEM_TYPE = 'https://github.com/airlock/airlock/blob/main/docs/operations.md#api-errors';

/** RFC 9457 problem details. */
function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: PROBLEM_TYPE, title, status, detail, ...extra }),
  };
}

function issuesOf(error: z.ZodError): { pointer: string; detail: string }[] {
  return error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: i.message }));
}

const scopeKeyText = z.string().refine(
  (k) => {
    try {
      parseScopeKey(k);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected a scope key <cloud>/<kind>/<id>, e.g. azure/subscription/<guid>' },
);

const auditRequest = z
  .object({
    clouds: z.array(z.enum(CLOUDS)).min(1).optional(),
    scopes: z.array(scopeKeyText).min(1).max(5000).optional(),
  })
  .strict();

function uuidParam(request: HttpRequest, name: string): string | HttpResponseInit {
  const value = request.params[name] ?? '';
  return z.uuid().safeParse(value).success ? value : problem(400, 'Invalid run id', `${name}: expected a UUID, got "${value.slice(0, 100)}"`);
}

/** The status document of a run. */
function statusOf(p: RunProgress, record: RunRecord | undefined, url: string): Record<string, unknown> {
  const recorded = p.shards.done + p.shards.failed;
  return {
    runId: p.runId,
    status: p.phase,
    trigger: p.trigger,
    request: p.request,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    shards: { ...p.shards, recorded },
    progress: p.phase === 'running' ? `${String(recorded)}/${String(p.shards.total)} shards` : undefined,
    ...(p.error === undefined ? {} : { error: p.error }),
    notAudited: p.failedShards.flatMap((s) => s.scopes.map((scope) => ({ scope, shard: s.id, reason: s.reason }))),
    ...(p.finishedAt === undefined ? {} : { finishedAt: p.finishedAt }),
    ...(record ? { run: record } : {}),
    self: url,
  };
}

function internal(err: unknown, context: InvocationContext): HttpResponseInit {
  if (err instanceof ConfigError) {
    context.error(err.message);
    return problem(500, 'Configuration is invalid', 'The app configuration does not load; see the function log.');
  }
  throw err;
}

export function apiHandlers(env: Env) {
  async function startAudit(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const text = await request.text();
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch (err) {
        return problem(400, 'Body is not JSON', `expected a JSON object such as {"clouds":["azure"]}: ${(err as Error).message}`);
      }
    }
    const parsed = auditRequest.safeParse(body);
    if (!parsed.success) return problem(400, 'Invalid audit request', parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '), { errors: issuesOf(parsed.error) });
    const runId = randomUUID();
    const log = invocationLogger(context, { runId });
    const store = await progressStore(env);
    const req = { ...(parsed.data.clouds ? { clouds: parsed.data.clouds } : {}), ...(parsed.data.scopes ? { scopes: parsed.data.scopes } : {}) };
    await store.create({ runId, trigger: 'http', request: req, phase: 'queued' });
    await sendMessage(PLAN_QUEUE, { runId }, env);
    log.info(`run ${runId} queued over HTTP`, { clouds: parsed.data.clouds?.join(','), scopes: parsed.data.scopes?.length });
    const statusUrl = new URL(`/api/audits/${runId}`, request.url).toString();
    return { status: 202, headers: { Location: statusUrl, 'Retry-After': '30' }, jsonBody: { runId, status: 'queued', statusUrl } };
  }

  async function auditStatus(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const runId = uuidParam(request, 'runId');
    if (typeof runId !== 'string') return runId;
    try {
      const progress = await (await progressStore(env)).get(runId);
      let record: RunRecord | undefined;
      if (!progress || progress.phase === 'done') {
        const config = await loadConfigFromEnv(env);
        record = await (await findingStore(config, env)).getRun(runId);
      }
      if (progress) return { status: 200, jsonBody: statusOf(progress, record, request.url) };
      // A run stored by the CLI (or before the fan-out existed) has no progress record.
      if (record) return { status: 200, jsonBody: { runId, status: 'done', run: record, self: request.url } };
      return problem(404, 'Run not found', `no run ${runId} is queued, running or stored`);
    } catch (err) {
      return internal(err, context);
    }
  }

  const findingsQuery = z
    .object({
      state: z.enum(['open', 'resolved', 'excepted']).optional(),
      severity: z.enum(SEVERITIES).optional(),
      cloud: z.enum(CLOUDS).optional(),
      rule: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'expected a rule id such as azure/aks-egress-bypass').optional(),
      scope: z.string().max(500).regex(/^[a-z0-9-]+\/[a-z0-9-]+\/\S+$/i, 'expected a scope such as azure/subscription/<guid>').optional(),
      format: z.enum(['json', 'jsonl']).default('json'),
    })
    .strict();

  async function listFindings(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
    const query = Object.fromEntries(request.query.entries());
    const format = query['format'];
    if (format !== undefined && ['csv', 'markdown', 'html', 'ocsf'].includes(format)) {
      return problem(400, 'Format not available', `format=${format} is not served by this version; use format=json or format=jsonl`, { errors: [{ parameter: 'format', detail: 'not available yet' }] });
    }
    const parsed = findingsQuery.safeParse(query);
    if (!parsed.success) {
      return problem(400, 'Invalid findings query', parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; '), {
        errors: parsed.error.issues.map((i) => ({ parameter: i.path.join('.'), detail: i.message })),
      });
    }
    const q = parsed.data;
    try {
      const config = await loadConfigFromEnv(env);
      const store = await findingStore(config, env);
      const filter: { scope?: string; status?: FindingStatus } = {};
      if (q.scope !== undefined) filter.scope = q.scope.toLowerCase();
      if (q.state !== undefined) filter.status = q.state;
      const states = (await store.listFindingStates(filter)).filter(
        (s: FindingState) =>
          (q.severity === undefined || s.finding.severity === q.severity) && (q.cloud === undefined || s.finding.cloud === q.cloud) && (q.rule === undefined || s.finding.ruleId === q.rule),
      );
      states.sort((a, b) => a.finding.ruleId.localeCompare(b.finding.ruleId) || a.fingerprint.localeCompare(b.fingerprint));
      const rows = states.map((s) => ({ state: s.status, firstSeen: s.firstSeen, lastSeen: s.lastSeen, lastRunId: s.lastRunId, ...(s.exception ? { exception: s.exception } : {}), ...s.finding }));
      if (q.format === 'jsonl') return { status: 200, headers: { 'Content-Type': 'application/x-ndjson' }, body: rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length > 0 ? '\n' : '') };
      return { status: 200, jsonBody: { count: rows.length, findings: rows } };
    } catch (err) {
      return internal(err, context);
    }
  }

  return { startAudit, auditStatus, listFindings };
}
