import type { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { setImmediate } from 'node:timers/promises';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { z } from 'zod';
import type { CallRecord } from '../../model/coverage.js';
import type { AzureInventory } from '../../model/inventory/azure.js';
import { scopeKey, type Scope, type ScopeKey } from '../../model/scope.js';
import { getCi } from '../../util/props.js';
import { currentCounter, tracked } from '../kit/calls.js';
import { classifyError, messageOf, ShapeError } from '../kit/errors.js';
import type { BucketLimiter } from '../kit/limiter.js';
import { AZURE_DATASET_LIST, RESOURCE_GRAPH, type ResourceDataset } from './datasets.js';
import { resourceGraphRows } from './map.js';

const API = RESOURCE_GRAPH.api;

/** Rows mapped between two turns of the event loop (a dataset's rows come 1,000 a page, many pages at L). */
const MAP_SLICE = 200;

/** Resource Graph's quota is the principal's: one throttling bucket for every query of a process. */
export const RESOURCE_GRAPH_BUCKET = 'principal';

export function kqlFor(table: string, type: string): string {
  return `${table} | where type =~ '${type}' | order by id asc`;
}

const responseSchema = z.object({
  data: z.unknown(),
  skipToken: z.string().optional(),
  resultTruncated: z.union([z.string(), z.boolean()]).optional(),
});

/** Sleeps `ms`, or rejects when the signal aborts (at once when it already has). */
export type QuotaSleep = (ms: number, signal?: AbortSignal) => Promise<void>;

const timerSleep: QuotaSleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    const aborted = (): void => {
      clearTimeout(t);
      reject(new Error('aborted while waiting for the Resource Graph quota to reset'));
    };
    // The listener goes with the wait: one signal serves every wait of a run.
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', aborted);
      resolve();
    }, ms);
    if (signal?.aborted) aborted();
    else signal?.addEventListener('abort', aborted, { once: true });
  });

/**
 * Resource Graph's per-principal quota: `x-ms-user-quota-remaining` and
 * `x-ms-user-quota-resets-after` (hh:mm:ss). When the quota is spent, wait for the reset
 * instead of collecting 429s. One quota is shared by the shards audited side by side, so every
 * caller that finds it spent sleeps until the reset; it is cleared only once the reset time has
 * passed (by the clock), never by the first caller to start waiting.
 */
export class ResourceGraphQuota {
  private remaining: number | undefined;
  private resetsAt = 0;
  /** Calls of wait() that had to sleep. */
  waits = 0;
  /** Requests sent (wait() returned) whose answer has not come yet. */
  private inFlight = 0;
  private readonly now: () => number;
  private readonly sleep: QuotaSleep;

  constructor(options: { now?: () => number; sleep?: QuotaSleep } = {}) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? timerSleep;
  }

  update(headers: Record<string, string> | undefined, now = this.now()): void {
    if (!headers) return;
    const remaining = headers['x-ms-user-quota-remaining'];
    const resets = headers['x-ms-user-quota-resets-after'];
    // Within a window the count only falls: an answer to an earlier request must not undo the
    // slots wait() has handed out since. The other requests in flight may have reached the service
    // after this one (its count leaves them out), so they are taken off too.
    if (remaining !== undefined && /^\d+$/.test(remaining)) this.remaining = Math.min(Math.max(0, Number(remaining) - Math.max(0, this.inFlight - 1)), this.remaining ?? Infinity);
    const m = resets === undefined ? null : /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(resets);
    if (m) this.resetsAt = now + (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3])) * 1000;
  }

  /** A 429: the quota is spent until the reset the headers name (Retry-After, else 5 s, the documented window). */
  throttled(headers: Record<string, string> | undefined, now = this.now()): void {
    this.update(headers, now);
    this.remaining = 0;
    const retryAfter = Number(headers?.['retry-after']);
    if (Number.isFinite(retryAfter) && retryAfter > 0) this.resetsAt = Math.max(this.resetsAt, now + retryAfter * 1000);
    if (this.resetsAt <= now) this.resetsAt = now + 5000;
  }

  /** True while the quota is known to be spent and its reset has not come. */
  get spent(): boolean {
    return this.remaining === 0 && this.resetsAt > this.now();
  }

  /**
   * Returns once a request may be sent: at once unless the quota is spent, else after the reset.
   * Re-checks after every sleep, since a 429 seen meanwhile can move the reset later (and a timer
   * may fire a little early).
   */
  /** Marks one request sent after wait() returned; `update` then counts it as in flight until `answered`. */
  sending(): void {
    this.inFlight += 1;
  }

  /** The request marked by `sending` has its answer (or failed). */
  answered(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  async wait(signal?: AbortSignal): Promise<void> {
    let slept = false;
    for (;;) {
      if (this.remaining === undefined) return;
      if (this.remaining > 0) {
        // Take a slot now, so callers sent side by side do not all spend the last one.
        this.remaining -= 1;
        return;
      }
      const ms = this.resetsAt - this.now();
      if (ms <= 0) {
        // The window has reset: the next answer's headers tell the new remaining quota.
        this.remaining = undefined;
        return;
      }
      if (!slept) this.waits += 1;
      slept = true;
      await this.sleep(ms, signal);
    }
  }
}

