import type { CallRecord } from '../../model/coverage.js';
import type { GcpDataset } from '../../model/inventory/gcp.js';
import { scopeKey, type ScopeKind } from '../../model/scope.js';
import { ShapeError } from '../kit/errors.js';
import { mapZones, withRecords } from './api.js';
import { GCP_DATASET_NAMES, GCP_DATASETS, GCP_OPERATIONS } from './datasets.js';
import { trackedGcp, type DatasetRecords, type GcpCallEnv } from './track.js';

/**
 * The Cloud Asset path: one paged `assets.list` per organisation, folder or project over every
 * asset type the datasets declare; Cloud DNS record sets per zone as on the per-project path.
 * Cloud Asset answers only with what the caller may read, so the caller re-reads every project
 * that yielded nothing through the per-project APIs (a denied project then shows its 403s).
 */

const DATASET_BY_TYPE = new Map(GCP_DATASET_NAMES.map((d) => [GCP_DATASETS[d].paths.asset.assetType, d]));

type Fields = Record<string, unknown>;

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

/** Reads `parent` through Cloud Asset, keeping the assets of `projects` only. */
export async function collectViaAsset(parent: AssetParent, projects: ReadonlySet<string>, env: GcpCallEnv, out: DatasetRecords): Promise<AssetResult> {
  const scope = scopeKey({ cloud: 'gcp', kind: parent.kind, id: parent.id });
  const parentName = `${parent.kind === 'organization' ? 'organizations' : `${parent.kind}s`}/${parent.id}`;
  const listed = await trackedGcp(
    env,
    GCP_OPERATIONS.assetsList,
    parentName,
    '*',
    async () => {
      const rows: { projectId: string; dataset: GcpDataset; item: unknown }[] = [];
      const iterable = env.clients.asset().listAssetsAsync({ parent: parentName, assetTypes: [...DATASET_BY_TYPE.keys()], contentType: 'RESOURCE', pageSize: 1000 }, { retry: null, autoPaginate: false });
      for await (const a of iterable) {
        const dataset = DATASET_BY_TYPE.get(a.assetType ?? '');
        const projectId = projectOfAsset(a.name ?? '');
        if (!dataset || !projectId || !projects.has(projectId)) continue;
        if (!a.resource?.data) throw new ShapeError(`asset ${a.name ?? '?'} has no resource data (contentType RESOURCE)`);
        rows.push({ projectId, dataset, item: structToJson(a.resource.data) });
      }
      return rows;
    },
    scope,
  );
  const calls: CallRecord[] = [];
  // A project-level listing that failed is replaced by that project's own calls, which say why.
  if (!listed.record.ok && parent.kind !== 'project') calls.push(listed.record);
  if (!listed.value) return { seen: new Set(), calls, failed: true };
  calls.push(listed.record);

  const seen = new Set<string>();
  const byProject = new Map<string, Map<GcpDataset, unknown[]>>();
  for (const row of listed.value) {
    seen.add(row.projectId);
    const own = byProject.get(row.projectId) ?? new Map<GcpDataset, unknown[]>();
    byProject.set(row.projectId, own);
    own.set(row.dataset, [...(own.get(row.dataset) ?? []), row.item]);
  }
  await Promise.all(
    [...byProject].map(async ([projectId, datasets]) => {
      for (const dataset of GCP_DATASET_NAMES) {
        if (dataset === 'dnsZones') continue;
        const items = datasets.get(dataset) ?? [];
        try {
          out.add(dataset, items.map((item) => GCP_DATASETS[dataset].map({ projectId, item })));
        } catch (err) {
          const s = scopeKey({ cloud: 'gcp', kind: 'project', id: projectId });
          calls.push({ cloud: 'gcp', api: GCP_OPERATIONS.assetsList.api, scope: s, dataset, ok: false, errorKind: 'malformed', message: `${GCP_OPERATIONS.assetsList.api} for ${s} (${dataset}) failed: ${(err as Error).message}`, requests: 0 });
        }
      }
      const { raws, calls: recordCalls } = await withRecords(projectId, datasets.get('dnsZones') ?? [], env);
      calls.push(...recordCalls);
      const mapped = mapZones(projectId, raws);
      if (mapped.record) calls.push(mapped.record);
      out.add('dnsZones', mapped.zones);
    }),
  );
  return { seen, calls, failed: false };
}
