import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../../shared/audit.js';
import { startGcpSim, fastCollector, type GcpSim } from './harness.js';

/**
 * Found by the fault matrix: a Cloud DNS answer whose body does not parse as JSON came back from
 * gaxios as text, was read as a page without record sets, and the zone was reported without its
 * *.gcr.io record (gcp/restricted-vip-dns, a false positive) with the project complete.
 */
describe('a malformed Cloud DNS answer', () => {
  let sim: GcpSim;
  beforeAll(async () => {
    sim = await startGcpSim('hybrid-broken', { behaviour: { faults: { calls: [{ kind: 'malformed', operation: 'dns:*' }] } } });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('is malformed coverage of dnsZones in its project, never an empty zone', async () => {
    const run = await runAudit(sim.config, { clouds: ['gcp'], collectors: [fastCollector] });
    // hybrid-broken's denied project answers 403 before any body is read.
    const dns = run.coverage.calls.filter((c) => c.api.startsWith('dns:') && c.status !== 403);
    expect(dns.length).toBeGreaterThan(0);
    for (const c of dns) expect(c, c.message).toMatchObject({ ok: false, errorKind: 'malformed', dataset: 'dnsZones' });
    expect(dns[0]?.message).toMatch(/is not a JSON object \(got \d+ characters of text\)/);
    const projects = run.coverage.scopes.filter((s) => s.scope.cloud === 'gcp');
    expect(projects.every((s) => !s.complete)).toBe(true);
  });
});
