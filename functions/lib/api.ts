/**
 * The HTTP API (function keys; HTTP replies are capped at 230 s, so a run is queued, not awaited):
 *   POST /api/audits            optional JSON {clouds, scopes} → 202, Location: /api/audits/{id}
 *   GET  /api/audits/{id}       queued | planning | running (n/m shards) | finalizing | done | failed (why)
 *   GET  /api/findings          a stored run's findings (run=<id>, default the latest) in any format
 *                               `airlock report` writes (format=json|jsonl|csv|markdown|html|ocsf),
 *                               byte for byte, optionally narrowed (state, severity, cloud, rule, scope)
 * Bad input is 400 as RFC 9457 problem details (application/problem+json); an unknown run is 404.
 */
import { randomUUID } from 'node:crypto';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { z } from 'zod';
import { clip } from '../../shared/config/problems.js';
import { CLOUDS, parseScopeKey } from '../../shared/model/scope.js';
import { SEVERITIES } from '../../shared/model/severity.js';
import { FINDING_STATES } from '../../shared/report/document.js';
import { REPORT_FORMATS } from '../../shared/report/index.js';
import type { RunProgress } from '../../shared/store/progress.js';
import type { RunRecord } from '../../shared/store/types.js';
import { findingStore, invocationLogger, loadConfig, PLAN_QUEUE, problem, progressStore, sendMessage } from './platform.js';
import { CONTENT_TYPES, renderStored, storedReport } from './reports.js';

type Env = NodeJS.ProcessEnv;

/** An issue's text; unknown keys are quoted cut (clip), as configuration problems quote them, never whole. */
function issueText(i: z.core.$ZodIssue): string {
  if (i.code !== 'unrecognized_keys') return i.message;
  const keys = i.keys.map((k) => JSON.stringify(clip(k)));
  return `unknown key${keys.length === 1 ? '' : 's'} ${keys.join(', ')}`;
}

/** The issues as one detail line, each after its path (`root` when at the top). */
function detailOf(error: z.ZodError, root: string): string {
  return error.issues.map((i) => `${i.path.join('.') || root}: ${issueText(i)}`).join('; ');
}

function issuesOf(error: z.ZodError): { pointer: string; detail: string }[] {
  return error.issues.map((i) => ({ pointer: `/${i.path.join('/')}`, detail: issueText(i) }));
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
  return z.uuid().safeParse(value).success ? value : problem(400, 'Invalid run id', `${name}: expected a UUID, got "${clip(value)}"`);
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
    if (!parsed.success) return problem(400, 'Invalid audit request', detailOf(parsed.error, '(body)'), { errors: issuesOf(parsed.error) });
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

  async function auditStatus(request: HttpRequest): Promise<HttpResponseInit> {
    const runId = uuidParam(request, 'runId');
    if (typeof runId !== 'string') return runId;
    const progress = await (await progressStore(env)).get(runId);
    let record: RunRecord | undefined;
    if (!progress || progress.phase === 'done') {
      const config = await loadConfig(env);
      record = await (await findingStore(config, env)).getRun(runId);
    }
    if (progress) return { status: 200, jsonBody: statusOf(progress, record, request.url) };
    // A run stored by the CLI (or before the fan-out existed) has no progress record.
    if (record) return { status: 200, jsonBody: { runId, status: 'done', run: record, self: request.url } };
    return problem(404, 'Run not found', `no run ${runId} is queued, running or stored`);
  }

  const findingsQuery = z
    .object({
      run: z.uuid({ message: 'expected a run id (UUID)' }).optional(),
      state: z.enum(FINDING_STATES).optional(),
      severity: z.enum(SEVERITIES).optional(),
      cloud: z.enum(CLOUDS).optional(),
      rule: z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/, 'expected a rule id such as azure/aks-egress-bypass').optional(),
      scope: z.string().max(500).regex(/^[a-z0-9-]+\/[a-z0-9-]+\/\S+$/i, 'expected a scope such as azure/subscription/<guid>').optional(),
      format: z.enum(REPORT_FORMATS).default('json'),
    })
    .strict();

  async function listFindings(request: HttpRequest): Promise<HttpResponseInit> {
    const query: Record<string, string> = {};
    for (const [k, v] of request.query.entries()) {
      if (k in query) return problem(400, 'Invalid findings query', `${clip(k)}: given more than once`, { errors: [{ parameter: clip(k), detail: 'given more than once' }] });
      query[k] = v;
    }
    if (query['format'] === 'table') {
      // The terminal rendering of `airlock audit`; `airlock report` (a stored run) does not write it either.
      return problem(400, 'Format not served', 'format=table is the terminal rendering of a live `airlock audit`; a stored run is served as json, jsonl, csv, markdown, html or ocsf', {
        errors: [{ parameter: 'format', detail: `expected one of ${REPORT_FORMATS.join(', ')}` }],
      });
    }
    const parsed = findingsQuery.safeParse(query);
    if (!parsed.success) {
      return problem(400, 'Invalid findings query', detailOf(parsed.error, '(query)'), {
        errors: parsed.error.issues.map((i) => ({ parameter: i.path.join('.'), detail: issueText(i) })),
      });
    }
    const { run, format, ...filter } = parsed.data;
    const config = await loadConfig(env);
    const store = await findingStore(config, env);
    const runId = run ?? (await store.listRuns(1))[0]?.id;
    if (runId === undefined) return problem(404, 'No run stored', 'the store holds no run yet: start one with POST /api/audits');
    const snapshot = await storedReport(store, runId);
    if (snapshot === 'no-run') {
      const progress = await (await progressStore(env)).get(runId);
      if (progress && progress.phase !== 'failed') {
        return problem(409, 'Run not finished', `run ${runId} is ${progress.phase}; its findings are served once it is done`, { statusUrl: new URL(`/api/audits/${runId}`, request.url).toString() });
      }
      return problem(404, 'Run not found', `no run ${runId} is stored${progress ? ` (it failed: ${progress.error ?? 'see its status'})` : ''}`);
    }
    if (snapshot === 'no-report') return problem(404, 'Report not stored', `run ${runId} was stored without a report snapshot (recorded before reports kept one)`);
    return { status: 200, headers: { 'Content-Type': CONTENT_TYPES[format], 'X-Airlock-Run-Id': runId, 'X-Content-Type-Options': 'nosniff' }, body: await renderStored(format, snapshot, filter) };
  }

  return { startAudit, auditStatus, listFindings };
}
