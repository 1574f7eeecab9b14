import type { CallRecord } from '../../model/coverage.js';
import type { GcpDataset, GcpInventory } from '../../model/inventory/gcp.js';
import { scopeKey } from '../../model/scope.js';
import { tracked, type TrackedCall } from '../kit/calls.js';
import type { Operation } from '../kit/descriptor.js';
import type { BucketLimiter } from '../kit/limiter.js';
import type { GcpClients } from './clients.js';

export interface GcpCallEnv {
  clients: GcpClients;
  /** Keyed by project: GCP quotas are per project per minute. */
  limiter: BucketLimiter;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const SERVICES: Record<string, string> = {
  container: 'container.googleapis.com',
  compute: 'compute.googleapis.com',
  dns: 'dns.googleapis.com',
  asset: 'cloudasset.googleapis.com',
  resourcemanager: 'cloudresourcemanager.googleapis.com',
};

/** The API a call needs enabled, from its operation name (`compute:networks.list`). */
export function serviceOf(api: string): string {
  const prefix = api.split(':')[0] ?? api;
  return SERVICES[prefix] ?? `${prefix}.googleapis.com`;
}

/** A disabled API is a fix the operator can paste, not only a 403. */
export function withEnableHint(record: CallRecord, projectId: string): CallRecord {
  if (record.ok || record.errorKind !== 'api-disabled') return record;
  const service = serviceOf(record.api);
  return { ...record, message: `${record.message ?? `${record.api} failed`} (the ${service} API is disabled in project ${projectId}; enable it: gcloud services enable ${service} --project=${projectId})` };
}

/** One call for one project and dataset: limited by the project's bucket, tracked, classified. */
export async function trackedGcp<T>(env: GcpCallEnv, op: Operation, projectId: string, dataset: GcpDataset | '*', fn: () => Promise<T>, scope = scopeKey({ cloud: 'gcp', kind: 'project', id: projectId })): Promise<TrackedCall<T>> {
  const r = await env.limiter.run(projectId, () =>
    tracked({ cloud: 'gcp', api: op.api, scope, dataset, ...(env.signal ? { signal: env.signal } : {}), ...(env.timeoutMs ? { timeoutMs: env.timeoutMs } : {}) }, fn),
  );
  return { ...r, record: withEnableHint(r.record, projectId) };
}

/** Records per dataset as the paths produce them. */
export class DatasetRecords {
  readonly inventory: GcpInventory = { clusters: [], networks: [], routers: [], subnetworks: [], routes: [], firewalls: [], instances: [], dnsZones: [] };

  add<N extends GcpDataset>(dataset: N, records: readonly GcpInventory[N][number][]): void {
    (this.inventory[dataset] as GcpInventory[N][number][]).push(...records);
  }
}
