import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { configSchema, type NotificationConfig } from '../../shared/config/schema.js';
import { reconcile, type FindingState } from '../../shared/drift/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { buildMessage, renderSlack, renderTeams, renderWebhook, SLACK_LIMITS, TEAMS_MAX_BYTES, WEBHOOK_MAX_BYTES, type ChannelMessage } from '../../shared/notify/index.js';
import { SEVERITIES } from '../../shared/model/severity.js';
import { finding, LB1, LB2, LB3, run, SUB_A, SUB_B } from '../drift/fixtures.js';
import { adaptiveCardProblems } from './adaptive-card.js';

const NOW = new Date('2026-11-22T06:00:00Z');

function channel(input: Partial<NotificationConfig> & { kind?: NotificationConfig['kind'] } = {}): NotificationConfig {
  const parsed = configSchema.parse({
    notifications: [{ name: 'ops', kind: input.kind ?? 'slack', url: 'env:HOOK', ...(input.kind === 'webhook' ? { signingSecret: 'env:SECRET' } : {}), ...input }],
  });
  const [c] = parsed.notifications;
  if (!c) throw new Error('no channel');
  return c;
}

function state(f: Finding, status: FindingState['status']): FindingState {
  return { fingerprint: f.fingerprint, status, finding: f, firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-21T00:00:00.000Z', transitions: 1, lastRunId: 'run-0' };
}

/** One of each: new (critical), regressed (high), resolved (high), persisting (high), excepted (high), and a low new one. */
function mixedDrift() {
  const newCrit = finding({ resource: LB1, severity: 'critical', message: 'load balancer kubernetes has public frontend 20.1.2.3' });
  const regressed = finding({ resource: LB2, evidence: { exportCustomRoutes: false } });
  const resolved = finding({ resource: LB3, scope: SUB_B, message: 'peering hub-to-aks does not export custom routes' });
  const persisting = finding({ resource: `${LB1}-persisting` });
  const excepted = finding({ resource: `${LB1}-excepted` });
  const lowNew = finding({ resource: `${LB1}-low`, severity: 'low' });
  const drift = reconcile({
    run: run({ id: 'run-7', findings: [newCrit, regressed, persisting, excepted, lowNew] }),
    previous: [state({ ...regressed, evidence: { exportCustomRoutes: true } }, 'resolved'), state(resolved, 'open'), state(persisting, 'open')],
    exceptions: [{ rule: 'azure/lb-public-frontend', resource: `${LB1}-excepted`, reason: 'accepted', expires: '2027-01-01' }],
    now: NOW,
  });
  return { drift, newCrit, regressed, resolved, lowNew };
}

function manyDrift(n: number) {
  const current: Finding[] = [];
  const previous: FindingState[] = [];
  for (let i = 0; i < n; i += 1) {
    const sev = SEVERITIES[i % 4] ?? 'high';
    current.push(finding({ resource: `${LB1}-${String(i)}`, severity: sev, message: `${'long message '.repeat(40)}${String(i)}`, evidence: { frontends: [`20.0.${String(i)}.1`] } }));
    previous.push(state(finding({ resource: `${LB2}-${String(i)}`, severity: sev }), 'open'));
  }
  return reconcile({ run: run({ id: 'run-big', findings: current }), previous, exceptions: [], now: NOW });
}

describe('message content', () => {
  it('lists exactly the new, regressed and resolved findings, most severe first, then resolved', () => {
    const { drift, newCrit, regressed, resolved, lowNew } = mixedDrift();
    const msg = buildMessage(drift, { complete: true }, channel({ minSeverity: 'low' }), { reportUrl: 'https://reports.example.org/run-7' });
    expect(msg?.items.map((i) => [i.state, i.finding.fingerprint])).toEqual([
      ['new', newCrit.fingerprint],
      ['regressed', regressed.fingerprint],
      ['new', lowNew.fingerprint],
      ['resolved', resolved.fingerprint],
    ]);
    expect(msg?.items[1]?.changes).toEqual(['exportCustomRoutes true → false']);
    expect(msg?.counts.persisting.high).toBe(1);
    expect(msg?.counts.excepted.high).toBe(1);
  });

  it('applies the channel minimum severity and clouds', () => {
    const { drift, lowNew } = mixedDrift();
    const msg = buildMessage(drift, { complete: true }, channel({ minSeverity: 'medium' }));
    expect(msg?.items.map((i) => i.finding.fingerprint)).not.toContain(lowNew.fingerprint);
    expect(buildMessage(drift, { complete: true }, channel({ clouds: ['gcp'] }))).toBeUndefined();
  });

  it('has nothing to say in changes mode when nothing changed, and lists all open findings in digest mode', () => {
    const f = finding({ resource: LB1 });
    const drift = reconcile({ run: run({ id: 'r', findings: [f] }), previous: [state(f, 'open')], exceptions: [], now: NOW });
    expect(buildMessage(drift, { complete: true }, channel())).toBeUndefined();
    const digest = buildMessage(drift, { complete: true }, channel({ mode: 'digest' }));
    expect(digest?.items.map((i) => [i.state, i.finding.fingerprint])).toEqual([['open', f.fingerprint]]);
  });
});

describe('Slack', () => {
  it('renders Block Kit with the finding, its resource and remediation, and a text fallback', () => {
    const { drift } = mixedDrift();
    const msg = buildMessage(drift, { complete: true }, channel(), { reportUrl: 'https://reports.example.org/run-7' }) as ChannelMessage;
    const payload = renderSlack(msg);
    expect(payload.text).toBe('Airlock: 1 new, 1 regressed, 1 resolved (run run-7)'); // the low one is under the default minimum (medium)
    const texts = payload.blocks.map((b) => ('text' in b ? b.text.text : ''));
    const newBlock = texts.find((t) => t.includes('public frontend 20.1.2.3'));
    expect(newBlock).toContain('NEW · CRITICAL');
    expect(newBlock).toContain('az network lb frontend-ip delete');
    expect(texts.some((t) => t.includes('exportCustomRoutes true → false'))).toBe(true);
    const resolvedIndex = texts.findIndex((t) => t === '*Resolved*');
    const regressedIndex = texts.findIndex((t) => t.includes('REGRESSED'));
    expect(resolvedIndex).toBeGreaterThan(regressedIndex);
  });

  it('stays within Slack limits and summarises the rest with a link to the report', () => {
    const msg = buildMessage(manyDrift(400), { complete: true }, channel({ minSeverity: 'info' }), { reportUrl: 'https://reports.example.org/big' }) as ChannelMessage;
    expect(msg.items).toHaveLength(800);
    const payload = renderSlack(msg);
    expect(payload.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
    expect(JSON.stringify(payload).length).toBeLessThan(SLACK_LIMITS.messageChars);
    for (const b of payload.blocks) {
      if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.sectionText);
      if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(SLACK_LIMITS.headerText);
    }
    const last = payload.blocks.at(-1);
    expect(last?.type === 'section' ? last.text.text : '').toMatch(/^…and \d+ more \(.*\)\. See the <https:\/\/reports\.example\.org\/big\|full report>\.$/);
    const first = payload.blocks.find((b) => b.type === 'section' && b.text.text.includes('NEW'));
    expect(first?.type === 'section' ? first.text.text : '').toContain('CRITICAL');
  });
});

const teamsEnvelopeSchema = {
  type: 'object',
  required: ['type', 'attachments'],
  additionalProperties: false,
  properties: {
    type: { const: 'message' },
    attachments: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['contentType', 'content'],
        properties: {
          contentType: { const: 'application/vnd.microsoft.card.adaptive' },
          contentUrl: { type: 'null' },
          content: { type: 'object', required: ['type', 'version', 'body'], properties: { type: { const: 'AdaptiveCard' }, version: { enum: ['1.0', '1.1', '1.2', '1.3', '1.4'] } } },
        },
      },
    },
  },
} as const;

