import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../../shared/config/load.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import type { CollectResult } from '../../../shared/collect/types.js';
import { createGcpProvider } from '../../../sim/gcp/index.js';
import { serveProvider, type Harness } from '../../sim/harness.js';
import { loadScenarioEstate } from '../../sim/scenario-estates.js';
import { collectViaAsset } from '../../../shared/collect/gcp/asset.js';
import { createGcpClients, type GcpClients } from '../../../shared/collect/gcp/clients.js';
import { DatasetRecords } from '../../../shared/collect/gcp/track.js';
import { BucketLimiter } from '../../../shared/collect/kit/limiter.js';
import { collectAll, orgScope, sortedInventory, withGcp } from './harness.js';

// The collector (REST JSON through the counted AuthClient) against the GCP emulation, with pages
// of two items, so every list is paged.

const ORG = '731902284417';
let sim: Harness;
let config: AirlockConfig;

beforeAll(async () => {
  const estate = loadScenarioEstate('gcp', 'hybrid-broken');
  estate.projects.push(
    { id: 'northwind-sandbox', denied: false, disabledApis: ['container'], missingZones: [], networks: [], clusters: [], instances: [], dnsZones: [] },
    { id: 'northwind-flaky', denied: false, disabledApis: [], missingZones: ['asia-east1-a'], networks: [], clusters: [], instances: [], dnsZones: [] },
  );
  sim = await serveProvider((env) => createGcpProvider(estate, env), { pageSize: 2 });
  config = validateConfig({
    clouds: {
      gcp: {
        projects: estate.projects.map((p) => p.id),
        credential: 'simulator',
        endpoints: { container: sim.url, compute: sim.url, dns: sim.url, asset: sim.url, resourceManager: sim.url },
      },
    },
    store: { kind: 'file', path: '.airlock/unused' },
  }, 'gcp-collector-test.yaml');
});

afterAll(async () => {
  await sim.stop();
});

const failed = (r: CollectResult, project: string) => r.calls.filter((c) => !c.ok && c.scope === `gcp/project/${project}`);

describe('GCP collector, per-project path', () => {
  let result: CollectResult;
  beforeAll(async () => {
    result = await collectAll(config);
  });

  it('reads every dataset across pages of two', () => {
    const gcp = result.inventory.gcp;
    expect(gcp.clusters.map((c) => c.id)).toContain('projects/northwind-retail-svc/locations/europe-west2/clusters/storefront-euw2');
    expect(gcp.clusters).toHaveLength(13);
    // Aggregated lists and DNS followed their page tokens.
    const subnets = result.calls.find((c) => c.api === 'compute:subnetworks.aggregatedList' && c.scope === 'gcp/project/northwind-gke-prod');
    expect(subnets?.requests).toBeGreaterThanOrEqual(6);
    expect(gcp.subnetworks.filter((s) => s.projectId === 'northwind-gke-prod')).toHaveLength(11);
    const zone = gcp.dnsZones.find((z) => z.id === 'projects/northwind-gke-prod/managedZones/googleapis-restricted');
    expect(zone?.records.find((r) => r.type === 'CNAME')?.rrdatas).toEqual(['restricted.googleapis.com.']);
  });

  it('keeps Shared VPC and Cloud NAT as the API gives them', () => {
    const gcp = result.inventory.gcp;
    const storefront = gcp.clusters.find((c) => c.name === 'storefront-euw2');
    expect(storefront?.network).toBe('projects/northwind-gke-prod/global/networks/prod-shared-vpc');
    expect(storefront?.subnetwork).toBe('projects/northwind-gke-prod/regions/europe-west2/subnetworks/gke-storefront-euw2');
    expect(storefront?.scope).toBe('gcp/project/northwind-retail-svc');
    const router = gcp.routers.find((r) => r.name === 'cr-onprem-ams' && r.projectId === 'northwind-edge-prod');
    expect(router?.nats).toEqual([
      { name: 'nat-build', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [{ name: 'https://www.googleapis.com/compute/v1/projects/northwind-edge-prod/regions/europe-west4/subnetworks/build-euw4', sourceIpRangesToNat: ['ALL_IP_RANGES'] }] },
    ]);
  });

  it('reports a denied project as coverage and completes the others', () => {
    const denied = failed(result, 'northwind-secops');
    expect(denied.map((c) => c.dataset).sort()).toEqual(['clusters', 'dnsZones', 'firewalls', 'instances', 'networks', 'routers', 'routes', 'subnetworks']);
    expect(denied.every((c) => c.status === 403 && c.errorKind === 'denied')).toBe(true);
    for (const p of ['northwind-gke-prod', 'northwind-gke-dev', 'northwind-data-prod', 'northwind-retail-svc', 'northwind-edge-prod']) expect(failed(result, p)).toEqual([]);
  });

  it('turns a disabled API into coverage carrying the gcloud fix', () => {
    const calls = failed(result, 'northwind-sandbox');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ api: 'container:clusters.list', dataset: 'clusters', errorKind: 'api-disabled', status: 403 });
    expect(calls[0]?.message).toContain('gcloud services enable container.googleapis.com --project=northwind-sandbox');
  });

  it('turns unreachable locations (missingZones) into coverage', () => {
    const calls = failed(result, 'northwind-flaky');
    expect(calls).toHaveLength(1);
    expect(calls[0]?.message).toMatch(/asia-east1-a.*missingZones/);
  });
});

