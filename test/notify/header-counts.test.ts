import { describe, expect, it } from 'vitest';
import { configSchema, type NotificationConfig } from '../../shared/config/schema.js';
import { reconcile, type DriftResult, type FindingState } from '../../shared/drift/index.js';
import type { Finding } from '../../shared/model/finding.js';
import { SEVERITIES, type Severity } from '../../shared/model/severity.js';
import { buildMessage, renderSlack, renderTeams, renderWebhook, type ChannelMessage } from '../../shared/notify/index.js';
import { finding, LB1, run } from '../drift/fixtures.js';

/**
 * What a channel's header and count facts say must be what its body lists, whatever the channel's
 * minimum severity: a reader who sees "1 new" in the header must find one new finding below.
 */

const NOW = new Date('2026-11-22T06:00:00Z');
type Listed = 'new' | 'regressed' | 'escalated' | 'resolved' | 'open';
type Tally = Partial<Record<Listed, number>>;

function channel(kind: NotificationConfig['kind'], minSeverity: Severity, mode: 'changes' | 'digest' = 'changes'): NotificationConfig {
  const parsed = configSchema.parse({
    notifications: [{ name: 'ops', kind, url: 'env:HOOK', minSeverity, mode, ...(kind === 'webhook' ? { signingSecret: 'env:SECRET' } : {}) }],
  });
  const [c] = parsed.notifications;
  if (!c) throw new Error('no channel');
  return c;
}

function state(f: Finding, status: FindingState['status']): FindingState {
  return { fingerprint: f.fingerprint, status, finding: f, firstSeen: '2026-11-01T00:00:00.000Z', lastSeen: '2026-11-21T00:00:00.000Z', transitions: 1, lastRunId: 'run-0' };
}

/** Every severity in every listed state: new, regressed, resolved, escalated (low → that severity), persisting, excepted. */
function everySeverityDrift(): DriftResult {
  const current: Finding[] = [];
  const previous: FindingState[] = [];
  for (const sev of SEVERITIES) {
    const at = (what: string, severity: Severity = sev) => finding({ resource: `${LB1}-${what}-${sev}`, severity });
    current.push(at('new'), at('regressed'), at('persisting'), at('excepted'));
    previous.push(state(at('regressed'), 'resolved'), state(at('resolved'), 'open'), state(at('persisting'), 'open'));
    if (sev !== 'info') {
      current.push(at('escalated'));
      previous.push(state(at('escalated', 'info'), 'open'));
    }
  }
  return reconcile({
    run: run({ id: 'run-counts', findings: current }),
    previous,
    exceptions: [{ rule: '*', resource: `${LB1}-excepted-*`, reason: 'accepted for the test', expires: '2099-01-01' }],
    now: NOW,
  });
}

function tally(states: readonly Listed[]): Tally {
  const out: Tally = {};
  for (const s of states) out[s] = (out[s] ?? 0) + 1;
  return out;
}

/** "Airlock: 2 new, 1 resolved" or "Airlock digest: 3 open finding(s)" → counts per state. */
function headerTally(title: string): Tally {
  const out: Tally = {};
  for (const m of title.matchAll(/(\d+) (new|regressed|escalated|resolved|open)\b/g)) out[m[2] as Listed] = Number(m[1]);
  return out;
}

/** "1 critical, 2 high (1 escalated)" → total, and how many of them are escalated. */
function factTotal(text: string): { total: number; escalated: number } {
  const main = text.replace(/\(.*\)/, '');
  const total = [...main.matchAll(/(\d+) (?:critical|high|medium|low|info)\b/g)].reduce((n, m) => n + Number(m[1]), 0);
  const escalated = Number(/\((\d+) escalated\)/.exec(text)?.[1] ?? 0);
  return { total, escalated };
}

/** The count facts as a tally of what the body must list, given the mode. */
function factsTally(facts: { state: string; text: string }[], mode: 'changes' | 'digest'): Tally {
  const out: Tally = {};
  for (const f of facts) {
    const { total, escalated } = factTotal(f.text);
    if (mode === 'digest') {
      if (f.state === 'new' || f.state === 'regressed' || f.state === 'persisting') out.open = (out.open ?? 0) + total;
    } else if (f.state === 'new' || f.state === 'regressed' || f.state === 'resolved') {
      out[f.state] = total;
    } else if (f.state === 'persisting' && escalated > 0) {
      out.escalated = escalated;
    }
  }
  return out;
}

function message(kind: NotificationConfig['kind'], minSeverity: Severity, mode: 'changes' | 'digest' = 'changes'): ChannelMessage {
  const msg = buildMessage(everySeverityDrift(), { complete: true }, channel(kind, minSeverity, mode));
  if (!msg) throw new Error(`no message at ${minSeverity}`);
  return msg;
}