describe('Teams', () => {
  const validateEnvelope = new Ajv({ allErrors: true }).compile(teamsEnvelopeSchema);

  it('renders a valid Adaptive Card 1.4 in the Workflows message envelope', () => {
    const { drift } = mixedDrift();
    const payload = renderTeams(buildMessage(drift, { complete: false }, channel({ kind: 'teams' }), { reportUrl: 'https://reports.example.org/run-7' }) as ChannelMessage);
    expect(validateEnvelope(payload), JSON.stringify(validateEnvelope.errors)).toBe(true);
    const card = payload.attachments[0].content;
    expect(adaptiveCardProblems(card, '1.4')).toEqual([]);
    const json = JSON.stringify(card);
    expect(json).toContain('load balancer kubernetes has public frontend 20.1.2.3');
    expect(json).toContain('exportCustomRoutes true → false');
    expect(json).toContain('Not every scope was read completely');
    expect(card.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Full report', url: 'https://reports.example.org/run-7' }]);
  });

  it('stays under 28 KB when there are too many findings, and still validates', () => {
    const payload = renderTeams(buildMessage(manyDrift(400), { complete: true }, channel({ kind: 'teams', minSeverity: 'info' })) as ChannelMessage);
    expect(Buffer.byteLength(JSON.stringify(payload))).toBeLessThan(TEAMS_MAX_BYTES);
    const card = payload.attachments[0].content;
    expect(adaptiveCardProblems(card, '1.4')).toEqual([]);
    expect(JSON.stringify(card.body.at(-1))).toMatch(/…and \d+ more/);
  });

  it('the validator rejects what Teams on 1.4 cannot render (a control for the check above)', () => {
    const problems = adaptiveCardProblems({ type: 'AdaptiveCard', version: '1.4', body: [{ type: 'Table', columns: [] }, { type: 'TextBlock', text: 'x', weight: 'Heavy' }] }, '1.4');
    expect(problems).toHaveLength(2);
  });
});

describe('webhook body', () => {
  it('carries the full findings with state and changes', () => {
    const { drift, regressed } = mixedDrift();
    const body = renderWebhook(buildMessage(drift, { complete: true }, channel({ kind: 'webhook', minSeverity: 'info' })) as ChannelMessage);
    expect(body.type).toBe('airlock.run.changes');
    expect(body.findings.map((f) => f.state)).toEqual(['new', 'regressed', 'new', 'resolved']);
    expect(body.findings[1]).toMatchObject({ fingerprint: regressed.fingerprint, changes: ['exportCustomRoutes true → false'], evidence: { exportCustomRoutes: false }, scope: SUB_A });
    expect(body.omitted).toBe(0);
  });

  it('leaves findings out past the size limit and says how many', () => {
    const body = renderWebhook(buildMessage(manyDrift(400), { complete: true }, channel({ kind: 'webhook', minSeverity: 'info' })) as ChannelMessage);
    expect(Buffer.byteLength(JSON.stringify(body))).toBeLessThanOrEqual(WEBHOOK_MAX_BYTES);
    expect(body.omitted).toBeGreaterThan(0);
    expect(body.findings.length + body.omitted).toBe(800);
  });
});
