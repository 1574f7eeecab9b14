import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ProviderEnv, ProviderServer, RoutedCall } from '../../sim/core/types.js';

/**
 * A minimal node:http adapter around one ProviderServer, for the emulation's own tests: it routes,
 * counts calls per operation, answers the first N calls of an operation as throttled, and injects
 * a fault on an operation. (The full simulator core adds latency, token buckets and allow-lists.)
 */
export interface HarnessOptions {
  /** Items per page for every operation unless `pageSizes` names it. */
  pageSize?: number;
  pageSizes?: Record<string, number>;
}

export interface Harness {
  url: string;
  port: number;
  env: ProviderEnv;
  /** Calls per operation, throttled and faulted ones included. */
  counts: Map<string, number>;
  /** Answer the next `times` calls of `operation` with the provider's throttled response. */
  throttleNext(operation: string, times: number): void;
  /** Answer every call of `operation` with a fault until cleared. */
  fail(operation: string, kind: 'server-error' | 'denied' | undefined): void;
  /** Unrouted requests (method + path), so a test can show what a client asked for that the emulation lacks. */
  unrouted: string[];
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

export async function serveProvider(build: (env: ProviderEnv) => ProviderServer, options: HarnessOptions = {}): Promise<Harness> {
  const counts = new Map<string, number>();
  const throttles = new Map<string, number>();
  const faults = new Map<string, 'server-error' | 'denied'>();
  const unrouted: string[] = [];
  let baseUrl = '';
  const env: ProviderEnv = {
    pageSize: (operation) => options.pageSizes?.[operation] ?? options.pageSize ?? 1000,
    get baseUrl() {
      return baseUrl;
    },
  };
  const provider = build(env);
  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const simReq = { method: req.method ?? 'GET', url: new URL(req.url ?? '/', baseUrl), headers: req.headers, body };
      const call: RoutedCall | undefined = provider.route(simReq);
      let answer;
      if (!call) {
        unrouted.push(`${simReq.method} ${simReq.url.pathname}${simReq.url.search} ${body.slice(0, 200)}`);
        answer = provider.notFound(simReq);
      } else {
        counts.set(call.operation, (counts.get(call.operation) ?? 0) + 1);
        const pending = throttles.get(call.operation) ?? 0;
        const fault = faults.get(call.operation);
        if (pending > 0) {
          throttles.set(call.operation, pending - 1);
          answer = provider.throttled(call, 1);
        } else if (fault) {
          answer = provider.fault(call, fault);
        } else {
          answer = call.handle();
        }
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    })().catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`harness error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    port,
    env,
    counts,
    unrouted,
    throttleNext(operation, times) {
      throttles.set(operation, times);
    },
    fail(operation, kind) {
      if (kind) faults.set(operation, kind);
      else faults.delete(operation);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
