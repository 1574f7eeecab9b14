import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { TableFindingStore, type FindingStore } from '../../shared/store/index.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { storeContract } from './contract.js';

let azurite: AzuriteTable | undefined;
beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
});

const prefixes = new WeakMap<FindingStore, string>();

async function openWith(tablePrefix: string): Promise<TableFindingStore> {
  if (!azurite) throw new Error('Azurite did not start');
  const store = await TableFindingStore.open({ connectionString: azurite.connectionString, tablePrefix });
  prefixes.set(store, tablePrefix);
  return store;
}

storeContract(
  'Azure Table Storage (Azurite)',
  // A table prefix per test gives each one an empty store on the same emulator.
  () => openWith(`t${randomUUID().replace(/-/g, '').slice(0, 12)}`),
  // The same tables through another client, as a second instance would open them.
  (store) => {
    const prefix = prefixes.get(store);
    if (prefix === undefined) throw new Error('not a store opened by this test');
    return openWith(prefix);
  },
);