/**
 * The quota for the SDK's own retries of a Resource Graph request (its throttling policy resends a
 * 429 after Retry-After): a resend waits for the quota like a first attempt, and a 429 marks the
 * quota spent for every caller at once, so that processes or shards sharing the principal do not
 * resend side by side into the same window. Placed per retry in the client's pipeline.
 */
export function quotaRetryPolicy(quota: ResourceGraphQuota): PipelinePolicy {
  const sent = new WeakSet<object>();
  return {
    name: 'airlockResourceGraphQuota',
    async sendRequest(request, next) {
      const resend = sent.has(request);
      sent.add(request);
      if (resend) {
        // The pipeline's AbortSignalLike is the run's AbortSignal (core-rest-pipeline passes it through).
        await quota.wait(request.abortSignal as AbortSignal | undefined);
        quota.sending();
      }
      try {
        const response = await next(request);
        if (response.status === 429) quota.throttled(response.headers.toJSON());
        else if (resend) quota.update(response.headers.toJSON());
        return response;
      } finally {
        if (resend) quota.answered();
      }
    },
  };
}

/**
 * Sends one Resource Graph request once the quota allows it, and reads the quota headers of its
 * answer. 429s are retried by the client's own throttling policy after Retry-After (the 5.x
 * client is on the core pipeline; test/collect/azure/collector.test.ts shows it against the
 * simulator); a 429 that outlasts those retries marks the quota spent for every caller.
 */
async function withQuota<T>(quota: ResourceGraphQuota, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
  await quota.wait(signal);
  quota.sending();
  try {
    const response = await send();
    quota.update(currentCounter()?.lastHeaders);
    return response;
  } catch (err) {
    if (classifyError('azure', err).status === 429) quota.throttled(currentCounter()?.lastHeaders);
    throw err;
  } finally {
    quota.answered();
  }
}

