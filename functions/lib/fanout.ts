/**
 * The fan-out of one run across Function instances, over shared/audit.ts:
 *
 *   timer / plan queue ──▶ planAudit ──▶ one airlock-shards message per shard
 *   airlock-shards     ──▶ runShard  ──▶ shard result recorded; the last one queues airlock-finalize
 *   airlock-shards-poison ──▶ the shard's scopes recorded as not audited (coverage), counted
 *   airlock-finalize   ──▶ finalizeRun + publishRun (reconcile, store, notify)
 *
 * Redelivery is harmless: a shard is recorded (and counted) once, a committed run is not
 * committed again and each message is delivered once (publishRun's outbox).
 */
import type { InvocationContext } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { finalizeRun, planAudit, runShard, type AuditOptions, type ShardResult } from '../../shared/audit.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { LogFields, Logger } from '../../shared/log.js';
import { emptyInventory, type Inventory } from '../../shared/model/inventory/index.js';
import { scopeKey, type Shard } from '../../shared/model/scope.js';
import { deliverOutbox } from '../../shared/notify/index.js';
import { commitRun } from '../../shared/publish.js';
import { snapshotOf } from '../../shared/report/snapshot.js';
import type { ProgressStore, RunProgress } from '../../shared/store/progress.js';
import { errorLine, FINALIZE_QUEUE, findingStore, invocationLogger, loadConfig, progressStore, reportContainer, sendMessage, SHARD_QUEUE, shardSizeSetting } from './platform.js';
import { latestReportUrl, uploadFailed, uploadReports } from './reports.js';

type Env = NodeJS.ProcessEnv;

export const runMessage = z.object({ runId: z.uuid() }).strict();
export const shardMessage = z.object({ runId: z.uuid(), shardId: z.string().min(1).max(200) }).strict();

/** What the handlers call out to; tests replace runShard to make a shard fail. */
export interface FanoutDeps {
  env: Env;
  runShard: typeof runShard;
  collectors?: AuditOptions['collectors'];
  clock?: () => Date;
}

