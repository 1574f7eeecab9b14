import type { DriftCounts } from '../drift/index.js';
import type { Finding } from '../model/finding.js';
import type { ChannelMessage, MessageItem } from './message.js';

/** Receivers commonly cap bodies around 256 KB–1 MB; stay small and say what was left out. */
export const WEBHOOK_MAX_BYTES = 256 * 1024;

interface WebhookFinding extends Pick<Finding, 'ruleId' | 'severity' | 'category' | 'cloud' | 'scope' | 'resource' | 'title' | 'message' | 'remediation' | 'evidence' | 'fingerprint'> {
  state: MessageItem['state'];
  changes: string[];
  note?: string;
  firstSeen: string;
}

export interface WebhookBody {
  type: 'airlock.run.changes' | 'airlock.run.digest';
  runId: string;
  channel: string;
  at: string;
  complete: boolean;
  counts: DriftCounts;
  carriedOver: { scopes: string[]; findings: number };
  findings: WebhookFinding[];
  /** Findings left out to keep the body under the size limit. */
  omitted: number;
  reportUrl?: string;
}

function toWebhookFinding(i: MessageItem): WebhookFinding {
  const f = i.finding;
  return {
    state: i.state,
    ruleId: f.ruleId,
    severity: f.severity,
    category: f.category,
    cloud: f.cloud,
    scope: f.scope,
    resource: f.resource,
    title: f.title,
    message: f.message,
    remediation: f.remediation,
    evidence: f.evidence,
    fingerprint: f.fingerprint,
    changes: i.changes,
    ...(i.note === undefined ? {} : { note: i.note }),
    firstSeen: i.firstSeen,
  };
}

/** The JSON body of a generic webhook; it is signed at delivery (Standard Webhooks). */
export function renderWebhook(message: ChannelMessage): WebhookBody {
  const body: WebhookBody = {
    type: message.mode === 'digest' ? 'airlock.run.digest' : 'airlock.run.changes',
    runId: message.runId,
    channel: message.channel,
    at: message.at,
    complete: message.complete,
    counts: message.counts,
    carriedOver: message.carriedOver,
    findings: [],
    omitted: 0,
    ...(message.reportUrl === undefined ? {} : { reportUrl: message.reportUrl }),
  };
  let size = Buffer.byteLength(JSON.stringify(body));
  for (const i of message.items) {
    const f = toWebhookFinding(i);
    const extra = Buffer.byteLength(JSON.stringify(f)) + 1;
    if (size + extra > WEBHOOK_MAX_BYTES - 64) {
      body.omitted += 1;
      continue;
    }
    body.findings.push(f);
    size += extra;
  }
  return body;
}
