import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Run } from '../../shared/model/run.js';
import { azureCollector } from '../../shared/collect/azure/index.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import { unfilledPlaceholders } from '../../shared/rules/kit.js';
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

  it('gives every Azure finding a remediation filled with its real names', () => {
    const azure = graphRun.findings.filter((f) => f.ruleId.startsWith('azure/'));
    for (const f of azure) expect(unfilledPlaceholders(f.remediation), `${f.ruleId} ${f.resource.id}: ${f.remediation}`).toEqual([]);
    const fix = (ruleId: string, name: string): string => azure.find((f) => f.ruleId === ruleId && f.resource.name === name)?.remediation ?? '';
    const prod = '8f3c6d2e-1a4b-4c7d-8e9f-0a1b2c3d4e02';
    expect(fix('azure/aks-egress-bypass', 'aks-prod-weu')).toContain(`az aks update --subscription ${prod} -g rg-aks-prod-weu -n aks-prod-weu --outbound-type userDefinedRouting`);
    // The hub firewall's private IP, found through the spoke's peering.
    expect(fix('azure/aks-egress-bypass', 'aks-prod-weu')).toContain('--next-hop-ip-address 10.100.0.68');
    expect(fix('azure/hub-peering-cost', 'vnet-aks-prod-weu')).toMatch(new RegExp(`--subscription ${prod} -g rg-aks-prod-weu --vnet-name vnet-aks-prod-weu -n \\S+ --set useRemoteGateways=false`));
    // The hub already has a resolver endpoint: linking the dev cluster's zone to the hub is the whole fix.
    expect(fix('azure/onprem-dns-path', 'aks-dev-weu')).toContain('in-onprem (10.100.1.4)');
    expect(fix('azure/onprem-dns-path', 'aks-dev-weu')).toContain('/resourceGroups/rg-hub-weu/providers/Microsoft.Network/virtualNetworks/vnet-hub-weu -e false');
    expect(fix('azure/aks-private-dns-record', 'aks-ops-neu')).toContain('az network private-dns zone create --subscription 4a6c8e0f-2b3d-4f5a-9b7c-1d2e3f4a5b04 -g rg-dns-neu -n privatelink.northeurope.azmk8s.io');
    expect(fix('azure/public-ip-in-node-rg', 'kubernetes-ingress-old-7d2f')).toContain(`az network public-ip delete --subscription ${prod} -g MC_rg-aks-prod-weu_aks-prod-weu_westeurope -n kubernetes-ingress-old-7d2f`);
    // The tenant's Service IP is behind inbound rules: not mistaken for the egress IP.
    expect(fix('azure/public-ip-in-node-rg', 'kubernetes-a1f0c4d2e6b84a7f9c3e5d7b1a2c4e6f')).toContain('grep -w 20.103.41.17');
    expect(fix('azure/bastion-cost', 'bas-hub-weu')).toContain('az extension add --name bastion');
    // Bastion Standard is priced: no run warns about a missing price.
    expect(azure.find((f) => f.ruleId === 'azure/bastion-cost')?.cost?.monthly).toBe(211.7);
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
