import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

interface Refusal {
  status: number;
  retryAfter?: string;
}

/**
 * A webhook receiver on 127.0.0.1 and a free port. Each path answers its planned refusals in
 * order, then 200. It records every request, so a test can count what was accepted.
 */
export interface Receiver {
  url(path: string): string;
  /** Refusals for the next requests to this path (then it accepts). Use `always` to refuse forever. */
  plan(path: string, refusals: Refusal[] | { always: Refusal }): void;
  requests(path?: string): ReceivedRequest[];
  /** Requests answered 2xx. */
  accepted(path?: string): ReceivedRequest[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const plans = new Map<string, Refusal[] | { always: Refusal }>();
  const log: ReceivedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
      const plan = plans.get(path);
      const refusal = plan === undefined ? undefined : Array.isArray(plan) ? plan.shift() : plan.always;
      const status = refusal?.status ?? 200;
      log.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      const headers: Record<string, string> = { 'content-type': 'text/plain' };
      if (refusal?.retryAfter !== undefined) headers['retry-after'] = refusal.retryAfter;
      res.writeHead(status, headers).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('receiver has no TCP address');
  const base = `http://127.0.0.1:${String(address.port)}`;
  return {
    url: (path) => `${base}${path}`,
    plan: (path, refusals) => plans.set(path, refusals),
    requests: (path) => log.filter((r) => path === undefined || r.path === path),
    accepted: (path) => log.filter((r) => (path === undefined || r.path === path) && r.status >= 200 && r.status < 300),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => {
          if (err) reject(err);
          else resolve();
        });
      }),
  };
}