/** Parses a queue message; a malformed one is logged and dropped (it could never succeed). */
function parse<T>(schema: z.ZodType<T>, message: unknown, queue: string, context: InvocationContext): T | undefined {
  const parsed = schema.safeParse(message);
  if (parsed.success) return parsed.data;
  invocationLogger(context).error(`queue ${queue}: ignoring malformed message: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return undefined;
}

function dequeueCount(context: InvocationContext): number | undefined {
  const n = context.triggerMetadata?.['dequeueCount'];
  return typeof n === 'number' ? n : undefined;
}

export function fanoutHandlers(deps: FanoutDeps) {
  const { env } = deps;
  const now = deps.clock ?? (() => new Date());
  const options = (log: Logger): AuditOptions => ({ env, log, ...(deps.collectors ? { collectors: deps.collectors } : {}), ...(deps.clock ? { clock: deps.clock } : {}) });

  async function fail(store: ProgressStore, runId: string, reason: string, log: Logger): Promise<void> {
    log.error(`run ${runId} failed: ${reason}`, { phase: 'failed' });
    await store.update(runId, (p) => (p.phase === 'done' ? undefined : { ...p, phase: 'failed', error: reason }), now);
  }

  /** Plans a run whose progress record exists, and queues its shards. Never throws for a planning failure: the run is marked failed. */
  async function plan(runId: string, context: InvocationContext): Promise<void> {
    const log = invocationLogger(context, { runId });
    const store = await progressStore(env);
    const progress = await store.get(runId);
    if (!progress) {
      log.error(`run ${runId}: no progress record; the message is dropped`);
      return;
    }
    if (progress.phase === 'done' || progress.phase === 'failed' || progress.phase === 'finalizing') return;
    let shards: Shard[];
    if (progress.phase === 'running') {
      // A redelivered plan message after the plan was saved: queue the shards not yet recorded again.
      const saved = await store.getPlan(runId);
      shards = (saved?.shards ?? []).filter((s) => !progress.recorded.includes(s.id));
      log.warn(`run ${runId}: plan redelivered, re-queueing ${String(shards.length)} unrecorded shard(s)`);
    } else {
      await store.update(runId, (p) => ({ ...p, phase: 'planning' }), now);
      let planned;
      try {
        const config = await loadConfig(env);
        const shardSize = shardSizeSetting(env);
        planned = await planAudit(config, {
          ...options(log),
          runId,
          trigger: progress.trigger,
          ...(progress.request.clouds ? { clouds: progress.request.clouds } : {}),
          ...(progress.request.scopes ? { scopes: progress.request.scopes } : {}),
          ...(shardSize === undefined ? {} : { shardSize }),
        });
      } catch (err) {
        await fail(store, runId, `planning failed: ${errorLine(err)}`, log);
        return;
      }
      await store.savePlan(planned);
      const total = planned.shards.length;
      await store.update(runId, (p) => ({ ...p, phase: 'running', shards: { ...p.shards, total }, finalizeQueued: total === 0 }), now);
      for (const scope of planned.unplannedScopes) log.warn(`coverage gap: ${scopeKey(scope)} was not planned (${planned.notes.join('; ') || 'planning failed'})`, { cloud: scope.cloud, scope: scopeKey(scope) });
      log.info(`run ${runId}: ${String(total)} shard(s) over ${planned.clouds.join(', ') || 'no cloud'}`, { shards: total, clouds: planned.clouds.join(',') });
      shards = planned.shards;
      if (total === 0) await sendMessage(FINALIZE_QUEUE, { runId }, env);
    }
    for (const shard of shards) await sendMessage(SHARD_QUEUE, { runId, shardId: shard.id }, env);
  }

  async function afterRecord(outcome: { finalize: boolean; progress: RunProgress }, log: Logger): Promise<void> {
    const p = outcome.progress;
    log.info(`run ${p.runId}: ${String(p.shards.done + p.shards.failed)}/${String(p.shards.total)} shard(s) recorded`, { done: p.shards.done, failed: p.shards.failed, total: p.shards.total });
    if (outcome.finalize) await sendMessage(FINALIZE_QUEUE, { runId: p.runId }, env);
  }

  async function shardFor(runId: string, shardId: string, log: Logger): Promise<{ store: ProgressStore; shard: Shard; progress: RunProgress } | undefined> {
    const store = await progressStore(env);
    const progress = await store.get(runId);
    const shard = (await store.getPlan(runId))?.shards.find((s) => s.id === shardId);
    if (!progress || !shard) {
      log.error(`run ${runId}: shard ${shardId} is not in a stored plan; the message is dropped`);
      return undefined;
    }
    return { store, shard, progress };
  }

  /** airlock-shards: collect one shard and record its result; the last shard queues finalisation. */
  async function shardWorker(message: unknown, context: InvocationContext): Promise<void> {
    const m = parse(shardMessage, message, SHARD_QUEUE, context);
    if (!m) return;
    const log = invocationLogger(context, { runId: m.runId, shard: m.shardId });
    const found = await shardFor(m.runId, m.shardId, log);
    if (!found) return;
    const { store, shard, progress } = found;
    if (progress.phase !== 'running') {
      log.info(`run ${m.runId} is ${progress.phase}: shard ${m.shardId} skipped`);
      return;
    }
    const scopes = shard.scopes.map(scopeKey);
    if (progress.recorded.includes(shard.id)) {
      // A redelivery after the result was recorded: count nothing, only make sure finalisation was asked for.
      await afterRecord(await store.recordShard(m.runId, { shardId: shard.id, scopes, status: 'failed', reason: 'redelivered' }), log);
      return;
    }
    const config: AirlockConfig = await loadConfig(env);
    const started = now().getTime();
    const result = await deps.runShard(shard, config, options(log));
    const failed = result.calls.filter((c) => !c.ok);
    log.info(`shard ${shard.id}: ${String(scopes.length)} scope(s) read, ${String(result.calls.length)} call(s), ${String(failed.length)} failed`, {
      cloud: shard.cloud,
      scope: scopes.join(','),
      calls: result.calls.length,
      failedCalls: failed.length,
      durationMs: now().getTime() - started,
      dequeueCount: dequeueCount(context),
    });
    await afterRecord(await store.recordShard(m.runId, { shardId: shard.id, scopes, status: 'ok', result }), log);
  }

  /** airlock-shards-poison: a shard that exhausted its deliveries is coverage, and the run still finishes. */
  async function shardPoison(message: unknown, context: InvocationContext): Promise<void> {
    const m = parse(shardMessage, message, `${SHARD_QUEUE}-poison`, context);
    if (!m) return;
    const log = invocationLogger(context, { runId: m.runId, shard: m.shardId });
    const found = await shardFor(m.runId, m.shardId, log);
    if (!found) return;
    const { store, shard } = found;
    const scopes = shard.scopes.map(scopeKey);
    const reason = `shard ${shard.id} failed on every delivery and was dead-lettered (${SHARD_QUEUE}-poison)`;
    for (const scope of scopes) log.warn(`coverage gap: ${scope} was not audited: ${reason}`, { cloud: shard.cloud, scope });
    await afterRecord(await store.recordShard(m.runId, { shardId: shard.id, scopes, status: 'failed', reason }), log);
  }

  /** airlock-finalize: evaluate, reconcile, store and notify, once per run. */
  async function finalizeWorker(message: unknown, context: InvocationContext): Promise<void> {
    const m = parse(runMessage, message, FINALIZE_QUEUE, context);
    if (!m) return;
    const log = invocationLogger(context, { runId: m.runId });
    const store = await progressStore(env);
    const progress = await store.get(m.runId);
    const plan = await store.getPlan(m.runId);
    if (!progress || !plan) {
      log.error(`run ${m.runId}: no progress or plan; the finalisation message is dropped`);
      return;
    }
    if (progress.phase === 'done' || progress.phase === 'failed') {
      log.info(`run ${m.runId} is already ${progress.phase}: finalisation skipped`);
      return;
    }
    await store.update(m.runId, (p) => ({ ...p, phase: 'finalizing' }), now);
    const records = await store.shardRecords(m.runId, plan.shards.map((s) => s.id));
    const results: ShardResult[] = [];
    for (const r of records) {
      if (r.status === 'ok' && r.result) {
        results.push(r.result);
        continue;
      }
      const shard = plan.shards.find((s) => s.id === r.shardId);
      if (!shard) continue;
      const reason = r.reason ?? 'failed';
      plan.notes.push(`${shard.cloud}: ${String(shard.scopes.length)} scope(s) not audited (${shard.scopes.map(scopeKey).join(', ')}): ${reason}`);
      results.push({
        shardId: shard.id,
        inventory: emptyInventory(),
        calls: shard.scopes.map((s) => ({ cloud: s.cloud, api: 'shard', scope: scopeKey(s), dataset: '*', ok: false, message: reason, requests: 0 })),
      });
    }
    const loaded = await loadConfig(env);
    let container: ContainerClient | undefined;
    try {
      container = reportContainer(env);
    } catch (err) {
      // A storage setting the report container cannot use: the run goes on without the upload.
      uploadFailed(log, m.runId, err);
    }
    // Messages link to the report: the configured reportUrl, else the container's latest.html.
    const config: AirlockConfig = loaded.reportUrl === undefined && container ? { ...loaded, reportUrl: latestReportUrl(container) } : loaded;
    let inventory: Inventory = emptyInventory();
    const run = await finalizeRun(plan, results, config, { ...options(log), onInventory: (inv) => (inventory = inv) });
    const findings = await findingStore(config, env);
    // Commit (with the report snapshot), upload the report, then deliver: a message never links to a report not yet there.
    const { committed } = await commitRun(run, {
      config,
      store: findings,
      now,
      log,
      report: (drift) => snapshotOf(run, inventory, config, drift),
      ...(progress.request.digest === undefined ? {} : { digest: progress.request.digest }),
    });
    if (container) await uploadReports(container, findings, run.id, log);
    const deliveries = await deliverOutbox(findings, { config, env, now, log });
    const published = { committed, deliveries };
    for (const gap of run.coverage.scopes.filter((s) => !s.complete)) {
      const key = scopeKey(gap.scope);
      const why = gap.failed.map((f) => `${f.dataset}: ${f.message}`).join('; ');
      log.warn(`coverage gap: ${key} was not read completely: ${why}`, { cloud: gap.scope.cloud, scope: key, failedDatasets: gap.failed.length });
    }
    for (const d of published.deliveries.filter((x) => x.status === 'dead-letter')) {
      log.warn(`delivery dead-lettered: channel ${d.channel} (${d.kind}) after ${String(d.attempts)} attempt(s): ${d.lastError ?? `HTTP ${String(d.lastStatus ?? '?')}`}`, { channel: d.channel, attempts: d.attempts });
    }
    const fields: LogFields = { findings: run.counts.total, complete: run.complete, shards: plan.shards.length, deliveries: published.deliveries.length };
    log.info(`run ${run.id}: ${String(run.counts.total)} finding(s), complete=${String(run.complete)}, committed=${String(published.committed)}`, fields);
    await store.update(m.runId, (p) => ({ ...p, phase: 'done', finishedAt: run.finishedAt, findings: run.counts.total, complete: run.complete }), now);
  }

  /** airlock-finalize-poison: finalisation failed on every delivery; the run says so. */
  async function finalizePoison(message: unknown, context: InvocationContext): Promise<void> {
    const m = parse(runMessage, message, `${FINALIZE_QUEUE}-poison`, context);
    if (!m) return;
    const log = invocationLogger(context, { runId: m.runId });
    await fail(await progressStore(env), m.runId, 'finalisation failed on every delivery (see the function log); the run was not stored', log);
  }

  /** airlock-plan-poison: the plan handler itself failed on every delivery (storage unreachable, ...). */
  async function planPoison(message: unknown, context: InvocationContext): Promise<void> {
    const m = parse(runMessage, message, 'airlock-plan-poison', context);
    if (!m) return;
    await fail(await progressStore(env), m.runId, 'planning failed on every delivery (see the function log)', invocationLogger(context, { runId: m.runId }));
  }

  return { plan, shardWorker, shardPoison, finalizeWorker, finalizePoison, planPoison };
}
