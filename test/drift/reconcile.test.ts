import { describe, expect, it } from 'vitest';
import type { ExceptionConfig } from '../../shared/config/schema.js';
import {
  describeChange,
  diffEvidence,
  reconcile,
  summariseDrift,
  statesBefore,
  versionUpdates,
  type DriftState,
  type FindingState,
  type FindingStatus,
  type VersionedFindingState,
} from '../../shared/drift/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { buildMessage } from '../../shared/notify/message.js';
import { finding, LB1, LB2, LB3, run, SUB_A, SUB_B } from './fixtures.js';

const NOW = new Date('2026-11-22T06:00:00Z');

function stored(f: Finding, status: FindingStatus, extra: Partial<FindingState> = {}): FindingState {
  return {
    fingerprint: f.fingerprint,
    status,
    finding: f,
    firstSeen: '2026-11-01T00:00:00.000Z',
    lastSeen: '2026-11-21T06:00:00.000Z',
    transitions: 1,
    lastRunId: 'run-0',
    ...(status === 'resolved' ? { resolvedAt: '2026-11-21T06:00:00.000Z' } : {}),
    ...extra,
  };
}

const exception = (resource: string, expires: string): ExceptionConfig => ({
  rule: 'azure/lb-public-frontend',
  resource,
  reason: 'shared ingress, reviewed by netsec',
  expires,
});

interface Case {
  name: string;
  current: Finding[];
  previous: FindingState[];
  scopes?: Record<string, boolean>;
  /** Rule/scope pairs that could not decide (default: the LB rule in every incomplete scope). */
  undecided?: { ruleId: string; scope: string }[];
  /** Rules evaluated (default: the LB rule). */
  rules?: string[];
  exceptions?: ExceptionConfig[];
  now?: Date;
  /** Expected state per resource id, with carriedOver when true. */
  expect: Record<string, DriftState | `${DriftState} (carried)`>;
  /** Expected status written per resource id; resources absent here must not be written. */
  writes: Record<string, FindingStatus>;
}

const lb1 = finding({ resource: LB1, evidence: { publicFrontends: ['20.1.2.3'] } });
const lb2 = finding({ resource: LB2, severity: 'critical' });
const lb3 = finding({ resource: LB3, scope: SUB_B, severity: 'medium' });

const cases: Case[] = [
  { name: 'first sighting is new', current: [lb1], previous: [], expect: { [LB1]: 'new' }, writes: { [LB1]: 'open' } },
  { name: 'still there is persisting', current: [lb1], previous: [stored(lb1, 'open')], expect: { [LB1]: 'persisting' }, writes: { [LB1]: 'open' } },
  { name: 'back after being resolved is regressed', current: [lb1], previous: [stored(lb1, 'resolved')], expect: { [LB1]: 'regressed' }, writes: { [LB1]: 'open' } },
  { name: 'gone from a fully read scope is resolved', current: [], previous: [stored(lb1, 'open')], expect: { [LB1]: 'resolved' }, writes: { [LB1]: 'resolved' } },
  { name: 'already resolved and still gone is not reported again', current: [], previous: [stored(lb1, 'resolved')], expect: {}, writes: {} },
  {
    name: 'gone from a partly read scope is carried over, not resolved',
    current: [],
    previous: [stored(lb1, 'open'), stored(lb3, 'open')],
    scopes: { [SUB_A]: false, [SUB_B]: true },
    expect: { [LB1]: 'persisting (carried)', [LB3]: 'resolved' },
    writes: { [LB3]: 'resolved' },
  },
  {
    name: 'seen again in a partly read scope is not re-opened',
    current: [lb1],
    previous: [stored(lb1, 'resolved')],
    scopes: { [SUB_A]: false, [SUB_B]: true },
    expect: { [LB1]: 'resolved (carried)' },
    writes: {},
  },
  {
    name: 'back in a partly read scope whose failed data the rule does not read is regressed',
    current: [lb1],
    previous: [stored(lb1, 'resolved')],
    scopes: { [SUB_A]: false, [SUB_B]: true },
    undecided: [],
    expect: { [LB1]: 'regressed' },
    writes: { [LB1]: 'open' },
  },
  {
    name: 'gone from a partly read scope whose failed data the rule does not read is resolved',
    current: [],
    previous: [stored(lb1, 'open')],
    scopes: { [SUB_A]: false, [SUB_B]: true },
    undecided: [],
    expect: { [LB1]: 'resolved' },
    writes: { [LB1]: 'resolved' },
  },
  {
    name: 'gone from a fully read scope where the rule could not decide is carried over',
    current: [],
    previous: [stored(lb1, 'open')],
    undecided: [{ ruleId: 'azure/lb-public-frontend', scope: SUB_A }],
    expect: { [LB1]: 'persisting (carried)' },
    writes: {},
  },
  {
    name: 'a rule not evaluated in this run (disabled, or its cloud not audited) keeps its findings',
    current: [],
    previous: [stored(lb1, 'open')],
    rules: ['azure/aks-private-api'],
    expect: { [LB1]: 'persisting (carried)' },
    writes: {},
  },
  {
    name: 'a scope this run did not plan at all is carried over',
    current: [],
    previous: [stored(lb3, 'open')],
    scopes: { [SUB_A]: true },
    expect: { [LB3]: 'persisting (carried)' },
    writes: {},
  },
  {
    name: 'an active exception makes a finding excepted',
    current: [lb1, lb2],
    previous: [],
    exceptions: [exception('*/loadBalancers/kubernetes', '2026-12-31')],
    expect: { [LB1]: 'excepted', [LB2]: 'new' },
    writes: { [LB1]: 'excepted', [LB2]: 'open' },
  },
  {
    name: 'an exception holds through its expiry day',
    current: [lb1],
    previous: [stored(lb1, 'excepted')],
    exceptions: [exception(LB1, '2026-11-22')],
    now: new Date('2026-11-22T23:59:00Z'),
    expect: { [LB1]: 'excepted' },
    writes: { [LB1]: 'excepted' },
  },
  {
    name: 'an expired exception brings the finding back as new',
    current: [lb1],
    previous: [stored(lb1, 'excepted', { exception: { rule: 'azure/lb-public-frontend', resource: LB1, reason: 'r', expires: '2026-11-21' } })],
    exceptions: [exception(LB1, '2026-11-21')],
    expect: { [LB1]: 'new' },
    writes: { [LB1]: 'open' },
  },
  { name: 'an excepted finding that disappears is resolved', current: [], previous: [stored(lb1, 'excepted')], expect: { [LB1]: 'resolved' }, writes: { [LB1]: 'resolved' } },
  {
    name: 'an excepted finding in a partly read scope stays excepted',
    current: [],
    previous: [stored(lb1, 'excepted')],
    scopes: { [SUB_A]: false },
    expect: { [LB1]: 'excepted (carried)' },
    writes: {},
  },
];

