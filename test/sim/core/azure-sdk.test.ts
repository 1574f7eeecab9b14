import https from 'node:https';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimServer } from '../../../sim/core/server.js';
import { fakeProvider } from './fake-provider.js';

const credential: TokenCredential = {
  getToken: (): Promise<AccessToken> => Promise.resolve({ token: 'sim-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

let sim: SimServer;
let agent: https.Agent;

beforeAll(async () => {
  sim = await SimServer.start({ behaviour: { pageSize: { operations: { 'arm:managedClusters.list': 2 } } } });
  sim.setProviders({ azure: fakeProvider('azure', sim.env('azure'), 5) });
  agent = new https.Agent({ ca: sim.endpoints.azure.caPem });
});
afterAll(async () => {
  agent.destroy();
  await sim.stop();
});

describe('the ARM SDK through the simulator core', () => {
  it('sends its bearer token over TLS to the generated certificate and follows nextLink pages', async () => {
    const client = new ContainerServiceClient(credential, 'sub-1', { endpoint: sim.endpoints.azure.url, agent });
    const names: string[] = [];
    for await (const cluster of client.managedClusters.list()) names.push(cluster.name ?? '');
    expect(names).toEqual(['aks-0', 'aks-1', 'aks-2', 'aks-3', 'aks-4']);
    expect(sim.counts().providers.azure.operations['arm:managedClusters.list']).toMatchObject({ calls: 3, ok: 3 });
  });
});
