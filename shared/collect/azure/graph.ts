import type { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { z } from 'zod';
import type { CallRecord } from '../../model/coverage.js';
import type { AzureInventory } from '../../model/inventory/azure.js';
import { scopeKey, type Scope, type ScopeKey } from '../../model/scope.js';
import { getCi } from '../../util/props.js';
import { currentCounter, tracked } from '../kit/calls.js';
import { classifyError, messageOf } from '../kit/errors.js';
import { AZURE_MAPPERS, AzureShapeError, resourceGraphRows, type ResourceDataset } from './map.js';
import { AZURE_OPERATIONS } from './permissions.js';

const API = AZURE_OPERATIONS.resourceGraphResources.api;

/** The resource type each dataset is read from: one KQL query per dataset. */
const RESOURCE_GRAPH_TYPES: Record<ResourceDataset, string> = {
  clusters: 'microsoft.containerservice/managedclusters',
  loadBalancers: 'microsoft.network/loadbalancers',
  publicIps: 'microsoft.network/publicipaddresses',
  virtualNetworks: 'microsoft.network/virtualnetworks',
  privateDnsZones: 'microsoft.network/privatednszones',
  privateDnsLinks: 'microsoft.network/privatednszones/virtualnetworklinks',
  privateDnsRecords: 'microsoft.network/privatednszones/a',
  resolverInboundEndpoints: 'microsoft.network/dnsresolvers/inboundendpoints',
  registries: 'microsoft.containerregistry/registries',
  bastionHosts: 'microsoft.network/bastionhosts',
  firewalls: 'microsoft.network/azurefirewalls',
  gateways: 'microsoft.network/virtualnetworkgateways',
};

/** Record sets live in the separate `dnsresources` table; everything else in `Resources`. */
const RESOURCE_GRAPH_QUERIES = Object.entries(RESOURCE_GRAPH_TYPES).map(([dataset, type]) => ({
  dataset: dataset as ResourceDataset,
  table: dataset === 'privateDnsRecords' ? 'dnsresources' : 'Resources',
  type,
}));

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
    if (remaining !== undefined && /^\d+$/.test(remaining)) this.remaining = Number(remaining);
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
  async wait(signal?: AbortSignal): Promise<void> {
    let slept = false;
    for (;;) {
      if (this.remaining !== 0) return;
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

/** Throttled answers retried after the quota resets; past this, the 429 fails the dataset. */
const THROTTLE_RETRIES = 4;

/**
 * Sends one Resource Graph request, waiting for the quota first. The Resource Graph client
 * (ms-rest-js based) does not retry 429s itself, so a throttled answer updates the quota from its
 * headers (`x-ms-user-quota-resets-after`, Retry-After) and is retried after the reset. Another
 * process sharing the principal can spend the quota, so this happens even when we waited.
 */
async function withThrottleRetry<T>(quota: ResourceGraphQuota, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await quota.wait(signal);
    try {
      const response = await send();
      quota.update(currentCounter()?.lastHeaders);
      return response;
    } catch (err) {
      if (classifyError('azure', err).status !== 429 || attempt >= THROTTLE_RETRIES) throw err;
      quota.throttled(currentCounter()?.lastHeaders);
    }
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
    const response = await withThrottleRetry(quota, signal, () =>
      client.resources({
        ...(request.subscriptions ? { subscriptions: request.subscriptions } : {}),
        ...(request.managementGroups ? { managementGroups: request.managementGroups } : {}),
        query: request.query,
        options,
      }),
    );
    const parsed = responseSchema.safeParse(response);
    if (!parsed.success) throw new AzureShapeError(`Resource Graph page ${pages + 1} of "${request.query}": ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    rows.push(...resourceGraphRows(parsed.data.data));
    skipToken = parsed.data.skipToken;
    // Truncated without a token to continue: the rows are incomplete, which must not pass as complete.
    if (!skipToken && String(parsed.data.resultTruncated).toLowerCase() === 'true') {
      throw new AzureShapeError(`Resource Graph truncated the result of "${request.query}" after ${rows.length} rows and gave no $skipToken`);
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
  signal?: AbortSignal,
): Promise<GraphResult> {
  const inventory: Partial<Record<ResourceDataset, unknown[]>> = {};
  const calls: CallRecord[] = [];
  let batch = scopes.map((s) => s.id);
  const byKey = new Map(scopes.map((s) => [s.id.toLowerCase(), s]));
  const scopesOf = (ids: readonly string[]): Scope[] => ids.map((s) => byKey.get(s.toLowerCase())).filter((s): s is Scope => s !== undefined);
  const fallback: Scope[] = [];

  for (const q of RESOURCE_GRAPH_QUERIES) {
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
      const result = await tracked({ cloud: 'azure', api: API, scope: first, dataset: q.dataset }, () => queryResourceGraph(client, { subscriptions: current, query: kqlFor(q.table, q.type) }, quota, signal));
      if (result.error !== undefined) {
        if (result.record.status !== 403) {
          recordPerScope(result.record);
          break;
        }
        // Resource Graph cannot read these subscriptions: keep the refusal on record (it cost
        // requests) without failing the scope, which the ARM fallback decides.
        const denied = deniedSubscriptions(result.error, current);
        if (denied.length > 0) {
          fallback.push(...scopesOf(denied));
          calls.push({ ...result.record, ok: true, message: `Resource Graph refused ${denied.join(', ')} (${result.record.status ?? 403}); read through ARM instead` });
          batch = current.filter((s) => !denied.includes(s));
          continue;
        }
        // A refusal that names no subscription: read the whole batch through ARM.
        fallback.push(...scopesOf(current));
        calls.push({ ...result.record, ok: true, message: `Resource Graph refused the batch (${result.record.message ?? ''}); read through ARM instead` });
        batch = [];
        break;
      }
      const failedScopes = new Map<string, string>();
      const mapped: { scope: string; record: unknown }[] = [];
      for (const row of result.value ?? []) {
        try {
          const record = AZURE_MAPPERS[q.dataset](row);
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
      break;
    }
  }
  return { inventory: inventory as Partial<AzureInventory>, calls, fallback };
}
