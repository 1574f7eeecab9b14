import { afterEach, describe, expect, it } from 'vitest';
import type { BehaviourInput } from '../../../sim/core/behaviour.js';
import { SimServer, UNROUTED } from '../../../sim/core/server.js';
import type { ProviderName, ThrottleModelName } from '../../../sim/core/types.js';
import { fakeProvider, get } from './fake-provider.js';

let sim: SimServer | undefined;
let nowMs = 1_000_000;

async function start(behaviour: BehaviourInput = {}, total = 5): Promise<SimServer> {
  nowMs = 1_000_000;
  const server = await SimServer.start({ behaviour, now: () => nowMs });
  const providers: Partial<Record<ProviderName, ReturnType<typeof fakeProvider>>> = {};
  for (const name of ['azure', 'gcp', 'aws'] as const) providers[name] = fakeProvider(name, server.env(name), total);
  server.setProviders(providers);
  sim = server;
  return server;
}

afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const url = (s: SimServer, provider: 'gcp' | 'aws', path: string) => `${s.endpoints[provider].url}${path}`;

async function listAll(s: SimServer, provider: 'gcp' | 'aws'): Promise<{ items: number[]; pages: number }> {
  let next: string | undefined = url(s, provider, '/items');
  const items: number[] = [];
  let pages = 0;
  while (next) {
    const reply = await get(next);
    expect(reply.status).toBe(200);
    const page = JSON.parse(reply.body) as { value: number[]; nextLink?: string };
    items.push(...page.value);
    pages += 1;
    next = page.nextLink;
  }
  return { items, pages };
}

describe('paging', () => {
  it('passes the per-operation page size to the provider', async () => {
    const s = await start({ pageSize: { operations: { 'fake:items.list': 2 } } });
    const { items, pages } = await listAll(s, 'gcp');
    expect(items).toEqual([0, 1, 2, 3, 4]);
    expect(pages).toBe(3);
  });

  it('uses the provider page size, then the default', async () => {
    const s = await start({ pageSize: { default: 5, providers: { aws: 4 } } });
    expect((await listAll(s, 'aws')).pages).toBe(2);
    expect((await listAll(s, 'gcp')).pages).toBe(1);
    s.setBehaviour({ pageSize: { operations: { 'fake:items.list': 1 } } });
    expect((await listAll(s, 'gcp')).pages).toBe(5);
  });
});

