import type { CallRecord } from '../../model/coverage.js';
import type { GcpDataset } from '../../model/inventory/gcp.js';
import { ShapeError } from '../kit/errors.js';
import { GCP_DATASETS, GCP_OPERATIONS, type GcpRaw } from './datasets.js';
import type { GcpClients } from './clients.js';
import { trackedGcp, type DatasetRecords, type GcpCallEnv } from './track.js';
import { scopeKey } from '../../model/scope.js';

/**
 * The per-project path: one call per dataset through the official clients (REST transport),
 * paged by gax; retries of throttled pages happen under gax, in the counted AuthClient.
 */

/** Per call: no gax retry (ours sits in the transport), no auto-paging warnings. */
const CALL = { retry: null, autoPaginate: false } as const;

type Reader = (projectId: string, clients: GcpClients) => Promise<{ items: unknown[]; incomplete?: string }>;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iterable) out.push(x);
  return out;
}

async function aggregated<K extends string>(iterable: AsyncIterable<[string, Partial<Record<K, unknown[] | null>>]>, key: K): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const [, scoped] of iterable) out.push(...(scoped[key] ?? []));
  return out;
}

/** Cloud DNS v1 over REST, following nextPageToken. */
export async function dnsPages(clients: GcpClients, path: string, key: 'managedZones' | 'rrsets'): Promise<unknown[]> {
  const out: unknown[] = [];
  let pageToken: string | undefined;
  do {
    const url = new URL(`${clients.dnsBase}/${path}`);
    if (pageToken) url.searchParams.set('pageToken', pageToken);
    const res = await clients.auth.request<unknown>({ url: url.toString(), method: 'GET', responseType: 'json' });
    // gaxios hands back the raw text when a body does not parse as JSON: that is a malformed answer, never an empty page.
    if (res.data === null || typeof res.data !== 'object' || Array.isArray(res.data)) {
      throw new ShapeError(`Cloud DNS ${path}: the answer is not a JSON object (got ${typeof res.data === 'string' ? `${res.data.length} characters of text` : res.data === null ? 'null' : typeof res.data})`);
    }
    const page = res.data as Record<string, unknown>;
    const items = page[key];
    if (items !== undefined && !Array.isArray(items)) throw new ShapeError(`Cloud DNS ${path}: "${key}" is not a list`);
    out.push(...((items ?? []) as unknown[]));
    pageToken = typeof page['nextPageToken'] === 'string' && page['nextPageToken'] !== '' ? page['nextPageToken'] : undefined;
  } while (pageToken);
  return out;
}

const READERS: Record<Exclude<GcpDataset, 'dnsZones'>, Reader> = {
  async clusters(p, c) {
    const [res] = await c.container().listClusters({ parent: `projects/${p}/locations/-` }, CALL);
    const missing = (res.missingZones ?? []).filter((z) => z !== '');
    return { items: res.clusters ?? [], ...(missing.length > 0 ? { incomplete: `locations ${missing.join(', ')} did not answer (missingZones): clusters there are unknown` } : {}) };
  },
  networks: async (p, c) => ({ items: await collect(c.networks().listAsync({ project: p }, CALL)) }),
  subnetworks: async (p, c) => ({ items: await aggregated(c.subnetworks().aggregatedListAsync({ project: p }, CALL), 'subnetworks') }),
  routers: async (p, c) => ({ items: await aggregated(c.routers().aggregatedListAsync({ project: p }, CALL), 'routers') }),
  routes: async (p, c) => ({ items: await collect(c.routes().listAsync({ project: p }, CALL)) }),
  firewalls: async (p, c) => ({ items: await collect(c.firewalls().listAsync({ project: p }, CALL)) }),
  instances: async (p, c) => ({ items: await aggregated(c.instances().aggregatedListAsync({ project: p }, CALL), 'instances') }),
};

/** Record sets of each zone, one tracked call per zone; a zone whose records failed keeps none. */
export async function withRecords(projectId: string, zones: readonly unknown[], env: GcpCallEnv): Promise<{ raws: GcpRaw[]; calls: CallRecord[] }> {
  const calls: CallRecord[] = [];
  const raws = await Promise.all(
    zones.map(async (zone) => {
      const name = (zone as { name?: unknown } | null)?.name;
      if (typeof name !== 'string') return { projectId, item: zone };
      const r = await trackedGcp(env, GCP_OPERATIONS.recordSetsList, projectId, 'dnsZones', () => dnsPages(env.clients, `projects/${encodeURIComponent(projectId)}/managedZones/${encodeURIComponent(name)}/rrsets`, 'rrsets'));
      calls.push(r.record);
      return { projectId, item: zone, records: r.value ?? [] };
    }),
  );
  return { raws, calls };
}

/** Every dataset of one project through the per-project APIs. */
export async function collectProject(projectId: string, env: GcpCallEnv, out: DatasetRecords): Promise<CallRecord[]> {
  const calls: CallRecord[] = [];
  const datasets = Object.keys(READERS) as (keyof typeof READERS)[];
  await Promise.all([
    ...datasets.map(async (dataset) => {
      const d = GCP_DATASETS[dataset];
      const op = d.paths.api[0] ?? GCP_OPERATIONS.clustersList;
      let incomplete: string | undefined;
      const r = await trackedGcp(env, op, projectId, dataset, async () => {
        const read = await READERS[dataset](projectId, env.clients);
        incomplete = read.incomplete;
        return read.items.map((item) => d.map({ projectId, item }));
      });
      if (r.value) out.add(dataset, r.value);
      calls.push(incomplete === undefined ? r.record : { ...r.record, ok: false, errorKind: 'server', message: `${op.api} for ${r.record.scope} (${dataset}) is incomplete: ${incomplete}` });
    }),
    (async () => {
      const zones = await trackedGcp(env, GCP_OPERATIONS.managedZonesList, projectId, 'dnsZones', () => dnsPages(env.clients, `projects/${encodeURIComponent(projectId)}/managedZones`, 'managedZones'));
      calls.push(zones.record);
      if (!zones.value) return;
      const { raws, calls: recordCalls } = await withRecords(projectId, zones.value, env);
      calls.push(...recordCalls);
      const mapped = mapZones(projectId, raws);
      if (mapped.record) calls.push(mapped.record);
      out.add('dnsZones', mapped.zones);
    })(),
  ]);
  return calls;
}

/** Maps zones; a zone that does not parse fails the dataset for the project (as a malformed answer). */
export function mapZones(projectId: string, raws: readonly GcpRaw[]): { zones: ReturnType<typeof GCP_DATASETS.dnsZones.map>[]; record?: CallRecord } {
  try {
    return { zones: raws.map((r) => GCP_DATASETS.dnsZones.map(r)) };
  } catch (err) {
    const scope = scopeKey({ cloud: 'gcp', kind: 'project', id: projectId });
    const message = `${GCP_OPERATIONS.managedZonesList.api} for ${scope} (dnsZones) failed: ${err instanceof Error ? err.message : String(err)}`;
    return { zones: [], record: { cloud: 'gcp', api: GCP_OPERATIONS.managedZonesList.api, scope, dataset: 'dnsZones', ok: false, errorKind: 'malformed', message, requests: 0 } };
  }
}
