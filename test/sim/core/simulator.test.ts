import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigFile } from '../../../shared/config/load.js';
import { generateScenario, parseGenerateSpec } from '../../../sim/generate.js';
import { startSimulator, type Scenario, type Simulator } from '../../../sim/index.js';
import { replayIndex } from '../../../sim/replay/index.js';
import { itRealdata, REALDATA } from '../../collect/azure/realdata.js';
import { get } from './fake-provider.js';

let dir: string;
let sim: Simulator | undefined;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-sim-'));
});
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const empty: Scenario = {
  name: 'empty',
  description: 'no clouds',
  config: { onPrem: { ranges: ['10.10.0.0/16'] }, clouds: { azure: { allowPublicFqdn: true } } },
  behaviour: { pageSize: { default: 7 } },
  truth: [],
};

describe('startSimulator', () => {
  it('serves three endpoints and applies scenario then option behaviour', async () => {
    sim = await startSimulator({ scenario: empty, behaviour: { latency: { meanMs: 0 }, pageSize: { providers: { gcp: 3 } } } });
    expect(sim.endpoints.azure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(sim.endpoints.azure.caPem).toContain('BEGIN CERTIFICATE');
    expect(sim.behaviour.pageSize).toMatchObject({ default: 7, providers: { gcp: 3 } });
    sim.setBehaviour({ pageSize: { default: 9 } });
    expect(sim.behaviour.pageSize).toMatchObject({ default: 9, providers: { gcp: 3 } });
  });

  it('writes an airlock.yaml that the configuration loader accepts, with the CA beside it', async () => {
    const estate = { projects: [{ id: 'acme-drift-one' }] };
    sim = await startSimulator({ scenario: { ...empty, gcp: estate as unknown as NonNullable<Scenario['gcp']> } });
    const file = path.join(dir, 'cfg', 'airlock.yaml');
    const written = await sim.writeConfig(file, { overrides: { cost: { transitMonthlyThreshold: 5 } } });
    expect(written.caFile).toBe(path.join(dir, 'cfg', 'simulator-ca.pem'));
    expect(await readFile(written.caFile, 'utf8')).toBe(sim.endpoints.azure.caPem);
    const config = await loadConfigFile(file);
    expect(config.clouds.azure).toMatchObject({
      credential: 'simulator',
      allowPublicFqdn: true,
      endpoints: { resourceManager: sim.endpoints.azure.url, caCertificateFile: written.caFile },
    });
    expect(config.clouds.gcp).toMatchObject({ credential: 'simulator', projects: ['acme-drift-one'], endpoints: { compute: sim.endpoints.gcp.url, container: sim.endpoints.gcp.url } });
    expect(config.clouds.aws).toMatchObject({ credential: 'simulator', endpoint: sim.endpoints.aws.url });
    expect(config.onPrem.ranges).toEqual(['10.10.0.0/16']);
    expect(config.cost.transitMonthlyThreshold).toBe(5);
    expect(config.store).toEqual({ kind: 'file', path: path.join(dir, 'cfg', '.airlock', 'state') });
    expect(parse(await readFile(file, 'utf8'))).toMatchObject({ clouds: { gcp: { projects: ['acme-drift-one'] } } });
  });

  it('replaceScenario rebuilds the providers from a changed estate', async () => {
    sim = await startSimulator({ scenario: empty });
    expect(sim.scopes().gcp.projects ?? []).toEqual([]);
    await sim.replaceScenario({ ...empty, gcp: { projects: [{ id: 'acme-drift-two' }] } as unknown as NonNullable<Scenario['gcp']> });
    expect(sim.scopes().gcp.projects).toEqual(['acme-drift-two']);
    expect(sim.scenario.gcp).toBeDefined();
  });

  it('loads a scenario by name', async () => {
    sim = await startSimulator({ scenario: 'hybrid-broken' });
    expect(sim.scenario.name).toBe('hybrid-broken');
  });
});

describe('parseGenerateSpec', () => {
  it('parses the CLI form and rejects what it does not know', () => {
    expect(parseGenerateSpec('subscriptions=20,projects=5,account-regions=2,seed=9')).toEqual({ subscriptions: 20, projects: 5, accountRegions: 2, seed: 9 });
    expect(() => parseGenerateSpec('subscriptions=-1')).toThrow(/whole number/);
    expect(() => parseGenerateSpec('clusters=3')).toThrow(/unknown key "clusters"/);
  });
});

// The one realdata directory of the tests (AIRLOCK_REALDATA_DIR, else ../shared/realdata).
const realdata = REALDATA;

describe('replay', () => {
  it('errors clearly when the realdata directory is absent', () => {
    expect(() => replayIndex({ dir: path.join(dir, 'missing') })).toThrow(/realdata directory .*missing does not exist/);
  });

  itRealdata('serves recorded bodies at their API paths', async () => {
    sim = await startSimulator({ scenario: empty, replay: { dir: realdata } });
    const ca = sim.endpoints.azure.caPem;
    const aks = '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/clitest000001/providers/Microsoft.ContainerService/managedClusters/cliakstest000001?api-version=2024-09-01';
    // Two azure-cli recordings of one cluster: before and after disabling the public FQDN, in order.
    const before = JSON.parse((await get(`${sim.endpoints.azure.url}${aks}`, { ca })).body) as { properties: { apiServerAccessProfile: Record<string, unknown> } };
    const after = JSON.parse((await get(`${sim.endpoints.azure.url}${aks}`, { ca })).body) as { properties: { apiServerAccessProfile: Record<string, unknown> } };
    expect(before.properties.apiServerAccessProfile['enablePrivateClusterPublicFQDN']).toBe(true);
    expect(after.properties.apiServerAccessProfile['enablePrivateClusterPublicFQDN']).toBe(false);

    const networks = await get(`${sim.endpoints.gcp.url}/compute/v1/projects/cloud-custodian/global/networks`);
    expect(networks.status).toBe(200);
    expect(JSON.parse(networks.body)).toMatchObject({ kind: 'compute#networkList' });

    const vpcs = await fetch(`${sim.endpoints.aws.url}/`, { method: 'POST', body: 'Action=DescribeVpcs&Version=2016-11-15', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(vpcs.status).toBe(200);
    expect(await vpcs.text()).toContain('<DescribeVpcsResponse');

    const missing = await get(`${sim.endpoints.gcp.url}/compute/v1/projects/nobody/global/networks`);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ error: { code: 404 } });
    expect(sim.counts().providers.azure.total).toBe(2);

    const { config } = await sim.writeConfig(path.join(dir, 'replay', 'airlock.yaml'));
    expect(config.clouds.azure?.subscriptions).toEqual(expect.arrayContaining(['00000000-0000-0000-0000-000000000000', 'ea42f556-5106-4743-99b0-c129bfa71a47']));
    expect(config.clouds.gcp?.projects).toEqual(expect.arrayContaining(['cloud-custodian', 'tf-project']));
    expect(config.clouds.aws).toMatchObject({ accounts: ['123456789012'], regions: ['us-east-1'] });
  });
});

describe('generateScenario', () => {
  it('composes the cloud generators, validates their estates and unions their truth', async () => {
    const seen: Record<string, number>[] = [];
    const scenario = await generateScenario(
      { subscriptions: 0, projects: 3, accountRegions: 2, seed: 5 },
      {
        gcp: (o) => {
          seen.push(o);
          return { projects: [{ id: 'gen-proj-0001' }], truth: [{ ruleId: 'gcp/gke-private-nodes', resourceId: 'projects/gen-proj-0001/locations/x/clusters/c' }] };
        },
        aws: (o) => {
          seen.push(o);
          return { truth: [{ ruleId: 'aws/eks-public-endpoint', resourceId: 'arn:aws:eks:eu-west-1:111122223333:cluster/c' }] };
        },
      },
    );
    expect(seen).toEqual([{ projects: 3, seed: 5 }, { accountRegions: 2, seed: 5 }]);
    expect(scenario.azure).toBeUndefined();
    expect(scenario.truth.map((t) => t.ruleId).sort()).toEqual(['aws/eks-public-endpoint', 'gcp/gke-private-nodes']);
    expect(scenario.config).toEqual({ onPrem: { ranges: ['10.10.0.0/16', '172.20.0.0/14'] } });
  });

  it('refuses an estate its cloud schema rejects', async () => {
    await expect(generateScenario({ subscriptions: 0, projects: 1, accountRegions: 0, seed: 1 }, { gcp: () => ({ projects: 'nope' }) })).rejects.toThrow(
      /generateGcpEstate produced an estate its schema rejects .*projects/,
    );
  });
});
