import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Run } from '../../shared/model/run.js';
import { azureCollector } from '../../shared/collect/azure/index.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import { generateScenario } from '../../sim/generate.js';
import { startAzureSim, type AzureSim } from '../collect/azure/harness.js';

/**
 * The whole pipeline (plan → collect through the real SDK clients → rules) against the Azure
 * emulation: the findings must be exactly the scenario's Azure ground truth.
 */

const NOW = (): Date => new Date('2026-11-22T06:00:00Z');

function withSource(config: AirlockConfig, inventorySource: 'resource-graph' | 'arm'): AirlockConfig {
  const azure = config.clouds.azure;
  if (!azure) throw new Error('the simulator config has no azure section');
  return { ...config, clouds: { ...config.clouds, azure: { ...azure, inventorySource } } };
}

function pairs(run: Run): string[] {
  return [...new Set(run.findings.filter((f) => f.cloud === 'azure' || f.resource.id.startsWith('azure/')).map((f) => `${f.ruleId} ${f.resource.id.toLowerCase()}`))].sort();
}

function truthPairs(sim: AzureSim): string[] {
  return [...new Set(sim.sim.scenario.truth.filter((t) => t.ruleId.startsWith('azure/') || t.resourceId.toLowerCase().startsWith('azure/')).map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`))].sort();
}

describe('hybrid-broken: Azure findings equal the ground truth', () => {
  let sim: AzureSim;
  let graphRun: Run;
  let armRun: Run;

  beforeAll(async () => {
    sim = await startAzureSim('hybrid-broken');
    graphRun = await runAudit(sim.config, { clouds: ['azure'], collectors: [azureCollector], clock: NOW });
    armRun = await runAudit(withSource(sim.config, 'arm'), { clouds: ['azure'], collectors: [azureCollector], clock: NOW });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports every ground-truth pair and nothing else (Resource Graph path)', () => {
    expect(pairs(graphRun)).toEqual(truthPairs(sim));
  });

  it('decides for the clusters whose subscriptions were read (only the denied one is undecided)', () => {
    expect(new Set(graphRun.undecided.map((u) => u.scope))).toEqual(new Set(['azure/subscription/9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c05']));
  });

  it('marks the denied subscription incomplete and keeps the others complete', () => {
    const denied = graphRun.coverage.scopes.find((s) => s.scope.id === '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c05');
    expect(denied?.complete).toBe(false);
    expect(denied?.failed.every((f) => f.status === 403 || f.message.includes('not attempted'))).toBe(true);
    const others = graphRun.coverage.scopes.filter((s) => s.scope.id !== '9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c05');
    expect(others).toHaveLength(4);
    expect(others.every((s) => s.complete)).toBe(true);
    expect(graphRun.complete).toBe(false);
  });

  it('gives identical findings on the ARM path', () => {
    const key = (run: Run): string[] => run.findings.map((f) => `${f.ruleId}|${f.fingerprint}|${f.severity}`).sort();
    expect(key(armRun)).toEqual(key(graphRun));
    expect(Object.keys(armRun.apiCalls).some((k) => k.startsWith('azure:arm:managedClusters.list'))).toBe(true);
    expect(graphRun.apiCalls['azure:resourcegraph:resources']).toBeGreaterThanOrEqual(12);
  });
});

describe('conformant: no Azure findings', () => {
  let sim: AzureSim;
  beforeAll(async () => {
    sim = await startAzureSim('conformant');
  });
  afterAll(async () => {
    await sim.stop();
  });

  for (const source of ['resource-graph', 'arm'] as const) {
    it(`reports nothing and reads everything (${source})`, async () => {
      const run = await runAudit(withSource(sim.config, source), { clouds: ['azure'], collectors: [azureCollector], clock: NOW });
      expect(run.findings.map((f) => `${f.ruleId} ${f.resource.id}`)).toEqual([]);
      expect(run.undecided).toEqual([]);
      expect(run.complete).toBe(true);
      expect(run.coverage.scopes).toHaveLength(3);
      // The spokes use the hub's gateway: their peering cost was queried (and is below a gateway's).
      expect(run.apiCalls['azure:costmanagement:query']).toBe(2);
    });
  }
});

describe('demo: the handful of Azure findings it promises', () => {
  let sim: AzureSim;
  beforeAll(async () => {
    // The demo's latency is for people watching; it changes no result.
    sim = await startAzureSim('demo', { behaviour: { latency: { meanMs: 0, jitterMs: 0 } } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports exactly its ground truth', async () => {
    const run = await runAudit(sim.config, { clouds: ['azure'], collectors: [azureCollector], clock: NOW });
    expect(pairs(run)).toEqual(truthPairs(sim));
    expect(run.complete).toBe(true);
  });
});

describe('generated estate: the generator truth is what the auditor finds', () => {
  let sim: AzureSim;
  beforeAll(async () => {
    const scenario = await generateScenario({ subscriptions: 70, projects: 0, accountRegions: 0, seed: 11 });
    sim = await startAzureSim(scenario);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports exactly the generated ground truth on both paths', async () => {
    const expected = truthPairs(sim);
    expect(expected.length).toBeGreaterThan(5);
    for (const source of ['resource-graph', 'arm'] as const) {
      const run = await runAudit(withSource(sim.config, source), { clouds: ['azure'], collectors: [azureCollector], clock: NOW, concurrency: 8 });
      expect(pairs(run)).toEqual(expected);
    }
  });
});