describe('reconcile transitions', () => {
  it.each(cases)('$name', (c) => {
    const result = reconcile({
      run: run({ id: 'run-1', findings: c.current, ...(c.scopes ? { scopes: c.scopes } : {}), ...(c.undecided ? { undecided: c.undecided } : {}), ...(c.rules ? { rules: c.rules } : {}) }),
      previous: c.previous,
      exceptions: c.exceptions ?? [],
      now: c.now ?? NOW,
    });
    const got = Object.fromEntries(result.entries.map((e) => [e.finding.resource.id, e.carriedOver ? `${e.state} (carried)` : e.state]));
    expect(got).toEqual(c.expect);
    const writes = Object.fromEntries(result.updates.map((u) => [u.finding.resource.id, u.status]));
    expect(writes).toEqual(c.writes);
    for (const u of result.updates) expect(u.lastRunId).toBe('run-1');
  });

  it('says which scopes were carried over and counts by state and severity', () => {
    const result = reconcile({
      run: run({ id: 'run-1', findings: [lb2], scopes: { [SUB_A]: true, [SUB_B]: false } }),
      previous: [stored(lb3, 'open'), stored(lb1, 'open')],
      exceptions: [],
      now: NOW,
    });
    expect(result.carriedOver).toEqual({ scopes: [SUB_B], findings: 1 });
    expect(result.counts.new.critical).toBe(1);
    expect(result.counts.resolved.high).toBe(1);
    expect(result.counts.persisting.medium).toBe(1);
    expect(result.entries.map((e) => e.state)).toEqual(['new', 'resolved', 'persisting']);
  });

  it('orders entries by state, then most severe first', () => {
    const low = finding({ resource: `${LB1}-low`, severity: 'low' });
    const crit = finding({ resource: `${LB1}-crit`, severity: 'critical' });
    const result = reconcile({ run: run({ id: 'r', findings: [low, crit] }), previous: [], exceptions: [], now: NOW });
    expect(result.entries.map((e) => e.finding.severity)).toEqual(['critical', 'low']);
  });

  it('keeps firstSeen, sets openedAt on re-opening and resolvedAt on resolving', () => {
    const regress = reconcile({ run: run({ id: 'r', findings: [lb1] }), previous: [stored(lb1, 'resolved')], exceptions: [], now: NOW });
    expect(regress.updates[0]).toMatchObject({ firstSeen: '2026-11-01T00:00:00.000Z', openedAt: NOW.toISOString(), lastSeen: NOW.toISOString(), transitions: 2 });
    expect(regress.updates[0]?.resolvedAt).toBeUndefined();
    const resolve = reconcile({ run: run({ id: 'r', findings: [] }), previous: [stored(lb1, 'open')], exceptions: [], now: NOW });
    expect(resolve.updates[0]).toMatchObject({ status: 'resolved', resolvedAt: NOW.toISOString(), transitions: 2 });
  });
});