const cases = SEVERITIES.flatMap((sev) => (['changes', 'digest'] as const).map((mode) => [sev, mode] as const));

describe('notification header counts agree with the body', () => {
  it.each(cases)('Slack at minSeverity %s (%s)', (minSeverity, mode) => {
    const payload = renderSlack(message('slack', minSeverity, mode));
    const texts = payload.blocks.map((b) => (b.type === 'section' || b.type === 'header' ? b.text.text : ''));
    const body = tally(texts.map((t) => /^:[a-z_]+: \*([A-Z]+) · /.exec(t)?.[1]?.toLowerCase()).filter((s): s is Listed => s !== undefined));
    expect(headerTally(texts[0] ?? '')).toEqual(body);
    const facts = (texts[1] ?? '').split('\n').flatMap((line) => {
      const m = /^\*(\w+)\*: (.*)$/.exec(line);
      return m ? [{ state: m[1] ?? '', text: m[2] ?? '' }] : [];
    });
    expect(factsTally(facts, mode)).toEqual(body);
  });

  it.each(cases)('Teams at minSeverity %s (%s)', (minSeverity, mode) => {
    const card = renderTeams(message('teams', minSeverity, mode)).attachments[0].content;
    const containers = card.body.filter((e) => e['type'] === 'Container') as { items: { text: string }[] }[];
    const body = tally(containers.map((c) => (c.items[0]?.text.split(' · ')[0] ?? '').toLowerCase() as Listed));
    expect(headerTally(String(card.body[0]?.['text']))).toEqual(body);
    const factSet = card.body.find((e) => e['type'] === 'FactSet') as { facts: { title: string; value: string }[] } | undefined;
    expect(factsTally((factSet?.facts ?? []).map((f) => ({ state: f.title, text: f.value })), mode)).toEqual(body);
  });

  it.each(cases)('webhook at minSeverity %s (%s)', (minSeverity, mode) => {
    const body = renderWebhook(message('webhook', minSeverity, mode));
    const listed = tally(body.findings.map((f) => f.state));
    const sum = (s: keyof typeof body.counts) => Object.values(body.counts[s]).reduce((a, b) => a + b, 0);
    if (mode === 'digest') {
      expect({ open: sum('new') + sum('regressed') + sum('persisting') }).toEqual(listed);
    } else {
      const counted: Tally = {};
      for (const s of ['new', 'regressed', 'resolved'] as const) if (sum(s) > 0) counted[s] = sum(s);
      expect(counted).toEqual({ ...listed, escalated: undefined });
      // Escalated findings are still open: counted as persisting, at a severity the channel takes.
      expect(sum('persisting')).toBeGreaterThanOrEqual(listed.escalated ?? 0);
    }
    // Nothing under the channel's minimum is counted.
    const below = SEVERITIES.slice(SEVERITIES.indexOf(minSeverity) + 1);
    for (const s of ['new', 'regressed', 'resolved', 'persisting', 'excepted'] as const) for (const sev of below) expect(body.counts[s][sev], `${s} ${sev}`).toBe(0);
  });
});

describe('header counts when the body is cut at the platform limit', () => {
  it('Slack: what is shown plus the "and N more" line adds up to the header', () => {
    const current: Finding[] = [];
    const previous: FindingState[] = [];
    for (let i = 0; i < 120; i += 1) {
      const sev = SEVERITIES[i % SEVERITIES.length] ?? 'high';
      current.push(finding({ resource: `${LB1}-n${String(i)}`, severity: sev, message: `${'long message '.repeat(30)}${String(i)}` }));
      previous.push(state(finding({ resource: `${LB1}-r${String(i)}`, severity: sev }), 'open'));
    }
    const drift = reconcile({ run: run({ id: 'run-big', findings: current }), previous, exceptions: [], now: NOW });
    const payload = renderSlack(buildMessage(drift, { complete: true }, channel('slack', 'high')) as ChannelMessage);
    const texts = payload.blocks.map((b) => (b.type === 'section' || b.type === 'header' ? b.text.text : ''));
    const shown = tally(texts.map((t) => /^:[a-z_]+: \*([A-Z]+) · /.exec(t)?.[1]?.toLowerCase()).filter((s): s is Listed => s !== undefined));
    const more = headerTally(/^…and \d+ more \((.*)\)/.exec(texts.at(-1) ?? '')?.[1] ?? '');
    expect(Object.keys(more).length).toBeGreaterThan(0);
    const total: Tally = { ...shown };
    for (const [s, n] of Object.entries(more) as [Listed, number][]) total[s] = (total[s] ?? 0) + n;
    expect(headerTally(texts[0] ?? '')).toEqual(total);
    expect(headerTally(texts[0] ?? '')).toEqual({ new: 48, resolved: 48 }); // critical and high only
  });
});
