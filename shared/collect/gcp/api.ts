import type { CallRecord } from '../../model/coverage.js';
import type { GcpDataset } from '../../model/inventory/gcp.js';
import { ShapeError } from '../kit/errors.js';
import { GCP_DATASETS, GCP_OPERATIONS, type GcpRaw } from './datasets.js';
import type { GcpApi, GcpClients, Query } from './clients.js';
import { trackedGcp, type DatasetRecords, type GcpCallEnv } from './track.js';
import { scopeKey } from '../../model/scope.js';

/**
 * The per-project path: one call per dataset on the REST APIs, following page tokens; retries of
 * throttled pages happen in the counted AuthClient.
 */

/** Compute's largest page (`maxResults` 0–500, default 500). */
const COMPUTE_PAGE = 500;

type Reader = (projectId: string, clients: GcpClients) => Promise<{ items: unknown[]; incomplete?: string }>;

/** The list under `key` of a page: absent = empty; anything but a list is a malformed answer. */
export function listIn(page: Record<string, unknown>, key: string, what: string): unknown[] {
  const items = page[key];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) throw new ShapeError(`${what}: "${key}" is not a list`);
  return items;
}

/** Each page of a REST list, following `nextPageToken` (an empty token ends the list). */
export async function* restPages(clients: GcpClients, api: GcpApi, path: string, query: Query = {}): AsyncGenerator<Record<string, unknown>> {
  let pageToken: string | undefined;
  do {
    const page = await clients.get(api, path, { ...query, pageToken });
    yield page;
    const next = page['nextPageToken'];
    pageToken = typeof next === 'string' && next !== '' ? next : undefined;
  } while (pageToken);
}

/** Every item under `key` across the pages of a REST list. */
async function restList(clients: GcpClients, api: GcpApi, path: string, key: string, query: Query = {}): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const page of restPages(clients, api, path, query)) out.push(...listIn(page, key, `${api} ${path}`));
  return out;
}

/** Cloud DNS v1, following nextPageToken. */
export function dnsPages(clients: GcpClients, path: string, key: 'managedZones' | 'rrsets'): Promise<unknown[]> {
  return restList(clients, 'dns', `dns/v1/${path}`, key);
}

const computeList = (c: GcpClients, p: string, collection: string): Promise<unknown[]> =>
  restList(c, 'compute', `compute/v1/projects/${encodeURIComponent(p)}/global/${collection}`, 'items', { maxResults: COMPUTE_PAGE });

/** An aggregated list: `items` maps each region or zone to `{ <collection>: [...] }` (or a warning). */
async function computeAggregated(c: GcpClients, p: string, collection: string): Promise<unknown[]> {
  const path = `compute/v1/projects/${encodeURIComponent(p)}/aggregated/${collection}`;
  const out: unknown[] = [];
  for await (const page of restPages(c, 'compute', path, { maxResults: COMPUTE_PAGE })) {
    const items = page['items'];
    if (items === undefined || items === null) continue;
    if (typeof items !== 'object' || Array.isArray(items)) throw new ShapeError(`compute ${path}: "items" is not a map of scopes`);
    for (const [scope, scoped] of Object.entries(items as Record<string, unknown>)) {
      if (scoped === null || typeof scoped !== 'object') throw new ShapeError(`compute ${path}: scope ${scope} is not an object`);
      out.push(...listIn(scoped as Record<string, unknown>, collection, `compute ${path} (${scope})`));
    }
  }
  return out;
}

const READERS: Record<Exclude<GcpDataset, 'dnsZones'>, Reader> = {
  async clusters(p, c) {
    const res = await c.get('container', `v1/projects/${encodeURIComponent(p)}/locations/-/clusters`);
    const missing = listIn(res, 'missingZones', 'container clusters.list').filter((z): z is string => typeof z === 'string' && z !== '');
    return { items: listIn(res, 'clusters', 'container clusters.list'), ...(missing.length > 0 ? { incomplete: `locations ${missing.join(', ')} did not answer (missingZones): clusters there are unknown` } : {}) };
  },
  networks: async (p, c) => ({ items: await computeList(c, p, 'networks') }),
  subnetworks: async (p, c) => ({ items: await computeAggregated(c, p, 'subnetworks') }),
  routers: async (p, c) => ({ items: await computeAggregated(c, p, 'routers') }),
  routes: async (p, c) => ({ items: await computeList(c, p, 'routes') }),
  firewalls: async (p, c) => ({ items: await computeList(c, p, 'firewalls') }),
  instances: async (p, c) => ({ items: await computeAggregated(c, p, 'instances') }),
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
