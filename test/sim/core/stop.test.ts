import http from 'node:http';
import https from 'node:https';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SimServer } from '../../../sim/core/server.js';
import { fakeProvider } from './fake-provider.js';

// Its own file: vitest runs each file in a fresh process, so the handle baseline is clean.
describe('stop', () => {
  it('stop() closes keep-alive connections and leaves no open handles', async () => {
    const countHandles = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
    const before = countHandles();
    const s = await SimServer.start({});
    s.setProviders({ gcp: fakeProvider('gcp', s.env('gcp')), azure: fakeProvider('azure', s.env('azure')) });
    const agent = new http.Agent({ keepAlive: true });
    const tlsAgent = new https.Agent({ keepAlive: true, ca: s.endpoints.azure.caPem });
    const sockets: Promise<unknown>[] = [];
    for (const [target, a] of [
      [`${s.endpoints.gcp.url}/items`, agent],
      [`${s.endpoints.azure.url}/items`, tlsAgent],
    ] as const) {
      const req = (target.startsWith('https') ? https : http).get(target, { agent: a });
      req.on('socket', (socket) => sockets.push(once(socket, 'close')));
      const [res] = (await once(req, 'response')) as [http.IncomingMessage];
      res.resume();
      await once(res, 'end');
    }
    expect(countHandles()).toBeGreaterThan(before);
    await s.stop();
    await Promise.all(sockets);
    agent.destroy();
    tlsAgent.destroy();
    expect(countHandles()).toBe(before);
  });
});