describe('evidence changes', () => {
  it('records what changed in the fields a finding rests on', () => {
    const before = finding({ resource: LB1, evidence: { publicFrontends: ['20.1.2.3'], peering: { exportCustomRoutes: true }, rules: 2 } });
    const after = finding({ resource: LB1, evidence: { publicFrontends: ['20.1.2.3', '20.1.2.4'], peering: { exportCustomRoutes: false }, sku: 'Standard' } });
    const result = reconcile({ run: run({ id: 'r', findings: [after] }), previous: [stored(before, 'open')], exceptions: [], now: NOW });
    const lines = result.entries[0]?.changes.map(describeChange);
    expect(lines).toEqual(['peering.exportCustomRoutes true → false', 'gained publicFrontends 20.1.2.4', 'rules no longer set (was 2)', 'sku set to Standard']);
  });

  it('compares against the evidence last seen when a finding regresses', () => {
    const before = finding({ resource: LB1, evidence: { publicFrontends: ['20.1.2.3'] } });
    const after = finding({ resource: LB1, evidence: { publicFrontends: ['20.9.9.9'] } });
    const result = reconcile({ run: run({ id: 'r', findings: [after] }), previous: [stored(before, 'resolved')], exceptions: [], now: NOW });
    expect(result.entries[0]?.state).toBe('regressed');
    expect(result.entries[0]?.changes.map(describeChange)).toEqual(['gained publicFrontends 20.9.9.9', 'lost publicFrontends 20.1.2.3']);
  });

  it('treats key order and list order of objects as no change', () => {
    expect(diffEvidence({ a: { x: 1, y: 2 }, l: [{ p: 1 }, { q: 2 }] }, { l: [{ q: 2 }, { p: 1 }], a: { y: 2, x: 1 } })).toEqual([]);
  });
});

describe('retried runs', () => {
  it('a retry after a partial write computes the same transitions from the prior states', () => {
    const prev: VersionedFindingState[] = [
      { state: stored(lb1, 'open'), prior: null },
      { state: stored(lb2, 'resolved'), prior: null },
    ];
    const current = run({ id: 'run-2', findings: [lb2, lb3] });
    const first = reconcile({ run: current, previous: statesBefore('run-2', prev), exceptions: [], now: NOW });
    // Simulate a crash after only some states were written.
    const written = versionUpdates('run-2', first.updates.slice(0, 2), prev);
    const afterCrash = [...prev.filter((p) => !written.some((w) => w.state.fingerprint === p.state.fingerprint)), ...written];
    const retry = reconcile({ run: current, previous: statesBefore('run-2', afterCrash), exceptions: [], now: NOW });
    expect(retry.entries).toEqual(first.entries);
    expect(retry.updates).toEqual(first.updates);
    // A retry's write keeps the original prior, not the half-written state.
    const rewritten = versionUpdates('run-2', retry.updates, afterCrash);
    expect(rewritten).toEqual(versionUpdates('run-2', first.updates, prev));
  });
});

describe('summariseDrift', () => {
  it('names each change and what changed in its evidence', () => {
    const before = finding({ resource: LB1, evidence: { exportCustomRoutes: true } });
    const after = finding({ resource: LB1, evidence: { exportCustomRoutes: false } });
    const gone = finding({ resource: LB3, scope: SUB_B, message: 'peering lost its route export' });
    const drift = reconcile({ run: run({ id: 'r', findings: [after, lb2] }), previous: [stored(before, 'open'), stored(gone, 'open')], exceptions: [], now: NOW });
    const lines = summariseDrift(drift);
    expect(lines[0]).toBe('drift: 1 new, 0 regressed, 1 resolved, 1 persisting, 0 excepted');
    expect(lines).toContain('  resolved  high     azure/lb-public-frontend kubernetes: peering lost its route export');
    expect(lines.some((l) => l.startsWith('  new       critical') && l.includes('ingress'))).toBe(true);
    expect(lines).toContain('  changed   high     azure/lb-public-frontend kubernetes: exportCustomRoutes true → false');
  });
});

describe('severity escalation', () => {
  it('tells a channel when an open finding becomes more severe, and not when it becomes less severe', () => {
    const medium = finding({ resource: LB1, severity: 'medium', evidence: { authorizedIpRanges: ['203.0.113.0/24'] } });
    const high = finding({ resource: LB1, severity: 'high', evidence: { authorizedIpRanges: ['0.0.0.0/0'] } });
    const channel = { name: 'sec', minSeverity: 'high' as const, mode: 'changes' as const };

    const up = reconcile({ run: run({ id: 'run-1', findings: [high] }), previous: [stored(medium, 'open')], exceptions: [], now: NOW });
    expect(up.entries.map((e) => [e.state, e.escalatedFrom])).toEqual([['persisting', 'medium']]);
    const message = buildMessage(up, { complete: true }, channel);
    expect(message?.items.map((i) => [i.state, i.note])).toEqual([['escalated', 'severity medium → high']]);
    expect(summariseDrift(up).some((l) => l.includes('escalated') && l.includes('medium → high'))).toBe(true);

    const down = reconcile({ run: run({ id: 'run-2', findings: [medium] }), previous: [stored(high, 'open')], exceptions: [], now: NOW });
    expect(down.entries[0]?.escalatedFrom).toBeUndefined();
    expect(buildMessage(down, { complete: true }, { ...channel, minSeverity: 'info' })).toBeUndefined();
  });
});