describe('GCP collector, quota', () => {
  it('retries 403 rateLimitExceeded with backoff and counts the retries', async () => {
    sim.throttleNext('compute:firewalls.list', 2);
    const r = await collectAll(withGcp(config, { projects: ['northwind-data-prod'] }));
    const firewalls = r.calls.find((c) => c.api === 'compute:firewalls.list');
    expect(firewalls).toMatchObject({ ok: true, retries: 2 });
    expect(r.inventory.gcp.firewalls).toHaveLength(3);
  });

  it('gives up after its attempts and reports the call as throttled', async () => {
    sim.throttleNext('compute:routes.list', 50);
    try {
      const r = await collectAll(withGcp(config, { projects: ['northwind-data-prod'] }));
      expect(r.calls.find((c) => c.api === 'compute:routes.list')).toMatchObject({ ok: false, errorKind: 'throttled', status: 403 });
    } finally {
      sim.throttleNext('compute:routes.list', 0);
    }
  });
});

describe('GCP collector, Cloud Asset path', () => {
  it('plans every project of the organisation (folders walked) and reads the same inventory as the per-project path', async () => {
    const perProject = await collectAll(withGcp(config, { projects: ['northwind-gke-prod', 'northwind-gke-dev', 'northwind-data-prod', 'northwind-retail-svc', 'northwind-edge-prod', 'northwind-secops'] }));
    const before = sim.counts.get('asset:assets.list') ?? 0;
    const viaAsset = await collectAll(orgScope(config, ORG));
    expect(viaAsset.planCalls.every((c) => c.ok)).toBe(true);
    expect(sortedInventory(viaAsset.inventory.gcp)).toEqual(sortedInventory(perProject.inventory.gcp));
    expect((sim.counts.get('asset:assets.list') ?? 0) - before).toBeGreaterThan(1);
    // Record sets came with the zones as assets: no rrsets.list for a project Cloud Asset answered for.
    const rrsetCalls = viaAsset.calls.filter((c) => c.api === 'dns:resourceRecordSets.list');
    expect(rrsetCalls).toEqual([]);
    // The denied project is absent from Cloud Asset's answer: it is read per project, and fails visibly.
    expect(failed(viaAsset, 'northwind-secops').map((c) => c.status)).toEqual(Array.from({ length: 8 }, () => 403));
    // So are the empty projects, whose own calls show the disabled API and the unreachable location.
    expect(new Set(viaAsset.calls.filter((c) => !c.ok).map((c) => c.scope))).toEqual(new Set(['gcp/project/northwind-secops', 'gcp/project/northwind-sandbox', 'gcp/project/northwind-flaky']));
  });

  it('reads the records of a zone Cloud Asset gave no record set for through rrsets.list', async () => {
    const gcp = orgScope(config, ORG).clouds.gcp;
    if (!gcp) throw new Error('no gcp section');
    const real = await createGcpClients(gcp, { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 });
    // Cloud Asset as it would answer without record-set assets.
    const clients: GcpClients = {
      auth: real.auth,
      async get(api, path, query) {
        const page = await real.get(api, path, query);
        const assets = page['assets'];
        return api === 'asset' && Array.isArray(assets) ? { ...page, assets: assets.filter((a) => (a as { assetType?: string }).assetType !== 'dns.googleapis.com/ResourceRecordSet') } : page;
      },
    };
    const withRecordSets = new DatasetRecords();
    const env = { clients: real, limiter: new BucketLimiter({ perBucket: 4, global: 16 }) };
    await collectViaAsset({ kind: 'organization', id: ORG }, new Set(['northwind-gke-prod']), env, withRecordSets);
    const without = new DatasetRecords();
    const r = await collectViaAsset({ kind: 'organization', id: ORG }, new Set(['northwind-gke-prod']), { ...env, clients }, without);
    const zones = without.inventory.dnsZones;
    expect(zones.length).toBeGreaterThan(0);
    expect(r.calls.filter((c) => c.api === 'dns:resourceRecordSets.list' && c.ok)).toHaveLength(zones.length);
    expect(sortedInventory(without.inventory)).toEqual(sortedInventory(withRecordSets.inventory));
    expect(zones.every((z) => z.records.some((rec) => rec.type === 'SOA'))).toBe(true);
  });

  it('walks only the configured folder', async () => {
    const r = await collectAll(withGcp(config, { projects: [], folders: ['271828182845'] }));
    expect(new Set(r.inventory.gcp.clusters.map((c) => c.projectId))).toEqual(new Set(['northwind-retail-svc', 'northwind-edge-prod']));
  });
});

it('routes every request the collector made', () => {
  expect(sim.unrouted).toEqual([]);
});
