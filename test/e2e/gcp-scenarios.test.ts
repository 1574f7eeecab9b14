import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { Run } from '../../shared/model/run.js';
import { fastCollector, orgScope, startGcpSim, type GcpSim } from '../collect/gcp/harness.js';

/**
 * The whole pipeline (plan → collect through the official Google clients → rules) against the GCP
 * emulation, on the per-project path and on the organisation-wide Cloud Asset path: the findings
 * must be exactly the scenario's GCP ground truth.
 */

const NOW = (): Date => new Date('2026-11-22T06:00:00Z');

const audit = (config: AirlockConfig): Promise<Run> => runAudit(config, { clouds: ['gcp'], collectors: [fastCollector], clock: NOW });

function pairs(run: Run): string[] {
  return [...new Set(run.findings.filter((f) => f.cloud === 'gcp' || f.resource.id.startsWith('gcp/')).map((f) => `${f.ruleId} ${f.resource.id.toLowerCase()}`))].sort();
}

function truthPairs(sim: GcpSim): string[] {
  const gcp = sim.sim.scenario.gcp?.truth ?? [];
  return [...new Set(gcp.map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`))].sort();
}

function organizationOf(sim: GcpSim): string {
  const org = sim.sim.scenario.gcp?.organization;
  if (!org) throw new Error('scenario without a GCP organisation');
  return org;
}

describe('hybrid-broken: GCP findings equal the ground truth', () => {
  let sim: GcpSim;
  let apiRun: Run;
  let assetRun: Run;
  beforeAll(async () => {
    sim = await startGcpSim('hybrid-broken');
    apiRun = await audit(sim.config);
    assetRun = await audit(orgScope(sim.config, organizationOf(sim)));
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports every ground-truth pair and nothing else (per-project path)', () => {
    expect(pairs(apiRun)).toEqual(truthPairs(sim));
  });

  it('reports the same on the Cloud Asset path', () => {
    expect(pairs(assetRun)).toEqual(truthPairs(sim));
    const key = (run: Run): string[] => run.findings.map((f) => `${f.ruleId}|${f.fingerprint}|${f.severity}`).sort();
    expect(key(assetRun)).toEqual(key(apiRun));
    expect(assetRun.apiCalls['gcp:asset:assets.list']).toBeGreaterThan(0);
  });

  it('marks only the denied project incomplete', () => {
    for (const run of [apiRun, assetRun]) {
      expect(run.coverage.scopes.filter((s) => !s.complete).map((s) => s.scope.id)).toEqual(['northwind-secops']);
      expect(run.complete).toBe(false);
    }
  });
});

describe('conformant: no GCP findings', () => {
  let sim: GcpSim;
  beforeAll(async () => {
    sim = await startGcpSim('conformant');
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports nothing and reads everything on both paths', async () => {
    for (const config of [sim.config, orgScope(sim.config, organizationOf(sim))]) {
      const run = await audit(config);
      expect(run.findings.map((f) => `${f.ruleId} ${f.resource.id}`)).toEqual([]);
      expect(run.undecided).toEqual([]);
      expect(run.complete).toBe(true);
      expect(run.coverage.scopes.map((s) => s.scope.id).sort()).toEqual(['acme-gke-data', 'acme-gke-edge', 'acme-gke-prod', 'acme-gke-svc']);
    }
  });
});

describe('Shared VPC host outside the audited scope', () => {
  let sim: GcpSim;
  beforeAll(async () => {
    sim = await startGcpSim('conformant', { gcp: { projects: ['acme-gke-svc'] } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('names the host network and leaves the network rules undecided, never passed', async () => {
    const run = await audit(sim.config);
    expect(run.findings).toEqual([]);
    expect(run.undecided.length).toBeGreaterThan(0);
    expect(run.undecided.every((u) => u.scope === 'gcp/project/acme-gke-svc' && /acme-gke-prod/.test(u.reason))).toBe(true);
  });
});
