import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import functions, { type HttpResponseInit } from '@azure/functions';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiHandlers } from '../../functions/lib/api.js';
import { loadConfigFromEnv } from '../../shared/config/load.js';
import type { Logger } from '../../shared/log.js';
import { emptyInventory } from '../../shared/model/inventory/index.js';
import { commitRun } from '../../shared/publish.js';
import { snapshotOf } from '../../shared/report/snapshot.js';
import { openStore } from '../../shared/store/index.js';
import { finding, LB1, LB2, run } from '../drift/fixtures.js';
import { startAzuriteStorage, type AzuriteStorage } from '../functions/azurite-storage.js';
import { recordFigures } from './figures.js';
import { oddString, oddValue, SEED } from './properties-arbitraries.js';

/**
 * Property-based input testing of the HTTP API (issue 14): generated bodies for POST /api/audits,
 * queries for GET /api/findings and run ids for GET /api/audits/{id}, sent to the real handlers
 * (functions/lib/api.ts, @azure/functions test-mode requests) over Azurite and a file store. Each
 * answer is 2xx or 400/404 application/problem+json with a title and a detail — never an
 * exception, never a 500.
 */

const { HttpRequest, InvocationContext } = functions;
const RUN_ID = '6a1f0c2e-0000-4000-8000-00000000abcd';
const counts: Record<string, number> = {};
function runs(name: string, numRuns: number): { numRuns: number; seed: number } {
  counts[name] = numRuns;
  return { numRuns, seed: SEED };
}
const statuses: Record<string, number> = {};

let storage: AzuriteStorage;
let dir: string;
let api: ReturnType<typeof apiHandlers>;
const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

beforeAll(async () => {
  storage = await startAzuriteStorage();
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-props-http-'));
  const env = {
    AzureWebJobsStorage: storage.connectionString,
    AIRLOCK_CONFIG_YAML: `clouds:\n  azure:\n    subscriptions: ["00000000-0000-4000-8000-000000000001"]\nstore:\n  kind: file\n  path: ${JSON.stringify(path.join(dir, 'state'))}\n`,
  };
  // Stored findings, so that valid queries filter something.
  const config = await loadConfigFromEnv(env);
  const store = await openStore(config.store, { env });
  const stored = run({ id: RUN_ID, findings: [finding({ resource: LB1, severity: 'critical' }), finding({ resource: LB2 })], finishedAt: '2026-11-22T06:00:00.000Z' });
  await commitRun(stored, { config, store, now: () => new Date('2026-11-22T06:00:00Z'), log: quiet, report: (drift) => snapshotOf(stored, emptyInventory(), config, drift) });
  api = apiHandlers(env);
}, 60_000);

afterAll(async () => {
  await recordFigures('properties-http', { command: 'npx vitest run test/reliability/properties-http.test.ts', seed: SEED, inputs: Object.values(counts).reduce((a, b) => a + b, 0), ...counts, statuses, unhandled: 0 });
  await storage.stop();
  await rm(dir, { recursive: true, force: true });
});

function context(name: string): InstanceType<typeof InvocationContext> {
  return new InvocationContext({ functionName: name, invocationId: `${name}-props`, logHandler: () => undefined });
}

/** 2xx, or a problem document with the status, a title and a detail; anything else fails the property. */
function checkAnswer(res: HttpResponseInit, allowed: readonly number[], inputLength: number): void {
  const status = res.status ?? 200;
  statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
  const text = typeof res.body === 'string' ? res.body : JSON.stringify(res.jsonBody ?? null);
  expect(allowed, `status ${String(status)}: ${text.slice(0, 300)}`).toContain(status);
  if (status >= 400) {
    expect((res.headers as Record<string, string>)['Content-Type']).toBe('application/problem+json');
    const doc = JSON.parse(text) as { status: number; title: string; detail: string };
    expect(doc.status).toBe(status);
    expect(doc.title.length).toBeGreaterThan(0);
    expect(doc.detail.length).toBeGreaterThan(0);
    // What the input is quoted back with stays in proportion to it (no amplification).
    expect(doc.detail.length).toBeLessThan(2 * inputLength + 1_000);
  }
}

const CLOUDS = ['azure', 'gcp', 'aws'] as const;
const SCOPES = ['azure/subscription/00000000-0000-4000-8000-000000000001', 'gcp/project/proj-prod-1', 'aws/account-region/111122223333/eu-west-1', 'aws/account/111122223333'];

