import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Run } from '../../shared/model/run.js';
import { buildDocument, FINDING_STATES, type FindingsDocument } from '../../shared/report/document.js';
import { toDetectionFinding, toOcsfEvents } from '../../shared/report/ocsf.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { validateOcsfEvent } from './ocsf-validator.js';

const CLASS = 'events/findings/detection_finding.json';
const SCENARIOS = ['hybrid-broken', 'demo', 'conformant'];
const NOW = (): Date => new Date('2026-11-22T06:00:00Z');

describe('the OCSF validator', () => {
  it('rejects what the schema forbids', () => {
    const doc = { id: 'r', finishedAt: '2026-11-22T06:00:00Z' };
    const event = toDetectionFinding(sampleFinding(), doc, { productVersion: '0.1.0' });
    expect(validateOcsfEvent(event, CLASS)).toEqual([]);
    const broken = { ...event, severity_id: 7, finding_info: { title: 't' }, metadata: { product: { name: 'Airlock' } }, surprise: 1, time: 'yesterday' };
    const errors = validateOcsfEvent(broken, CLASS).join('\n');
    expect(errors).toContain('$.severity_id: 7 is not one of');
    expect(errors).toContain('$.finding_info.uid: required');
    expect(errors).toContain('$.metadata.version: required');
    expect(errors).toContain('$.surprise: not an attribute');
    expect(errors).toContain('$.time: expected timestamp_t');
    expect(validateOcsfEvent({ ...event, type_uid: 200401, activity_id: 2, activity_name: 'Update' }, CLASS).join()).toContain('type_uid');
    expect(validateOcsfEvent({ ...event, severity: 'Low' }, CLASS).join()).toContain('does not match severity_id');
  });
});

describe('drift state → activity and status', () => {
  const expected = { new: [1, 1], regressed: [1, 1], open: [1, 1], persisting: [2, 2], resolved: [3, 4], excepted: [2, 3] } as const;
  for (const state of FINDING_STATES) {
    it(`${state} → activity ${expected[state][0]}, status ${expected[state][1]}`, () => {
      const event = toDetectionFinding({ ...sampleFinding(), state }, { id: 'r', finishedAt: '2026-11-22T06:00:00Z' }, { productVersion: '0.1.0' });
      expect([event['activity_id'], event['status_id']]).toEqual(expected[state]);
      expect(event['type_uid']).toBe(200400 + expected[state][0]);
      expect(validateOcsfEvent(event, CLASS)).toEqual([]);
    });
  }
});

describe.each(SCENARIOS)('scenario %s: every exported event is a valid Detection Finding', (scenario) => {
  let sim: Simulator;
  let dir: string;
  let run: Run;
  let doc: FindingsDocument;
  beforeAll(async () => {
    sim = await startSimulator({ scenario, behaviour: { throttle: { enabled: false, resourceGraph: { quota: 100_000, windowSeconds: 5 } } } });
    dir = await mkdtemp(path.join(tmpdir(), 'airlock-ocsf-'));
    const { config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'));
    run = await runAudit(config, { clock: NOW });
    doc = buildDocument({ run, config });
  }, 120_000);
  afterAll(async () => {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('validates each event against the OCSF 1.8.0 source', () => {
    const events = toOcsfEvents(doc, { productVersion: '0.1.0', regionOf: () => 'westeurope' });
    expect(events).toHaveLength(run.findings.length);
    for (const [i, event] of events.entries()) {
      const f = run.findings[i];
      expect(validateOcsfEvent(event, CLASS), `${f?.ruleId ?? ''} ${f?.resource.id ?? ''}`).toEqual([]);
      expect((event['finding_info'] as { uid: string }).uid).toBe(f?.fingerprint);
    }
    if (scenario !== 'conformant') expect(events.length).toBeGreaterThan(5);
  });

  it('names the account of every cloud finding', () => {
    for (const event of toOcsfEvents(doc, { productVersion: '0.1.0' })) {
      const cloud = event['cloud'] as { provider: string; account?: { uid: string } };
      if (cloud.provider !== 'Airlock') expect(cloud.account?.uid, JSON.stringify(event['resources'])).toBeTruthy();
    }
  });
});

function sampleFinding(): FindingsDocument['findings'][number] {
  return {
    ruleId: 'azure/aks-private-api',
    severity: 'high',
    category: 'exposure',
    cloud: 'azure',
    scope: 'azure/subscription/5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01',
    resource: { id: '/subscriptions/5b0e2c1a-8d3f-4a6b-9c2e-7f1d0a3b4c01/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks1', type: 'Microsoft.ContainerService/managedClusters', name: 'aks1' },
    title: 'AKS API server is private',
    message: 'cluster aks1 has a public API server',
    evidence: { privateCluster: false },
    remediation: 'az aks update -g rg -n aks1 --enable-private-cluster',
    fingerprint: 'abc123',
    state: 'new',
  };
}
