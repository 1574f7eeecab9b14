import { resolve } from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';
import type { StoreConfig } from '../config/schema.js';
import { resolveSecret } from '../config/secrets.js';
import { FileFindingStore } from './file.js';
import { TableFindingStore } from './table.js';
import type { FindingStore } from './types.js';

export * from './types.js';
export { FileFindingStore } from './file.js';
export { TableFindingStore } from './table.js';

export interface OpenStoreOptions {
  env: NodeJS.ProcessEnv;
  /** Table endpoint credential; default: DefaultAzureCredential (the managed identity in Azure). */
  credential?: TokenCredential;
  /** Resolves a relative file store path (default: the process's working directory). */
  cwd?: string;
}

/** Opens the store named in configuration. */
export async function openStore(config: StoreConfig, options: OpenStoreOptions): Promise<FindingStore> {
  if (config.kind === 'file') {
    return new FileFindingStore(resolve(options.cwd ?? process.cwd(), config.path));
  }
  if (config.connectionString !== undefined) {
    return TableFindingStore.open({ tablePrefix: config.tablePrefix, connectionString: resolveSecret(config.connectionString, options.env) });
  }
  if (config.endpoint === undefined) throw new Error('store: a table store needs endpoint or connectionString');
  return TableFindingStore.open({
    tablePrefix: config.tablePrefix,
    endpoint: config.endpoint,
    credential: options.credential ?? new DefaultAzureCredential(),
  });
}
