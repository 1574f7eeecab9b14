import type { NotificationConfig } from '../config/schema.js';
import { describeChange, emptyDriftCounts, isChange, type DriftCounts, type DriftEntry, type DriftResult } from '../drift/index.js';
import type { Finding } from '../model/finding.js';
import { atLeast, compareSeverity } from '../model/severity.js';

/** What one channel is told about one run, before it is shaped for Slack, Teams or a webhook. */
export interface MessageItem {
  /** `open` only in digest mode: everything still open. `escalated`: still open, more severe than before. */
  state: 'new' | 'regressed' | 'escalated' | 'resolved' | 'open';
  finding: Finding;
  /** Evidence changes, as lines a person reads ("exportCustomRoutes true → false"). */
  changes: string[];
  note?: string;
  firstSeen: string;
}

export interface ChannelMessage {
  runId: string;
  channel: string;
  mode: 'changes' | 'digest';
  at: string;
  /** Counts by state and severity over the channel's clouds, at or above its minimum severity (what the items list). */
  counts: DriftCounts;
  /** New and regressed (most severe first), then resolved; in digest mode, every open finding. */
  items: MessageItem[];
  complete: boolean;
  carriedOver: { scopes: string[]; findings: number };
  reportUrl?: string;
}

type Channel = Pick<NotificationConfig, 'name' | 'minSeverity' | 'clouds' | 'mode'>;

function inClouds(finding: Finding, channel: Channel): boolean {
  // Findings about the audit itself (cloud `audit`) go only to channels that take every cloud.
  return channel.clouds === undefined || (finding.cloud !== 'audit' && channel.clouds.includes(finding.cloud));
}

function item(entry: DriftEntry, state: MessageItem['state']): MessageItem {
  return {
    state,
    finding: entry.finding,
    changes: entry.changes.map(describeChange),
    ...(entry.note === undefined ? {} : { note: entry.note }),
    firstSeen: entry.firstSeen,
  };
}

const bySeverity = (a: MessageItem, b: MessageItem): number =>
  compareSeverity(a.finding.severity, b.finding.severity) || a.finding.ruleId.localeCompare(b.finding.ruleId) || a.finding.resource.id.localeCompare(b.finding.resource.id);

/**
 * The message a channel gets for a run, or undefined when there is nothing to say: in `changes`
 * mode that is a run with no new, regressed, escalated or resolved finding at or above the channel's severity.
 */
export function buildMessage(
  drift: DriftResult,
  run: { complete: boolean },
  channel: Channel,
  options: { reportUrl?: string | undefined } = {},
): ChannelMessage | undefined {
  // Counted over the same entries the items come from, so a header never counts what the body leaves out.
  const relevant = drift.entries.filter((e) => inClouds(e.finding, channel) && atLeast(e.finding.severity, channel.minSeverity));
  const counts = emptyDriftCounts();
  for (const e of relevant) if (!(e.carriedOver && e.state === 'resolved')) counts[e.state][e.finding.severity] += 1;
  let items: MessageItem[];
  if (channel.mode === 'digest') {
    items = relevant.filter((e) => e.state === 'new' || e.state === 'regressed' || e.state === 'persisting').map((e) => item(e, 'open')).sort(bySeverity);
  } else {
    const changes = relevant.filter(isChange);
    const opened = changes
      .filter((e) => e.state !== 'resolved')
      .map((e) => (e.escalatedFrom === undefined ? item(e, e.state as 'new' | 'regressed') : { ...item(e, 'escalated'), note: `severity ${e.escalatedFrom} → ${e.finding.severity}` }))
      .sort(bySeverity);
    const resolved = changes.filter((e) => e.state === 'resolved').map((e) => item(e, 'resolved')).sort(bySeverity);
    items = [...opened, ...resolved];
    if (items.length === 0) return undefined;
  }
  return {
    runId: drift.runId,
    channel: channel.name,
    mode: channel.mode,
    at: drift.at,
    counts,
    items,
    complete: run.complete,
    carriedOver: drift.carriedOver,
    ...(options.reportUrl === undefined ? {} : { reportUrl: options.reportUrl }),
  };
}

/** "2 new, 1 regressed, 3 resolved" over the listed items. */
export function summaryLine(message: ChannelMessage): string {
  const count = (s: MessageItem['state']): number => message.items.filter((i) => i.state === s).length;
  if (message.mode === 'digest') return `${String(count('open'))} open finding(s)`;
  const parts = (['new', 'regressed', 'escalated', 'resolved'] as const).filter((s) => count(s) > 0).map((s) => `${String(count(s))} ${s}`);
  return parts.join(', ');
}

/**
 * Counts per state as "1 critical, 2 high", states with nothing left out. Escalated findings are
 * still open, so they are counted as persisting and named there ("2 high (1 escalated)").
 */
export function countLines(message: Pick<ChannelMessage, 'counts' | 'items'>): { state: string; text: string }[] {
  const escalated = message.items.filter((i) => i.state === 'escalated').length;
  const out: { state: string; text: string }[] = [];
  for (const state of ['new', 'regressed', 'resolved', 'persisting', 'excepted'] as const) {
    const row = message.counts[state];
    const parts = Object.entries(row)
      .filter(([, n]) => n > 0)
      .map(([sev, n]) => `${String(n)} ${sev}`);
    if (parts.length === 0) continue;
    out.push({ state, text: `${parts.join(', ')}${state === 'persisting' && escalated > 0 ? ` (${String(escalated)} escalated)` : ''}` });
  }
  return out;
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
