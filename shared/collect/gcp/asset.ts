import { setImmediate } from 'node:timers/promises';
import type { CallRecord } from '../../model/coverage.js';
import type { GcpDataset } from '../../model/inventory/gcp.js';
import { scopeKey, type ScopeKind } from '../../model/scope.js';
import { ShapeError } from '../kit/errors.js';
import { listIn, mapZones, restPages, withRecords } from './api.js';
import { GCP_DATASET_NAMES, GCP_DATASETS, GCP_OPERATIONS, type GcpRaw } from './datasets.js';
import { trackedGcp, type DatasetRecords, type GcpCallEnv } from './track.js';

/**
 * The Cloud Asset path: one paged `assets.list` per organisation, folder or project over every
 * asset type the datasets declare; Cloud DNS record sets per zone as on the per-project path.
 * Cloud Asset answers only with what the caller may read, so the caller re-reads every project
 * that yielded nothing through the per-project APIs (a denied project then shows its 403s).
 */

const DATASET_BY_TYPE = new Map(GCP_DATASET_NAMES.map((d) => [GCP_DATASETS[d].paths.asset.assetType, d]));

/**
 * Cloud DNS record sets are assets too (named `…/managedZones/<zone>/rrsets/<name>/<type>`): the
 * listing that brings the zones brings their records, instead of one `rrsets.list` per zone. A
 * zone the listing gave no record set for (every real zone has at least SOA and NS) is read
 * through `rrsets.list` as before.
 */
const RECORD_SET_TYPE = 'dns.googleapis.com/ResourceRecordSet';

/** The zone (name or numeric id) of a record-set asset. */
function zoneOfRecordSet(name: string): string | undefined {
  return /\/managedZones\/([^/]+)\/rrsets\//.exec(name)?.[1];
}

type Fields = Record<string, unknown>;

function append<K>(map: Map<K, unknown[]>, key: K, value: unknown): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** A `google.protobuf.Value` as gax decodes it (the set member named by `kind`) → plain JSON. */
function valueToJson(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return v;
  const value = v as Fields;
  const kind = typeof value['kind'] === 'string' ? value['kind'] : ['structValue', 'listValue', 'stringValue', 'numberValue', 'boolValue', 'nullValue'].find((k) => value[k] !== undefined && value[k] !== null);
  switch (kind) {
    case 'structValue':
      return structToJson(value['structValue']);
    case 'listValue': {
      const values = (value['listValue'] as Fields | null)?.['values'];
      return Array.isArray(values) ? values.map(valueToJson) : [];
    }
    case 'nullValue':
      return null;
    case undefined:
      return undefined;
    default:
      return value[kind];
  }
}

/** `google.protobuf.Struct` → plain JSON; plain JSON (a REST answer) passes through. */
export function structToJson(s: unknown): unknown {
  if (s === null || typeof s !== 'object') return s;
  const fields = (s as Fields)['fields'];
  if (fields === undefined || fields === null || typeof fields !== 'object') return s;
  return Object.fromEntries(Object.entries(fields as Fields).map(([k, v]) => [k, valueToJson(v)]));
}

/** The project id in an asset name `//compute.googleapis.com/projects/<id>/...`. */
function projectOfAsset(name: string): string | undefined {
  return /^\/\/[^/]+\/projects\/([^/]+)\//.exec(name)?.[1];
}

export interface AssetParent {
  kind: Extract<ScopeKind, 'organization' | 'folder' | 'project'>;
  id: string;
}

export interface AssetResult {
  /** Projects of the shard that yielded at least one asset. */
  seen: Set<string>;
  calls: CallRecord[];
  /** The listing itself failed: every project of the shard must be read per project. */
  failed: boolean;
}

/** Cloud Asset's largest page (`pageSize`: default 100, at most 1,000). */
const ASSET_PAGE = 1000;
/** Assets mapped between two turns of the event loop. */
const MAP_SLICE = 200;

/** What the listing keeps per project: mapped records per dataset, raw zones (their records are read next), mapping failures. */
interface ProjectAssets {
  records: Map<GcpDataset, unknown[]>;
  zones: unknown[];
  /** Record sets by the zone their asset name gives. */
  recordSets: Map<string, unknown[]>;
  failed: Map<GcpDataset, string>;
}

/**
 * Reads `parent` through Cloud Asset, keeping the assets of `projects` only. Each page is mapped
 * as it arrives, so only mapped records (and raw managed zones) outlive their page.
 */
