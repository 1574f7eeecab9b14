import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { defaultCollectors } from './collect/index.js';
import { callPolicyOptions, withCallPolicy } from './collect/kit/policy.js';
import { type CollectContext, type Collector } from './collect/types.js';
import { silentLogger, type Logger } from './log.js';
import type { AirlockConfig } from './config/schema.js';
import { summariseCoverage, type CallRecord, type Coverage } from './model/coverage.js';
import { emptyInventory, mergeInventories, type Inventory } from './model/inventory/index.js';
import type { Run, Trigger } from './model/run.js';
import { CLOUDS, scopeKey, type Cloud, type Scope, type Shard } from './model/scope.js';
import { SEVERITIES, type Severity } from './model/severity.js';
import { publishRun, type PublishResult } from './publish.js';
import { snapshotOf } from './report/snapshot.js';
import { allRules } from './rules/index.js';
import type { FindingStore } from './store/types.js';
import { evaluateRulesAsync, type Evaluation, type Rule } from './rules/kit.js';

export interface AuditOptions {
  trigger?: Trigger;
  runId?: string;
  /** Restrict the run to these clouds (default: every configured, enabled cloud). */
  clouds?: readonly Cloud[];
  collectors?: readonly Collector[];
  rules?: readonly Rule[];
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  /** Restrict the run to these scope keys (`<cloud>/<kind>/<id>`); requested keys that planning does not produce are noted. */
  scopes?: readonly string[];
  /** Scopes per shard, overriding each collector's own choice (the Functions app's AIRLOCK_SHARD_SIZE). */
  shardSize?: number;
  /**
   * Shards of one cloud audited at once (each cloud its own count: their quotas are unrelated, and
   * every collector also caps its requests in flight per throttling bucket and per process).
   * Default 8, and for AWS `clouds.aws.concurrency.accounts`.
   */
  concurrency?: number;
  clock?: () => Date;
  signal?: AbortSignal;
  /** Receives the run's merged inventory (the report's topology picture is drawn from it). */
  onInventory?: (inventory: Inventory) => void;
}

export interface AuditPlan {
  runId: string;
  trigger: Trigger;
  startedAt: string;
  clouds: Cloud[];
  shards: Shard[];
  /** Scopes planned but not auditable (no collector, or planning failed), with their calls. */
  unplannedScopes: Scope[];
  planCalls: CallRecord[];
  notes: string[];
}

export interface ShardResult {
  shardId: string;
  inventory: Inventory;
  calls: CallRecord[];
}

/** The clouds configured and enabled, restricted to `only` when given. */
function configuredClouds(config: AirlockConfig, only?: readonly Cloud[]): Cloud[] {
  return CLOUDS.filter((c) => {
    const section = config.clouds[c];
    return section !== undefined && section.enabled && (only === undefined || only.includes(c));
  });
}

/** Scopes named explicitly in configuration (what we can report on even without a collector). */
function configuredScopes(config: AirlockConfig, cloud: Cloud): Scope[] {
  switch (cloud) {
    case 'azure': {
      const c = config.clouds.azure;
      if (!c) return [];
      return [
        ...c.subscriptions.map((id): Scope => ({ cloud, kind: 'subscription', id })),
        ...c.managementGroups.map((id): Scope => ({ cloud, kind: 'management-group', id })),
      ];
    }
    case 'gcp': {
      const c = config.clouds.gcp;
      if (!c) return [];
      return [
        ...c.projects.map((id): Scope => ({ cloud, kind: 'project', id })),
        ...c.folders.map((id): Scope => ({ cloud, kind: 'folder', id })),
        ...(c.organization ? [{ cloud, kind: 'organization', id: c.organization } satisfies Scope] : []),
      ];
    }
    case 'aws': {
      const c = config.clouds.aws;
      if (!c) return [];
      return c.accounts.flatMap((account) => c.regions.map((region): Scope => ({ cloud, kind: 'account-region', id: `${account}/${region}` })));
    }
  }
}

function contextOf(config: AirlockConfig, options: AuditOptions): CollectContext {
  return {
    config,
    env: options.env ?? process.env,
    log: options.log ?? silentLogger,
    now: (options.clock ?? (() => new Date()))(),
    ...(options.signal ? { signal: options.signal } : {}),
  };
}

function failedCalls(scopes: readonly Scope[], api: string, message: string): CallRecord[] {
  return scopes.map((s) => ({ cloud: s.cloud, api, scope: scopeKey(s), dataset: '*', ok: false, message, requests: 0 }));
}

/** plan: configuration → scopes → shards. Planning failures are kept as coverage, never dropped. */
export function planAudit(config: AirlockConfig, options: AuditOptions = {}): Promise<AuditPlan> {
  return withCallPolicy(callPolicyOptions(config), () => planWithin(config, options));
}