/** Runs one query over the given subscriptions, following `$skipToken` pages; returns row objects. */
export async function queryResourceGraph(
  client: ResourceGraphClient,
  request: { subscriptions?: string[]; managementGroups?: string[]; query: string; resultFormat?: 'objectArray' | 'table' },
  quota: ResourceGraphQuota,
  signal?: AbortSignal,
): Promise<unknown[]> {
  const rows: unknown[] = [];
  let skipToken: string | undefined;
  let pages = 0;
  do {
    const options = { top: 1000, resultFormat: request.resultFormat ?? 'objectArray', ...(skipToken ? { skipToken } : {}) } as const;
    const response = await withQuota(quota, signal, () =>
      client.resources({
        ...(request.subscriptions ? { subscriptions: request.subscriptions } : {}),
        ...(request.managementGroups ? { managementGroups: request.managementGroups } : {}),
        query: request.query,
        options,
      }),
    );
    const parsed = responseSchema.safeParse(response);
    if (!parsed.success) throw new ShapeError(`Resource Graph page ${pages + 1} of "${request.query}": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    rows.push(...resourceGraphRows(parsed.data.data));
    skipToken = parsed.data.skipToken;
    // Truncated without a token to continue: the rows are incomplete, which must not pass as complete.
    if (!skipToken && String(parsed.data.resultTruncated).toLowerCase() === 'true') {
      throw new ShapeError(`Resource Graph truncated the result of "${request.query}" after ${rows.length} rows and gave no $skipToken`);
    }
    pages += 1;
  } while (skipToken);
  return rows;
}

/** Subscriptions named in an AuthorizationFailed message (`over scope '/subscriptions/<id>'`). */
function deniedSubscriptions(err: unknown, batch: readonly string[]): string[] {
  const text = messageOf(err).toLowerCase();
  return batch.filter((s) => text.includes(`/subscriptions/${s.toLowerCase()}`));
}

interface GraphResult {
  inventory: Partial<AzureInventory>;
  calls: CallRecord[];
  /** Subscriptions Resource Graph refused: read them through ARM instead. */
  fallback: Scope[];
}

const subscriptionKey = (id: string): ScopeKey => scopeKey({ cloud: 'azure', kind: 'subscription', id });

/**
 * The default path: one query per dataset over the shard's subscriptions. A 403 naming a
 * subscription drops it from the batch (it is read through ARM); other failures fail the dataset
 * for every scope of the batch. Requests are counted on the batch's first scope.
 */
export async function collectViaResourceGraph(
  scopes: readonly Scope[],
  client: ResourceGraphClient,
  quota: ResourceGraphQuota,
  limiter: BucketLimiter,
  signal?: AbortSignal,
  /** Called once a dataset is read, with its records and the subscriptions Resource Graph has not refused so far. */
  onDataset?: (dataset: ResourceDataset, records: readonly unknown[], read: readonly Scope[]) => void,
): Promise<GraphResult> {
  const inventory: Partial<Record<ResourceDataset, unknown[]>> = {};
  const calls: CallRecord[] = [];
  let batch = scopes.map((s) => s.id);
  const byKey = new Map(scopes.map((s) => [s.id.toLowerCase(), s]));
  const scopesOf = (ids: readonly string[]): Scope[] => ids.map((s) => byKey.get(s.toLowerCase())).filter((s): s is Scope => s !== undefined);
  const fallback: Scope[] = [];
  const refused = new Set<string>();
  const refuse = (ids: readonly string[]): void => {
    const fresh = ids.filter((s) => !refused.has(s.toLowerCase()));
    for (const s of fresh) refused.add(s.toLowerCase());
    fallback.push(...scopesOf(fresh));
    batch = batch.filter((s) => !refused.has(s.toLowerCase()));
  };

  const queryDataset = async (d: (typeof AZURE_DATASET_LIST)[number]): Promise<void> => {
    const q = { dataset: d.dataset, ...d.paths.resourceGraph };
    const records: unknown[] = (inventory[q.dataset] ??= []);
    while (batch.length > 0) {
      const current = batch;
      const first = subscriptionKey(current[0] ?? '');
      /** The batch's one call, recorded on each of its scopes (requests counted on the first). */
      const recordPerScope = (record: CallRecord, failureOf: (key: ScopeKey) => string | undefined = () => undefined): void => {
        for (const s of current) {
          const key = subscriptionKey(s);
          const failure = failureOf(key);
          calls.push({ ...record, scope: key, requests: key === first ? record.requests : 0, ...(failure ? { ok: false, message: failure } : {}) });
        }
      };
      const result = await limiter.run(RESOURCE_GRAPH_BUCKET, () =>
        tracked({ cloud: 'azure', api: API, scope: first, dataset: q.dataset, ...(signal ? { signal } : {}) }, () => queryResourceGraph(client, { subscriptions: current, query: kqlFor(q.table, q.type) }, quota, signal)),
      );
      if (result.error !== undefined) {
        if (result.record.status !== 403) {
          recordPerScope(result.record);
          break;
        }
        // Resource Graph cannot read these subscriptions: keep the refusal on record (it cost
        // requests) without failing the scope, which the ARM fallback decides.
        const denied = deniedSubscriptions(result.error, current);
        if (denied.length > 0) {
          refuse(denied);
          calls.push({ ...result.record, ok: true, message: `Resource Graph refused ${denied.join(', ')} (${result.record.status ?? 403}); read through ARM instead` });
          continue;
        }
        // A refusal that names no subscription: read the whole batch through ARM.
        refuse(current);
        calls.push({ ...result.record, ok: true, message: `Resource Graph refused the batch (${result.record.message ?? ''}); read through ARM instead` });
        break;
      }
      const failedScopes = new Map<string, string>();
      const mapped: { scope: string; record: unknown }[] = [];
      const rows = result.value ?? [];
      for (let i = 0; i < rows.length; i++) {
        // Mapped in slices, giving the event loop a turn between them (as the GCP asset path does).
        if (i > 0 && i % MAP_SLICE === 0) await setImmediate();
        const row = rows[i];
        try {
          const record = d.map(row);
          mapped.push({ scope: record.scope, record });
        } catch (err) {
          const sub = getCi(row, 'subscriptionId');
          failedScopes.set(typeof sub === 'string' ? subscriptionKey(sub) : first, messageOf(err));
        }
      }
      for (const m of mapped) if (!failedScopes.has(m.scope)) records.push(m.record);
      recordPerScope(result.record, (key) => {
        const failure = failedScopes.get(key);
        return failure === undefined ? undefined : `${API} for ${key} (${q.dataset}): unexpected shape: ${failure}`;
      });
      onDataset?.(q.dataset, records, scopesOf(current));
      break;
    }
  };

  // The first dataset alone: the refusals it finds shrink the batch of every later query. It is the
  // VNets, which the cost queries need (they can start while the rest is read). The rest side by
  // side (the limiter and the shared quota bound them); a refusal one of them still finds shrinks
  // the batch of the queries after it, and its scopes' rows are dropped by the caller.
  const head = AZURE_DATASET_LIST.find((d) => d.dataset === 'virtualNetworks') ?? AZURE_DATASET_LIST[0];
  if (head) await queryDataset(head);
  await Promise.all(AZURE_DATASET_LIST.filter((d) => d !== head).map(queryDataset));
  return { inventory: inventory as Partial<AzureInventory>, calls, fallback };
}
