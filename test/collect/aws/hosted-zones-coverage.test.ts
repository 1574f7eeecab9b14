import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../shared/audit.js';
import { awsCollector } from '../../../shared/collect/aws/index.js';
import { startAwsSim, type AwsSim } from './harness.js';

/**
 * Route 53 is global: one ListHostedZones per account feeds the checks of every account-region's
 * VPCs. Found by the fault matrix: when that call failed, only the account's first region was a
 * coverage gap, and the other regions' VPCs were reported as having no private hosted zone.
 */
describe('a failed hosted-zone listing', () => {
  let sim: AwsSim;
  beforeAll(async () => {
    sim = await startAwsSim('hybrid-broken', { behaviour: { faults: { calls: [{ kind: 'denied', operation: 'route53:ListHostedZones' }] } } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('is coverage of hostedZones in every account-region of the account', async () => {
    const cfg = sim.config.clouds.aws;
    if (!cfg) throw new Error('no aws section');
    const run = await runAudit(sim.config, { clouds: ['aws'], collectors: [awsCollector] });
    const scopes = run.coverage.scopes.filter((s) => s.scope.cloud === 'aws');
    expect(scopes.length).toBeGreaterThan(cfg.accounts.length);
    for (const s of scopes) {
      expect(s.failed.map((f) => f.dataset), s.scope.id).toContain('hostedZones');
    }
    const undecided = new Set(run.undecided.filter((u) => u.ruleId === 'aws/route53-private-zone').map((u) => u.scope));
    for (const s of scopes) expect(undecided.has(`aws/account-region/${s.scope.id}`)).toBe(true);
  });
});
