import { countLines, summaryLine, truncate, type ChannelMessage, type MessageItem } from './message.js';

/** Teams Workflows webhooks refuse bodies past about 28 KB; keep a margin. */
export const TEAMS_MAX_BYTES = 28 * 1024;
const BUDGET_BYTES = 26 * 1024;
/** Teams renders up to 1.5 and mobile clients less: 1.4 keeps every element we use portable. */
const TEAMS_CARD_VERSION = '1.4';

type Element = Record<string, unknown>;

export interface TeamsPayload {
  type: 'message';
  attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive'; contentUrl: null; content: AdaptiveCard }];
}

interface AdaptiveCard {
  $schema: string;
  type: 'AdaptiveCard';
  version: string;
  body: Element[];
  actions?: Element[];
}

const COLOR: Record<MessageItem['state'], string> = { new: 'Attention', regressed: 'Attention', escalated: 'Attention', resolved: 'Good', open: 'Warning' };

function text(value: string, extra: Element = {}): Element {
  return { type: 'TextBlock', text: value, wrap: true, ...extra };
}

function itemContainer(i: MessageItem): Element {
  const f = i.finding;
  const items: Element[] = [
    text(`${i.state.toUpperCase()} · ${f.severity.toUpperCase()} · ${f.ruleId}`, { weight: 'Bolder', color: COLOR[i.state] }),
    text(`${f.resource.name} (${f.resource.type}) in ${f.scope}`, { isSubtle: true, spacing: 'None' }),
    text(truncate(f.message, 1_500)),
  ];
  if (i.note) items.push(text(i.note, { isSubtle: true }));
  if (i.changes.length > 0) items.push(text(`Changed: ${truncate(i.changes.slice(0, 5).join('; '), 800)}`));
  if (i.state !== 'resolved') items.push(text(`Fix: ${truncate(f.remediation, 600)}`, { fontType: 'Monospace' }));
  return { type: 'Container', separator: true, items };
}

function envelope(card: AdaptiveCard): TeamsPayload {
  return { type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card }] };
}

function bytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

/** An Adaptive Card (1.4) in the Workflows `message` envelope, under Teams' size limit. */
export function renderTeams(message: ChannelMessage): TeamsPayload {
  const summary = summaryLine(message);
  const title = message.mode === 'digest' ? `Airlock digest: ${summary}` : `Airlock: ${summary}`;
  const facts = countLines(message).map((c) => ({ title: c.state, value: c.text }));
  const body: Element[] = [text(title, { size: 'Large', weight: 'Bolder' }), text(`Run ${message.runId}`, { isSubtle: true, spacing: 'None' })];
  if (facts.length > 0) body.push({ type: 'FactSet', facts });
  if (!message.complete) {
    body.push(text(`Not every scope was read completely; ${String(message.carriedOver.findings)} finding(s) kept their previous state.`, { color: 'Warning' }));
  }
  const card: AdaptiveCard = { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: TEAMS_CARD_VERSION, body };
  if (message.reportUrl) card.actions = [{ type: 'Action.OpenUrl', title: 'Full report', url: message.reportUrl }];

  // Room for the closing "and N more" line.
  const reserve = 400;
  let shown = 0;
  let resolvedHeading = false;
  for (const i of message.items) {
    const extra: Element[] = [];
    if (i.state === 'resolved' && !resolvedHeading) extra.push(text('Resolved', { weight: 'Bolder', size: 'Medium', spacing: 'Large' }));
    extra.push(itemContainer(i));
    const next = { ...card, body: [...card.body, ...extra] };
    if (bytes(envelope(next)) + reserve > BUDGET_BYTES) break;
    card.body = next.body;
    shown += 1;
    if (i.state === 'resolved') resolvedHeading = true;
  }
  const rest = message.items.length - shown;
  if (rest > 0) {
    card.body.push(text(`…and ${String(rest)} more. ${message.reportUrl ? 'Open the full report for the rest.' : 'See the run report for the rest.'}`, { isSubtle: true }));
  }
  return envelope(card);
}
