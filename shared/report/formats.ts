/** Text renderings of the findings document: JSON, JSON Lines, CSV and Markdown. */
import { compareSeverity, SEVERITIES } from '../model/severity.js';
import { isFirstRun, resolvedFindings, type FindingsDocument, type FindingView } from './document.js';

export function renderJson(doc: FindingsDocument): string {
  return JSON.stringify(doc, null, 2);
}

/** One finding per line, each carrying the run id so that lines from many runs can be concatenated. */
export function renderJsonl(doc: FindingsDocument): string {
  return doc.findings.map((f) => JSON.stringify({ runId: doc.id, ...f })).join('\n');
}

function sorted(findings: readonly FindingView[]): FindingView[] {
  return [...findings].sort((a, b) => compareSeverity(a.severity, b.severity) || a.ruleId.localeCompare(b.ruleId) || a.resource.name.localeCompare(b.resource.name));
}

/**
 * One CSV cell: a spreadsheet would evaluate a cell starting with = + - @ (or a tab or CR that
 * some strip first), so those get a leading apostrophe; then RFC 4180 quoting.
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== safe.trim() ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const CSV_COLUMNS = ['severity', 'state', 'ruleId', 'cloud', 'scope', 'resourceName', 'resourceType', 'resourceId', 'title', 'message', 'remediation', 'monthlyCostUsd', 'exceptionReason', 'exceptionExpires', 'fingerprint'] as const;

/** RFC 4180: CRLF line ends, a header row, every row the same columns. */
export function renderCsv(doc: FindingsDocument): string {
  const rows = sorted(doc.findings).map((f) =>
    [f.severity, f.state, f.ruleId, f.cloud, f.scope, f.resource.name, f.resource.type, f.resource.id, f.title, f.message, f.remediation, f.cost ? f.cost.monthly.toFixed(2) : '', f.exception?.reason ?? '', f.exception?.expires ?? '', f.fingerprint],
  );
  return [[...CSV_COLUMNS], ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** Markdown text inline: no HTML, no table breaks, no accidental formatting from cloud data. */
function mdInline(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+!|<>&~]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`)).replace(/\r?\n/g, ' ');
}

/** A fenced block that the content cannot close early (the fence is longer than any backtick run inside). */
function mdFence(text: string, lang = ''): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${text.replace(/<\/details>/gi, '<\\/details>')}\n${fence}`;
}

/** Fits a PR comment: summary, then findings by severity, each a collapsible block with message, evidence and fix. */
export function renderMarkdown(doc: FindingsDocument): string {
  const out: string[] = [];
  const bySev = SEVERITIES.filter((s) => doc.counts.bySeverity[s] > 0).map((s) => `${doc.counts.bySeverity[s]} ${s}`);
  out.push(`## Airlock: ${doc.counts.total} finding(s)${bySev.length > 0 ? ` (${bySev.join(', ')})` : ''}`, '');
  out.push(`Run \`${mdInline(doc.id)}\` on ${doc.clouds.join(', ') || 'no cloud'}, ${doc.coverage.scopes.length} scope(s), finished ${doc.finishedAt}.`);
  const incomplete = doc.coverage.scopes.filter((s) => !s.complete);
  if (incomplete.length > 0) out.push('', `> **Incomplete:** ${incomplete.length} scope(s) could not be read completely: ${incomplete.map((s) => `\`${mdInline(`${s.scope.cloud}/${s.scope.kind}/${s.scope.id}`)}\``).join(', ')}.`);
  if (doc.undecided.length > 0) out.push('', `> ${doc.undecided.length} check(s) could not be decided.`);
  if (doc.drift && !isFirstRun(doc)) {
    const count = (state: string): number => doc.drift?.entries.filter((e) => e.state === state && !e.carriedOver).length ?? 0;
    out.push('', `**Since the previous run:** ${count('new')} new, ${count('regressed')} regressed, ${count('resolved')} resolved, ${count('persisting')} persisting, ${count('excepted')} excepted.`);
  }
  if (doc.findings.length > 0) {
    out.push('', '| Severity | Count |', '|---|---|', ...SEVERITIES.filter((s) => doc.counts.bySeverity[s] > 0).map((s) => `| ${s} | ${doc.counts.bySeverity[s]} |`));
  }
  const findings = sorted(doc.findings);
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    out.push('', `### ${severity.charAt(0).toUpperCase()}${severity.slice(1)} (${group.length})`, '');
    for (const f of group) {
      out.push('<details>', `<summary><code>${escapeHtmlText(f.ruleId)}</code> ${escapeHtmlText(f.resource.name)} — ${escapeHtmlText(f.state)}${f.exception ? ' (excepted)' : ''}</summary>`, '');
      out.push(mdInline(f.message), '');
      out.push(`Scope: \`${mdInline(f.scope)}\`  `, `Resource: \`${mdInline(f.resource.id)}\``, '');
      if (f.exception) out.push(`Excepted until ${mdInline(f.exception.expires)}: ${mdInline(f.exception.reason)}`, '');
      if (f.cost) out.push(`Cost: USD ${f.cost.monthly.toFixed(2)}/month (${mdInline(f.cost.basis)})`, '');
      out.push('Evidence:', '', mdFence(JSON.stringify(f.evidence, null, 2), 'json'), '');
      out.push('Fix:', '', mdFence(f.remediation, 'sh'), '', '</details>');
    }
  }
  const resolved = resolvedFindings(doc);
  if (resolved.length > 0) {
    out.push('', `### Resolved since the previous run (${resolved.length})`, '');
    for (const f of resolved) out.push(`- \`${mdInline(f.ruleId)}\` ${mdInline(f.resource.name)}`);
  }
  return out.join('\n');
}

/** Text inside an HTML element (the <summary> line of a Markdown comment). */
export function escapeHtmlText(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}
