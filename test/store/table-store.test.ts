import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { TableFindingStore } from '../../shared/store/index.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { storeContract } from './contract.js';

let azurite: AzuriteTable | undefined;
beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  await azurite?.stop();
});

storeContract('Azure Table Storage (Azurite)', async () => {
  if (!azurite) throw new Error('Azurite did not start');
  // A table prefix per test gives each one an empty store on the same emulator.
  return TableFindingStore.open({ connectionString: azurite.connectionString, tablePrefix: `t${randomUUID().replace(/-/g, '').slice(0, 12)}` });
});