describe('throttling', () => {
  const small: BehaviourInput = {
    throttle: {
      arm: { bucket: 3, refillPerSecond: 1 },
      ec2: { bucket: 2, refillPerSecond: 1 },
      awsOther: { bucket: 2, refillPerSecond: 1 },
      resourceGraph: { quota: 2, windowSeconds: 5 },
      costManagement: { quota: 2, windowSeconds: 10 },
      gcp: { quota: 3, windowSeconds: 60 },
    },
  };

  async function call(s: SimServer, throttle: ThrottleModelName, bucket = 'sub-1') {
    return get(url(s, 'gcp', `/items?throttle=${throttle}&bucket=${bucket}`));
  }

  it('ARM token bucket: 429 with Retry-After once empty, per bucket, refills over time', async () => {
    const s = await start(small);
    for (let i = 0; i < 3; i++) expect((await call(s, 'arm')).status).toBe(200);
    const throttled = await call(s, 'arm');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['retry-after']).toBe('1');
    expect((await call(s, 'arm', 'sub-2')).status).toBe(200);
    nowMs += 1000;
    expect((await call(s, 'arm')).status).toBe(200);
    expect((await call(s, 'arm')).status).toBe(429);
    expect(s.counts().providers.gcp.operations['fake:items.list']).toMatchObject({ throttled: 2, ok: 5 });
  });

  it('Resource Graph quota window sets quota headers on every response and recovers after the window', async () => {
    const s = await start(small);
    const first = await call(s, 'resource-graph', 'principal-a');
    expect(first.status).toBe(200);
    expect(first.headers['x-ms-user-quota-remaining']).toBe('1');
    expect(first.headers['x-ms-user-quota-resets-after']).toBe('00:00:05');
    nowMs += 2000;
    const second = await call(s, 'resource-graph', 'principal-a');
    expect(second.headers['x-ms-user-quota-remaining']).toBe('0');
    expect(second.headers['x-ms-user-quota-resets-after']).toBe('00:00:03');
    const third = await call(s, 'resource-graph', 'principal-a');
    expect(third.status).toBe(429);
    expect(third.headers['retry-after']).toBe('3');
    expect(third.headers['x-ms-user-quota-remaining']).toBe('0');
    nowMs += 3000;
    const after = await call(s, 'resource-graph', 'principal-a');
    expect(after.status).toBe(200);
    expect(after.headers['x-ms-user-quota-remaining']).toBe('1');
  });

  it('Cost Management answers 429 with the costmanagement retry-after header', async () => {
    const s = await start(small);
    await call(s, 'cost-management');
    await call(s, 'cost-management');
    const throttled = await call(s, 'cost-management');
    expect(throttled.status).toBe(429);
    expect(throttled.headers['x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after']).toBe('10');
    nowMs += 10_000;
    expect((await call(s, 'cost-management')).status).toBe(200);
  });

  it('GCP per-project quota answers through the provider (403) and resets per minute', async () => {
    const s = await start(small);
    for (let i = 0; i < 3; i++) expect((await call(s, 'gcp', 'proj-a')).status).toBe(200);
    const throttled = await call(s, 'gcp', 'proj-a');
    expect(throttled.status).toBe(403);
    expect(JSON.parse(throttled.body)).toMatchObject({ error: { retryAfterSeconds: 60 } });
    nowMs += 60_000;
    expect((await call(s, 'gcp', 'proj-a')).status).toBe(200);
  });

  it('EC2 and other AWS buckets are per account-region and refill', async () => {
    const s = await start(small);
    for (const model of ['ec2', 'aws-other'] as const) {
      expect((await call(s, model, '111111111111/eu-west-1')).status).toBe(200);
      expect((await call(s, model, '111111111111/eu-west-1')).status).toBe(200);
      expect((await call(s, model, '111111111111/eu-west-1')).status).toBe(429);
      expect((await call(s, model, '111111111111/us-east-1')).status).toBe(200);
    }
    nowMs += 1000;
    expect((await call(s, 'ec2', '111111111111/eu-west-1')).status).toBe(200);
  });

  it('the none model and a disabled throttle never throttle', async () => {
    const s = await start({ ...small, throttle: { ...small.throttle, enabled: false } });
    for (let i = 0; i < 6; i++) expect((await call(s, 'arm')).status).toBe(200);
    for (let i = 0; i < 6; i++) expect((await call(s, 'none')).status).toBe(200);
  });
});

describe('faults', () => {
  async function outcomes(s: SimServer, n: number, bucket = 'b1'): Promise<number[]> {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) statuses.push((await get(url(s, 'aws', `/items?bucket=${bucket}`))).status);
    return statuses;
  }

  it('injects server errors by rate, deterministically for a seed', async () => {
    const s = await start({ seed: 7, faults: { rates: [{ kind: 'server-error', rate: 0.3 }] } });
    const first = await outcomes(s, 100);
    const failed = first.filter((x) => x === 500).length;
    expect(failed).toBeGreaterThan(10);
    expect(failed).toBeLessThan(60);
    expect(first.every((x) => x === 200 || x === 500)).toBe(true);
    s.setBehaviour({ seed: 7 });
    expect(await outcomes(s, 100)).toEqual(first);
    s.setBehaviour({ seed: 8 });
    expect(await outcomes(s, 100)).not.toEqual(first);
    expect(s.counts().providers.aws.operations['fake:items.list']?.faults).toBeGreaterThan(0);
  });

  it('rate faults can be limited to operations', async () => {
    const s = await start({ faults: { rates: [{ kind: 'denied', rate: 1, operations: ['fake:other.*'] }] } });
    expect((await get(url(s, 'aws', '/other'))).status).toBe(403);
    expect((await get(url(s, 'aws', '/items'))).status).toBe(200);
  });

  it('injects a fault on the nth call of one bucket only', async () => {
    const s = await start({ faults: { calls: [{ kind: 'server-error', operation: 'fake:items.list', bucket: 'b2', nth: 2 }] } });
    expect(await outcomes(s, 3, 'b1')).toEqual([200, 200, 200]);
    expect(await outcomes(s, 4, 'b2')).toEqual([200, 500, 200, 200]);
  });

  it('injects a fault the first N times', async () => {
    const s = await start({ faults: { calls: [{ kind: 'denied', operation: 'fake:*', times: 2 }] } });
    expect(await outcomes(s, 4)).toEqual([403, 403, 200, 200]);
  });

  it('reset destroys the socket', async () => {
    const s = await start({ faults: { calls: [{ kind: 'reset', operation: 'fake:items.list', nth: 1 }] } });
    await expect(get(url(s, 'gcp', '/items'))).rejects.toThrow();
    expect((await get(url(s, 'gcp', '/items'))).status).toBe(200);
  });

  it('truncated sends less than the promised Content-Length, then drops the connection', async () => {
    const s = await start({ faults: { calls: [{ kind: 'truncated', operation: 'fake:items.list', nth: 1 }] } });
    await expect(get(url(s, 'gcp', '/items'))).rejects.toThrow();
    expect(s.counts().providers.gcp.operations['fake:items.list']?.faults).toBe(1);
  });

  it('malformed answers a complete response whose body does not parse', async () => {
    const s = await start({ faults: { calls: [{ kind: 'malformed', operation: 'fake:items.list', nth: 1 }] } });
    const reply = await get(url(s, 'gcp', '/items'));
    expect(reply.status).toBe(200);
    expect(() => JSON.parse(reply.body) as unknown).toThrow();
    expect(JSON.parse((await get(url(s, 'gcp', '/items'))).body)).toMatchObject({ value: [0, 1, 2, 3, 4] });
  });

  it('slow still answers correctly and is counted as a fault', async () => {
    const s = await start({ faults: { slowMs: 20, calls: [{ kind: 'slow', operation: 'fake:items.list', nth: 1 }] } });
    expect(JSON.parse((await get(url(s, 'gcp', '/items'))).body)).toMatchObject({ value: [0, 1, 2, 3, 4] });
    expect(s.counts().providers.gcp.operations['fake:items.list']).toMatchObject({ calls: 1, faults: 1 });
  });

  it('a handler that throws answers 500 naming the operation', async () => {
    const s = await start();
    const reply = await get(url(s, 'gcp', '/boom'));
    expect(reply.status).toBe(500);
    expect(reply.body).toContain('fake:boom');
    expect(reply.body).toContain('handler exploded');
  });
});

