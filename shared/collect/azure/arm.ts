import type { CallRecord } from '../../model/coverage.js';
import type { AzureInventory } from '../../model/inventory/azure.js';
import { scopeKey, type Scope } from '../../model/scope.js';
import { parseArmId } from '../../util/arm-id.js';
import { tracked } from '../kit/calls.js';
import type { BucketLimiter } from '../kit/limiter.js';
import type { AzureClients } from './clients.js';
import { AZURE_DATASETS, AZURE_DATASET_LIST, type ParentRef, type ResourceDataset } from './datasets.js';

interface ArmResult {
  inventory: Partial<AzureInventory>;
  calls: CallRecord[];
}

/**
 * The fallback path: every dataset listed per subscription as its descriptor's ARM path says. A
 * child listing waits for its parents (another dataset's records, or a parent listing counted
 * under the child's dataset); when they fail, the child is recorded as not attempted. Every call
 * takes a slot of the subscription's ARM bucket in `limiter`.
 */
export async function collectViaArm(scope: Scope, clients: AzureClients, limiter: BucketLimiter, signal?: AbortSignal): Promise<ArmResult> {
  const sub = scope.id;
  const key = scopeKey(scope);
  const calls: CallRecord[] = [];
  const inventory: Partial<Record<ResourceDataset, unknown[]>> = {};

  const call = async <T>(api: string, dataset: ResourceDataset, fn: () => Promise<T>): Promise<T | undefined> => {
    const r = await limiter.run(sub.toLowerCase(), () => tracked({ cloud: 'azure', api, scope: key, dataset, ...(signal ? { signal } : {}) }, fn));
    calls.push(r.record);
    return r.value;
  };
  const collect = async (items: AsyncIterable<unknown>, map: (raw: unknown) => unknown): Promise<unknown[]> => {
    const out: unknown[] = [];
    for await (const item of items) out.push(map(item));
    return out;
  };

  const read = new Map<ResourceDataset, Promise<unknown[] | undefined>>();
  const readDataset = (dataset: ResourceDataset): Promise<unknown[] | undefined> => {
    let pending = read.get(dataset);
    if (!pending) {
      pending = listDataset(dataset);
      read.set(dataset, pending);
    }
    return pending;
  };

  async function listDataset(dataset: ResourceDataset): Promise<unknown[] | undefined> {
    const d = AZURE_DATASETS[dataset] as (typeof AZURE_DATASET_LIST)[number];
    const path = d.paths.arm;
    let records: unknown[] | undefined;
    if (!('parent' in path)) {
      records = await call(path.operation.api, dataset, () => collect(path.list(clients, sub), d.map));
    } else {
      const { parent } = path;
      let parents: ParentRef[] | undefined;
      if (typeof parent === 'string') {
        const found = (await readDataset(parent)) as { id: string; name: string }[] | undefined;
        parents = found?.map((p) => ({ resourceGroup: parseArmId(p.id)?.resourceGroup ?? '', name: p.name }));
      } else {
        parents = await call(parent.operation.api, dataset, () => collect(parent.list(clients, sub), (raw) => parent.ref(raw, sub)) as Promise<ParentRef[]>);
      }
      if (!parents) {
        const parentApi = typeof parent === 'string' ? AZURE_DATASETS[parent].paths.arm.operation.api : parent.operation.api;
        const api = path.operation.api;
        calls.push({ cloud: 'azure', api, scope: key, dataset, ok: false, message: `${api} for ${key} (${dataset}) not attempted: ${parentApi} failed`, requests: 0 });
        return undefined;
      }
      const found = parents;
      records = await call(path.operation.api, dataset, () =>
        collect(
          (async function* () {
            for (const p of found) yield* path.list(clients, sub, p);
          })(),
          d.map,
        ),
      );
    }
    if (records) (inventory[dataset] ??= []).push(...records);
    return records;
  }

  await Promise.all(AZURE_DATASET_LIST.map((d) => readDataset(d.dataset)));
  return { inventory: inventory as Partial<AzureInventory>, calls };
}
