import http from 'node:http';
import https from 'node:https';
import type { ProviderEnv, ProviderName, ProviderServer, RoutedCall, SimRequest, SimResponse, ThrottleModelName } from '../../../sim/core/types.js';

/**
 * A tiny provider for testing the simulator core itself: GET /items?bucket=b&throttle=arm&page=n
 * lists `total` numbered items `env.pageSize('fake:items.list')` at a time, with a nextLink.
 */
export function fakeProvider(provider: ProviderName, env: ProviderEnv, total = 5): ProviderServer {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): SimResponse => ({
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    provider,
    route(req: SimRequest): RoutedCall | undefined {
      if (req.method !== 'GET') return undefined;
      const aks = /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.ContainerService\/managedClusters$/i.exec(req.url.pathname);
      if (aks?.[1]) {
        const sub = aks[1];
        const operation = 'arm:managedClusters.list';
        return {
          operation,
          bucket: sub,
          throttle: 'arm',
          handle() {
            // The ARM SDK only sends its bearer token over TLS: answering 401 without one proves it arrived.
            if (req.headers.authorization !== 'Bearer sim-token') return json(401, { error: { code: 'AuthenticationFailed', message: 'no bearer token' } });
            const size = env.pageSize(operation);
            const skip = Number(req.url.searchParams.get('$skipToken') ?? '0');
            const value = Array.from({ length: total }, (_, i) => ({
              id: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-${i}`,
              name: `aks-${i}`,
              location: 'westeurope',
              properties: { apiServerAccessProfile: { enablePrivateCluster: true } },
            })).slice(skip, skip + size);
            const nextLink = skip + size < total ? `${env.baseUrl}${req.url.pathname}?api-version=${req.url.searchParams.get('api-version') ?? ''}&$skipToken=${skip + size}` : undefined;
            return json(200, { value, ...(nextLink ? { nextLink } : {}) });
          },
        };
      }
      const bucket = req.url.searchParams.get('bucket') ?? 'b1';
      const throttle = (req.url.searchParams.get('throttle') ?? 'none') as ThrottleModelName;
      if (req.url.pathname === '/items') {
        const operation = 'fake:items.list';
        return {
          operation,
          bucket,
          throttle,
          handle() {
            const size = env.pageSize(operation);
            const page = Number(req.url.searchParams.get('page') ?? '0');
            const items = Array.from({ length: total }, (_, i) => i).slice(page * size, (page + 1) * size);
            const next = (page + 1) * size < total ? `${env.baseUrl}/items?bucket=${bucket}&throttle=${throttle}&page=${page + 1}` : undefined;
            return json(200, { value: items, ...(next ? { nextLink: next } : {}) });
          },
        };
      }
      if (req.url.pathname === '/other') {
        return { operation: 'fake:other.get', bucket, throttle, handle: () => json(200, { other: true }) };
      }
      if (req.url.pathname === '/boom') {
        return {
          operation: 'fake:boom',
          bucket,
          throttle,
          handle() {
            throw new Error('handler exploded');
          },
        };
      }
      return undefined;
    },
    notFound: (req) => json(404, { error: { code: 'NotFound', message: req.url.pathname } }),
    throttled: (call, retryAfterSeconds) => json(call.throttle === 'gcp' ? 403 : 429, { error: { code: 'Throttled', retryAfterSeconds } }),
    fault: (_call, kind) => (kind === 'denied' ? json(403, { error: { code: 'AuthorizationFailed' } }) : json(500, { error: { code: 'InternalServerError' } })),
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (no keep-alive pool left behind). */
export function get(url: string, options: { ca?: string; agent?: http.Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const lib = target.protocol === 'https:' ? https : http;
    const agent = options.agent ?? (target.protocol === 'https:' ? new https.Agent({ keepAlive: false, ...(options.ca ? { ca: options.ca } : {}) }) : false);
    const req = lib.get(target, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
      res.on('aborted', () => {
        reject(new Error('response aborted'));
      });
    });
    req.on('error', reject);
  });
}
