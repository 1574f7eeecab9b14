import { countLines, summaryLine, truncate, type ChannelMessage, type MessageItem } from './message.js';

/** Slack's documented limits for incoming-webhook messages. */
export const SLACK_LIMITS = { blocks: 50, sectionText: 3_000, headerText: 150, messageChars: 40_000 } as const;
// Stay under the 40,000-character truncation point with room for JSON punctuation.
const MESSAGE_BUDGET = 35_000;

interface TextObject {
  type: 'mrkdwn' | 'plain_text';
  text: string;
}
type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text: TextObject }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

/** Slack mrkdwn needs only &, < and > escaped. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ICON: Record<MessageItem['state'], string> = { new: ':rotating_light:', regressed: ':repeat:', escalated: ':arrow_up:', resolved: ':white_check_mark:', open: ':warning:' };

function itemText(i: MessageItem): string {
  const f = i.finding;
  const head = `${ICON[i.state]} *${i.state.toUpperCase()} · ${f.severity.toUpperCase()}* \`${esc(f.ruleId)}\``;
  const resource = `*${esc(f.resource.name)}* (${esc(f.resource.type)}) in \`${esc(f.scope)}\``;
  const lines = [head, resource, esc(f.message)];
  if (i.note) lines.push(`_${esc(i.note)}_`);
  if (i.changes.length > 0) lines.push(`Changed: ${esc(i.changes.slice(0, 5).join('; '))}${i.changes.length > 5 ? ` (+${String(i.changes.length - 5)} more)` : ''}`);
  if (i.state !== 'resolved') lines.push(`Fix: \`${esc(truncate(f.remediation, 600))}\``);
  return truncate(lines.join('\n'), SLACK_LIMITS.sectionText);
}

function section(text: string): SlackBlock {
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(text, SLACK_LIMITS.sectionText) } };
}

/** One Block Kit message for a run, within Slack's limits, with a plain `text` fallback. */
export function renderSlack(message: ChannelMessage): SlackPayload {
  const summary = summaryLine(message);
  const title = message.mode === 'digest' ? `Airlock digest: ${summary}` : `Airlock: ${summary}`;
  const blocks: SlackBlock[] = [{ type: 'header', text: { type: 'plain_text', text: truncate(title, SLACK_LIMITS.headerText) } }];
  const counts = countLines(message).map((c) => `*${c.state}*: ${c.text}`);
  const facts = [`Run \`${esc(message.runId)}\``, ...counts];
  if (!message.complete) {
    facts.push(`:grey_question: Not every scope was read completely; ${String(message.carriedOver.findings)} finding(s) in ${String(message.carriedOver.scopes.length)} scope(s) kept their previous state.`);
  }
  blocks.push(section(facts.join('\n')), { type: 'divider' });

  // Reserve room for the resolved heading and the "and N more" line.
  const reserved = 2;
  let chars = JSON.stringify(blocks).length;
  let shown = 0;
  let resolvedHeading = false;
  for (const i of message.items) {
    const extra: SlackBlock[] = [];
    if (i.state === 'resolved' && !resolvedHeading) extra.push(section('*Resolved*'));
    extra.push(section(itemText(i)));
    const size = JSON.stringify(extra).length;
    if (blocks.length + extra.length > SLACK_LIMITS.blocks - reserved || chars + size > MESSAGE_BUDGET) break;
    blocks.push(...extra);
    chars += size;
    shown += 1;
    if (i.state === 'resolved') resolvedHeading = true;
  }
  const rest = message.items.slice(shown);
  if (rest.length > 0) {
    const byState = ['new', 'regressed', 'escalated', 'resolved', 'open']
      .map((s) => [s, rest.filter((i) => i.state === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${String(n)} ${s}`)
      .join(', ');
    const link = message.reportUrl ? ` See the <${message.reportUrl}|full report>.` : ' See the run report.';
    blocks.push(section(`…and ${String(rest.length)} more (${byState}).${link}`));
  } else if (message.reportUrl) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `<${message.reportUrl}|Full report>` }] });
  }
  const text = `${title} (run ${message.runId})`;
  return { text, blocks };
}