const auditBody = fc.oneof(
  // Shaped like a request, every part allowed to be wrong.
  fc.record(
    {
      clouds: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...CLOUDS), oddString), { maxLength: 4 }), oddValue(['azure'])),
      scopes: fc.oneof(fc.array(fc.oneof(fc.constantFrom(...SCOPES), oddString), { maxLength: 4 }), oddValue(['scope'])),
      extra: oddValue(['clouds', 'scopes']),
    },
    { requiredKeys: [], noNullPrototype: true },
  ).map((b) => JSON.stringify(b)),
  oddValue(['clouds', 'scopes']).map((v) => JSON.stringify(v ?? null)),
  // Text that is not JSON, cut JSON, and JSON with a huge list.
  fc.string({ unit: 'binary' }),
  fc.tuple(fc.constantFrom('{"clouds":["azure"],"scopes":["azure/subscription/00000000-0000-4000-8000-000000000001"]}', '{"clouds":["aws"]}'), fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1))),
  fc.constantFrom(JSON.stringify({ scopes: Array.from({ length: 5_001 }, () => SCOPES[0]) }), JSON.stringify({ clouds: Array.from({ length: 100_000 }, () => 'azure') }), '{"clouds":'.repeat(5_000), '[]'.repeat(50_000), '\u0000', '\ufeff{}', 'null', '0', '""', '{"__proto__":{"clouds":["azure"]}}'),
);

describe('POST /api/audits with generated bodies', () => {
  it('answers 202 or 400 problem details, as text or as bytes (invalid UTF-8 too)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof({ arbitrary: auditBody.map((string) => ({ string })), weight: 4 }, { arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ bytes })), weight: 1 }), async (body) => {
        const res = await api.startAudit(new HttpRequest({ method: 'POST', url: 'https://airlock.example.net/api/audits', body }), context('startAudit'));
        checkAnswer(res, [202, 400], 'string' in body ? body.string.length : body.bytes.length);
      }),
      runs('auditBodies', 1_200),
    );
  }, 120_000);
});

const PARAMS = ['run', 'state', 'severity', 'cloud', 'rule', 'scope', 'format'] as const;
const VALUES = [RUN_ID, '0f0e0d0c-0b0a-4908-8706-050403020100', 'new', 'open', 'resolved', 'excepted', 'critical', 'high', 'medium', 'low', 'info', 'azure', 'gcp', 'aws', 'azure/aks-public-fqdn', 'azure/public-ip-in-node-rg', ...SCOPES, 'json', 'jsonl', 'csv', 'html', 'ocsf', 'markdown', ''];
const queryPart = fc.tuple(fc.oneof(fc.constantFrom(...PARAMS), oddString), fc.oneof(fc.constantFrom(...VALUES), oddString), fc.constantFrom('encoded', 'raw')).map(([k, v, how]) =>
  how === 'encoded' ? `${encodeURIComponent(k)}=${encodeURIComponent(v)}` : `${k}=${v}`,
);
const rawQuery = fc.oneof(
  fc.array(queryPart, { maxLength: 5 }).map((parts) => parts.join('&')),
  fc.constantFrom('%', '%zz', 'state=%E0%A4%A', 'scope=%00', 'rule=a/b&rule=c/d', '&&&', '=', 'format', `scope=${'a/'.repeat(3_000)}`, 'severity=HIGH'),
);

describe('GET /api/findings with generated queries', () => {
  it('answers 200 (any report format), 404 for a run not stored, or 400 problem details', async () => {
    await fc.assert(
      fc.asyncProperty(rawQuery, async (query) => {
        let request: InstanceType<typeof HttpRequest>;
        try {
          request = new HttpRequest({ method: 'GET', url: `https://airlock.example.net/api/findings?${query}` });
        } catch {
          return; // not a request the host could deliver
        }
        const res = await api.listFindings(request);
        checkAnswer(res, [200, 400, 404], query.length);
      }),
      runs('findingsQueries', 1_200),
    );
  }, 120_000);
});

describe('GET /api/audits/{runId} with generated ids', () => {
  it('answers 200, 404 or 400 problem details', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(oddString, fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', "' or 1 eq 1", "x' or PartitionKey ne '")), async (runId) => {
        const res = await api.auditStatus(new HttpRequest({ method: 'GET', url: 'https://airlock.example.net/api/audits/x', params: { runId } }));
        checkAnswer(res, [200, 400, 404], runId.length);
      }),
      runs('runIds', 300),
    );
  }, 120_000);
});