describe('allow-list and counting', () => {
  it('denies operations outside the allow-list with the provider answer', async () => {
    const s = await start({ allow: ['fake:other.get'] });
    const denied = await get(url(s, 'aws', '/items'));
    expect(denied.status).toBe(403);
    expect(JSON.parse(denied.body)).toMatchObject({ error: { code: 'AuthorizationFailed' } });
    expect((await get(url(s, 'aws', '/other'))).status).toBe(200);
    expect(s.counts().providers.aws.operations).toMatchObject({ 'fake:items.list': { denied: 1, calls: 1 }, 'fake:other.get': { ok: 1 } });
  });

  it('counts per provider and operation, unrouted calls too, and resets', async () => {
    const s = await start();
    await get(url(s, 'gcp', '/items'));
    await get(url(s, 'gcp', '/items'));
    await get(url(s, 'aws', '/other'));
    const missing = await get(url(s, 'aws', '/nowhere'));
    expect(missing.status).toBe(404);
    const counts = s.counts();
    expect(counts.total).toBe(4);
    expect(counts.providers.gcp).toEqual({ total: 2, operations: { 'fake:items.list': { calls: 2, ok: 2, errors: 0, throttled: 0, faults: 0, denied: 0 } } });
    expect(counts.providers.aws.operations[UNROUTED]).toMatchObject({ calls: 1, errors: 1 });
    s.resetCounts();
    expect(s.counts().total).toBe(0);
  });
});

describe('transport', () => {
  it('serves Azure over TLS to a client that trusts the CA, and refuses one that does not', async () => {
    const s = await start();
    const reply = await get(`${s.endpoints.azure.url}/items`, { ca: s.endpoints.azure.caPem });
    expect(reply.status).toBe(200);
    expect(s.endpoints.azure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(s.endpoints.gcp.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await expect(get(`${s.endpoints.azure.url}/items`)).rejects.toThrow(/self[- ]signed/i);
  });

});

describe('behaviour validation', () => {
  it('names the bad knob', async () => {
    await expect(SimServer.start({ behaviour: { throttle: { arm: { bucket: 0, refillPerSecond: 1 } } } })).rejects.toThrow(/behaviour is invalid[\s\S]*throttle\.arm\.bucket/);
    const s = await start();
    expect(() => {
      s.setBehaviour({ faults: { calls: [{ kind: 'reset', operation: 'x', nth: 1, times: 2 }] } });
    }).toThrow(/nth or times, not both/);
  });
});