async function planWithin(config: AirlockConfig, options: AuditOptions): Promise<AuditPlan> {
  const clock = options.clock ?? (() => new Date());
  const ctx = contextOf(config, options);
  const collectors = options.collectors ?? defaultCollectors;
  const plan: AuditPlan = {
    runId: options.runId ?? randomUUID(),
    trigger: options.trigger ?? 'cli',
    startedAt: clock().toISOString(),
    clouds: configuredClouds(config, options.clouds),
    shards: [],
    unplannedScopes: [],
    planCalls: [],
    notes: [],
  };
  for (const cloud of plan.clouds) {
    const collector = collectors.find((c) => c.cloud === cloud);
    if (!collector) {
      const scopes = configuredScopes(config, cloud);
      const message = `no collector registered for ${cloud}`;
      plan.notes.push(`${message}: ${scopes.length} configured scope(s) not audited`);
      plan.unplannedScopes.push(...scopes);
      plan.planCalls.push(...failedCalls(scopes, 'collector', message));
      continue;
    }
    // A credential that cannot get any token stops the run (CredentialError) before any call.
    await collector.checkCredentials?.(ctx);
    let planned;
    try {
      planned = await collector.plan(ctx);
    } catch (err) {
      const scopes = configuredScopes(config, cloud);
      const message = `planning failed: ${(err as Error).message}`;
      plan.notes.push(`${cloud}: ${message}`);
      plan.unplannedScopes.push(...scopes);
      plan.planCalls.push(...failedCalls(scopes, 'plan', message));
      continue;
    }
    plan.planCalls.push(...planned.calls);
    const size = Math.max(1, Math.floor(options.shardSize ?? collector.shardSize(ctx)));
    const wanted = options.scopes?.map((k) => k.toLowerCase());
    const scopes = wanted ? planned.scopes.filter((s) => wanted.includes(scopeKey(s))) : planned.scopes;
    for (let i = 0; i < scopes.length; i += size) {
      plan.shards.push({ id: `${cloud}-${plan.shards.length}`, cloud, scopes: scopes.slice(i, i + size) });
    }
    // Scopes that planning could not expand (a failed management-group listing) stay visible.
    const plannedKeys = new Set(planned.scopes.map(scopeKey));
    for (const call of planned.calls.filter((c) => !c.ok)) {
      if (plannedKeys.has(call.scope)) continue;
      const scope = configuredScopes(config, cloud).find((s) => scopeKey(s) === call.scope);
      if (scope && !plan.unplannedScopes.some((s) => scopeKey(s) === call.scope)) plan.unplannedScopes.push(scope);
    }
  }
  if (options.scopes) {
    const planned = new Set(plan.shards.flatMap((s) => s.scopes.map(scopeKey)));
    const missing = options.scopes.filter((k) => !planned.has(k.toLowerCase()));
    if (missing.length > 0) plan.notes.push(`requested scope(s) not found by planning, not audited: ${missing.join(', ')}`);
  }
  return plan;
}

/** One warning per scope that could not be read completely (each failed call is at debug level). */
function logCoverageGaps(calls: readonly CallRecord[], log: Logger): void {
  const byScope = new Map<string, CallRecord[]>();
  for (const c of calls) if (!c.ok) byScope.set(c.scope, [...(byScope.get(c.scope) ?? []), c]);
  for (const [scope, failed] of byScope) {
    const datasets = [...new Set(failed.map((c) => c.dataset))];
    const how = [...new Set(failed.map((c) => (c.status === undefined ? (c.errorKind ?? 'failed') : `HTTP ${c.status}${c.errorKind ? ` ${c.errorKind}` : ''}`)))];
    log.warn(`coverage gap: ${scope}: ${datasets.length} dataset(s) unread (${datasets.slice(0, 5).join(', ')}${datasets.length > 5 ? ', …' : ''}): ${how.join(', ')}`, {
      cloud: failed[0]?.cloud,
      scope,
      datasets: datasets.length,
      failedCalls: failed.length,
    });
  }
}

/** collect: one shard's scopes → inventory and call records. An unexpected error fails the shard's scopes, not the run. */
export function runShard(shard: Shard, config: AirlockConfig, options: AuditOptions = {}): Promise<ShardResult> {
  // The retry budget and endpoint breakers are the run's (runAudit) or, fanned out, the shard's.
  return withCallPolicy(callPolicyOptions(config), () => collectShard(shard, config, options));
}

async function collectShard(shard: Shard, config: AirlockConfig, options: AuditOptions): Promise<ShardResult> {
  const collectors = options.collectors ?? defaultCollectors;
  const collector = collectors.find((c) => c.cloud === shard.cloud);
  const ctx = contextOf(config, options);
  if (!collector) {
    return { shardId: shard.id, inventory: emptyInventory(), calls: failedCalls(shard.scopes, 'collector', `no collector registered for ${shard.cloud}`) };
  }
  try {
    const result = await collector.collect(shard.scopes, ctx);
    logCoverageGaps(result.calls, ctx.log);
    return { shardId: shard.id, inventory: result.inventory, calls: result.calls };
  } catch (err) {
    ctx.log.error(`shard ${shard.id} failed: ${(err as Error).message}`);
    return { shardId: shard.id, inventory: emptyInventory(), calls: failedCalls(shard.scopes, 'collector', `collector failed: ${(err as Error).message}`) };
  }
}