export async function collectViaAsset(parent: AssetParent, projects: ReadonlySet<string>, env: GcpCallEnv, out: DatasetRecords): Promise<AssetResult> {
  const scope = scopeKey({ cloud: 'gcp', kind: parent.kind, id: parent.id });
  const parentName = `${parent.kind === 'organization' ? 'organizations' : `${parent.kind}s`}/${parent.id}`;
  const listed = await trackedGcp(
    env,
    GCP_OPERATIONS.assetsList,
    parentName,
    '*',
    async () => {
      const byProject = new Map<string, ProjectAssets>();
      const query = { assetTypes: [...DATASET_BY_TYPE.keys(), RECORD_SET_TYPE], contentType: 'RESOURCE', pageSize: ASSET_PAGE };
      for await (const page of restPages(env.clients, 'asset', `v1/${parentName}/assets`, query)) {
        const assets = listIn(page, 'assets', `assets.list under ${parentName}`);
        for (let i = 0; i < assets.length; i++) {
          // A page of 1,000 assets is mapped in slices, giving the event loop a turn between them.
          if (i > 0 && i % MAP_SLICE === 0) await setImmediate();
          const raw = assets[i];
          const a = (raw ?? {}) as { name?: unknown; assetType?: unknown; resource?: { data?: unknown } | null };
          const name = typeof a.name === 'string' ? a.name : '';
          const assetType = typeof a.assetType === 'string' ? a.assetType : '';
          const dataset = assetType === RECORD_SET_TYPE ? 'dnsZones' : DATASET_BY_TYPE.get(assetType);
          const projectId = projectOfAsset(name);
          if (!dataset || !projectId || !projects.has(projectId)) continue;
          if (!a.resource?.data) throw new ShapeError(`asset ${name || '?'} has no resource data (contentType RESOURCE)`);
          let own = byProject.get(projectId);
          if (!own) byProject.set(projectId, (own = { records: new Map(), zones: [], recordSets: new Map(), failed: new Map() }));
          const item = structToJson(a.resource.data);
          if (assetType === RECORD_SET_TYPE) {
            const zone = zoneOfRecordSet(name);
            if (zone === undefined) throw new ShapeError(`record-set asset ${name} names no managed zone`);
            append(own.recordSets, zone, item);
            continue;
          }
          if (dataset === 'dnsZones') {
            own.zones.push(item);
            continue;
          }
          if (own.failed.has(dataset)) continue;
          try {
            append(own.records, dataset, GCP_DATASETS[dataset].map({ projectId, item }));
          } catch (err) {
            // One malformed record fails the dataset for the project, as on the per-project path.
            own.failed.set(dataset, (err as Error).message);
            own.records.delete(dataset);
          }
        }
      }
      return byProject;
    },
    scope,
  );
  const calls: CallRecord[] = [];
  // A project-level listing that failed is replaced by that project's own calls, which say why.
  if (!listed.record.ok && parent.kind !== 'project') calls.push(listed.record);
  if (!listed.value) return { seen: new Set(), calls, failed: true };
  calls.push(listed.record);

  const seen = new Set(listed.value.keys());
  await Promise.all(
    [...listed.value].map(async ([projectId, own]) => {
      for (const [dataset, records] of own.records) out.add(dataset, records as never[]);
      for (const [dataset, message] of own.failed) {
        const s = scopeKey({ cloud: 'gcp', kind: 'project', id: projectId });
        calls.push({ cloud: 'gcp', api: GCP_OPERATIONS.assetsList.api, scope: s, dataset, ok: false, errorKind: 'malformed', message: `${GCP_OPERATIONS.assetsList.api} for ${s} (${dataset}) failed: ${message}`, requests: 0 });
      }
      const listedRecords = (zone: unknown): unknown[] | undefined => {
        const z = (zone ?? {}) as { name?: unknown; id?: unknown };
        return (typeof z.name === 'string' ? own.recordSets.get(z.name) : undefined) ?? (typeof z.id === 'string' || typeof z.id === 'number' ? own.recordSets.get(String(z.id)) : undefined);
      };
      const unlisted = own.zones.filter((z) => listedRecords(z) === undefined);
      const { raws: read, calls: recordCalls } = await withRecords(projectId, unlisted, env);
      calls.push(...recordCalls);
      const readByZone = new Map(unlisted.map((z, i) => [z, read[i]]));
      const raws = own.zones.map((item): GcpRaw => readByZone.get(item) ?? { projectId, item, records: listedRecords(item) ?? [] });
      const mapped = mapZones(projectId, raws);
      if (mapped.record) calls.push(mapped.record);
      out.add('dnsZones', mapped.zones);
    }),
  );
  return { seen, calls, failed: false };
}
