import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { awsCollector } from '../../shared/collect/aws/index.js';
import type { Run } from '../../shared/model/run.js';
import { NOW, startAwsSim, type AwsSim } from '../collect/aws/harness.js';

/**
 * The whole pipeline (plan → collect through the real AWS SDK v3 clients → rules) against the AWS
 * emulation: the findings must be exactly the scenario's AWS ground truth.
 */

const clock = (): Date => NOW;

function pairs(run: Run): string[] {
  return [...new Set(run.findings.filter((f) => f.cloud === 'aws' || f.resource.id.startsWith('aws/')).map((f) => `${f.ruleId} ${f.resource.id.toLowerCase()}`))].sort();
}

function truthPairs(sim: AwsSim): string[] {
  const aws = sim.sim.scenario.aws?.truth ?? [];
  return [...new Set(aws.map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`))].sort();
}

describe('hybrid-broken: AWS findings equal the ground truth', () => {
  let sim: AwsSim;
  let run: Run;
  beforeAll(async () => {
    sim = await startAwsSim('hybrid-broken');
    run = await runAudit(sim.config, { clouds: ['aws'], collectors: [awsCollector], clock });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports every ground-truth pair and nothing else', () => {
    expect(pairs(run)).toEqual(truthPairs(sim));
  });

  it('marks only the denied account-region incomplete', () => {
    const incomplete = run.coverage.scopes.filter((s) => !s.complete).map((s) => s.scope.id);
    expect(incomplete).toEqual(['888899990000/ap-southeast-2']);
    expect(run.coverage.scopes.length).toBeGreaterThan(4);
  });

  it('asks Cost Explorer once per account', () => {
    const accounts = new Set(run.coverage.scopes.map((s) => s.scope.id.split('/')[0]));
    expect(run.apiCalls['aws:ce:GetCostAndUsage']).toBe(accounts.size);
  });
});

describe('conformant: no AWS findings', () => {
  let sim: AwsSim;
  beforeAll(async () => {
    sim = await startAwsSim('conformant');
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reports nothing and reads everything', async () => {
    const run = await runAudit(sim.config, { clouds: ['aws'], collectors: [awsCollector], clock });
    expect(run.findings.map((f) => `${f.ruleId} ${f.resource.id}`)).toEqual([]);
    expect(run.undecided).toEqual([]);
    expect(run.complete).toBe(true);
  });
});