function countBySeverity(findings: Run['findings']): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/**
 * evaluate: merged inventory + coverage → findings. Shards missing from `results` count as unread.
 * The event loop gets a turn between rules: a large estate's evaluation in one piece would block
 * a Functions worker for hundreds of milliseconds.
 */
export async function finalizeRun(plan: AuditPlan, results: readonly ShardResult[], config: AirlockConfig, options: AuditOptions = {}): Promise<Run> {
  const f = finalization(plan, results, config, options);
  return f.run(await evaluateRulesAsync(f.rules, f.input));
}

function finalization(plan: AuditPlan, results: readonly ShardResult[], config: AirlockConfig, options: AuditOptions) {
  const clock = options.clock ?? (() => new Date());
  const byId = new Map(results.map((r) => [r.shardId, r]));
  const calls: CallRecord[] = [...plan.planCalls];
  for (const shard of plan.shards) {
    const result = byId.get(shard.id);
    calls.push(...(result ? result.calls : failedCalls(shard.scopes, 'shard', `shard ${shard.id} did not complete`)));
  }
  const scopes = [...plan.shards.flatMap((s) => s.scopes), ...plan.unplannedScopes];
  const coverage: Coverage = { scopes: summariseCoverage(scopes, calls), calls, notes: plan.notes };
  const inventory = mergeInventories(results.map((r) => r.inventory));
  options.onInventory?.(inventory);
  const now = clock();
  const enabled = (options.rules ?? allRules).filter((r) => !config.rules.disabled.includes(r.meta.id));
  const rules = enabled.filter((r) => r.meta.cloud === 'any' || plan.clouds.includes(r.meta.cloud));
  const run = ({ findings, undecided }: Evaluation): Run => {
    const apiCalls: Record<string, number> = {};
    for (const c of calls) apiCalls[`${c.cloud}:${c.api}`] = (apiCalls[`${c.cloud}:${c.api}`] ?? 0) + c.requests;
    return {
      id: plan.runId,
      trigger: plan.trigger,
      startedAt: plan.startedAt,
      finishedAt: now.toISOString(),
      clouds: plan.clouds,
      findings,
      undecided,
      rules: rules.map((r) => r.meta.id),
      coverage,
      complete: coverage.scopes.every((s) => s.complete),
      apiCalls,
      counts: { bySeverity: countBySeverity(findings), total: findings.length },
    };
  };
  return { rules, input: { inventory, coverage, config, now }, run };
}

/** The whole pipeline in one process: plan → collect (bounded concurrency) → evaluate. */
export function runAudit(config: AirlockConfig, options: AuditOptions = {}): Promise<Run> {
  return withCallPolicy(callPolicyOptions(config), () => auditWithin(config, options));
}

async function auditWithin(config: AirlockConfig, options: AuditOptions): Promise<Run> {
  const log = options.log ?? silentLogger;
  const plan = await planAudit(config, options);
  log.info(`run ${plan.runId}: ${plan.shards.length} shard(s) over ${plan.clouds.join(', ') || 'no cloud'}`);
  const limits = new Map<Cloud, ReturnType<typeof pLimit>>();
  const limitOf = (cloud: Cloud): ReturnType<typeof pLimit> => {
    let limit = limits.get(cloud);
    // AWS shards are accounts, and AWS has no cross-account quota: its own bound (clouds.aws.concurrency.accounts).
    if (!limit) limits.set(cloud, (limit = pLimit(options.concurrency ?? (cloud === 'aws' ? config.clouds.aws?.concurrency.accounts : undefined) ?? 8)));
    return limit;
  };
  let done = 0;
  const results = await Promise.all(
    plan.shards.map((shard) =>
      limitOf(shard.cloud)(async () => {
        const result = await runShard(shard, config, options);
        done += 1;
        log.info(`shard ${shard.id} done (${done}/${plan.shards.length}, ${shard.scopes.length} scope(s))`);
        return result;
      }),
    ),
  );
  return finalizeRun(plan, results, config, options);
}

export interface AuditAndPublishOptions extends AuditOptions {
  store: FindingStore;
  /** Also send `digest`-mode channels (their own schedule). */
  digest?: boolean;
  fetch?: typeof globalThis.fetch;
}

/**
 * The whole job, as the timer, the queue and the CLI run it: audit, then reconcile with the stored
 * state, store the run and notify the channels of what changed. Re-running with the same run id
 * (a retried queue message) writes nothing twice and delivers each message once.
 */
export async function auditAndPublish(config: AirlockConfig, options: AuditAndPublishOptions): Promise<{ run: Run; published: PublishResult }> {
  let inventory: Inventory = emptyInventory();
  const run = await runAudit(config, {
    ...options,
    onInventory: (inv) => {
      inventory = inv;
      options.onInventory?.(inv);
    },
  });
  const published = await publishRun(run, {
    report: (drift) => snapshotOf(run, inventory, config, drift),
    config,
    store: options.store,
    env: options.env ?? process.env,
    now: options.clock ?? (() => new Date()),
    log: options.log ?? silentLogger,
    ...(options.digest === undefined ? {} : { digest: options.digest }),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  return { run, published };
}
