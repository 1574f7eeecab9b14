import { emptyAwsInventory, type AwsInventory } from './aws.js';
import { emptyAzureInventory, type AzureInventory } from './azure.js';
import { emptyGcpInventory, type GcpInventory } from './gcp.js';

export type * from './aws.js';
export type * from './azure.js';
export type * from './gcp.js';
export { emptyAwsInventory, emptyAzureInventory, emptyGcpInventory };

/** Everything the collectors read in one run (or one shard), per cloud. */
export interface Inventory {
  azure: AzureInventory;
  gcp: GcpInventory;
  aws: AwsInventory;
}

export function emptyInventory(): Inventory {
  return { azure: emptyAzureInventory(), gcp: emptyGcpInventory(), aws: emptyAwsInventory() };
}

/** Concatenates shard inventories; record order follows shard order. */
export function mergeInventories(parts: readonly Inventory[]): Inventory {
  const merged = emptyInventory();
  for (const part of parts) {
    for (const cloud of ['azure', 'gcp', 'aws'] as const) {
      const target = merged[cloud] as unknown as Record<string, unknown[]>;
      for (const [dataset, records] of Object.entries(part[cloud] as unknown as Record<string, unknown[]>)) {
        (target[dataset] ??= []).push(...records);
      }
    }
  }
  return merged;
}
