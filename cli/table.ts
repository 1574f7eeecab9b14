import type { AirlockConfig, ExceptionConfig } from '../shared/config/schema.js';
import type { DriftResult } from '../shared/drift/reconcile.js';
import { summariseDrift } from '../shared/drift/index.js';
import type { Finding } from '../shared/model/finding.js';
import type { Run } from '../shared/model/run.js';
import type { ScopeKey } from '../shared/model/scope.js';
import { compareSeverity, SEVERITIES } from '../shared/model/severity.js';
import type { PublishResult } from '../shared/publish.js';
import { exceptionExpired, exceptionMatches } from '../shared/util/exceptions.js';

/** The exception that accepts a finding at `now`, if any. */
export function exceptionFor(finding: Finding, config: AirlockConfig, now: Date): ExceptionConfig | undefined {
  return config.exceptions.find((e) => !exceptionExpired(e, now) && exceptionMatches(e, finding));
}

/** Control characters (ANSI escapes from cloud data) never reach the terminal. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const printable = (text: string): string => text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

/** Word-wraps one paragraph to `width` columns, every line after the first indented by `indent`. */
export function wrap(text: string, width: number, indent: string): string[] {
  const out: string[] = [];
  const room = Math.max(20, width - indent.length);
  for (const paragraph of printable(text).split(/\r?\n/)) {
    let line = '';
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      // A word longer than the line (an ARM id, a URL) is cut rather than overflowing.
      let w = word;
      while (w.length > room) {
        if (line) out.push(line);
        out.push(w.slice(0, room));
        w = w.slice(room);
        line = '';
      }
      if (line.length === 0) line = w;
      else if (line.length + 1 + w.length <= room) line += ` ${w}`;
      else {
        out.push(line);
        line = w;
      }
    }
    if (line) out.push(line);
  }
  return out.map((l) => `${indent}${l}`);
}

/** `sub-prod (5b0e2c1a…)` where the API gave a name, else the id. */
export function scopeLabel(run: Pick<Run, 'coverage'>, key: ScopeKey): string {
  const sc = run.coverage.scopes.find((s) => `${s.scope.cloud}/${s.scope.kind}/${s.scope.id.toLowerCase()}` === key.toLowerCase());
  if (!sc) return key;
  const { kind, id, name } = sc.scope;
  return name && name !== id ? `${kind} ${name} (${id.length > 12 ? `${id.slice(0, 8)}…` : id})` : `${kind} ${id}`;
}

/** Undecided checks, one line per scope: how many rules, and which datasets could not be read there. */
function undecidedLines(run: Run, width: number): string[] {
  const byScope = new Map<ScopeKey, Run['undecided']>();
  for (const u of run.undecided) byScope.set(u.scope, [...(byScope.get(u.scope) ?? []), u]);
  const lines: string[] = [];
  for (const [scope, items] of byScope) {
    const failed = run.coverage.scopes.find((s) => `${s.scope.cloud}/${s.scope.kind}/${s.scope.id.toLowerCase()}` === scope)?.failed ?? [];
    const rules = new Set(items.map((u) => u.ruleId));
    if (failed.length > 0) {
      const datasets = [...new Set(failed.map((f) => f.dataset === '*' ? 'everything' : f.dataset))];
      const statuses = [...new Set(failed.map((f) => f.status ?? f.errorKind).filter((s) => s !== undefined))];
      const shown = datasets.length > 4 ? [...datasets.slice(0, 4), '…'] : datasets;
      lines.push(...wrap(`${scopeLabel(run, scope)}: ${rules.size} rule(s) could not decide — ${shown.join(', ')} unreadable${statuses.length > 0 ? ` (${statuses.join(', ')})` : ''}`, width, '  '));
    } else {
      for (const u of items) lines.push(...wrap(`${scopeLabel(run, scope)}: ${u.ruleId} could not decide: ${u.reason}`, width, '  '));
    }
  }
  return lines;
}

/** True on a run whose store held nothing before: every entry new, nothing resolved. */
function firstRun(drift: DriftResult): boolean {
  return drift.entries.every((e) => e.previous === undefined && e.state !== 'resolved');
}

export interface TableOptions {
  width: number;
  now: Date;
}

/**
 * The terminal report: a one-line summary, findings grouped by severity (each with where it is,
 * what is wrong and the command that fixes it), excepted findings marked with the exception,
 * undecided checks grouped per scope, then the drift since the last run.
 */
export function renderTableReport(run: Run, config: AirlockConfig, published: PublishResult | undefined, options: TableOptions): string {
  const { width } = options;
  const parts: string[] = [];
  const sev = SEVERITIES.filter((s) => run.counts.bySeverity[s] > 0).map((s) => `${run.counts.bySeverity[s]} ${s}`);
  const unread = run.coverage.scopes.filter((s) => !s.complete);
  parts.push(
    ...wrap(`Run ${run.id}: ${run.coverage.scopes.length} scope(s) on ${run.clouds.join(', ') || 'no cloud'}, ${run.counts.total} finding(s)${sev.length > 0 ? ` (${sev.join(', ')})` : ''}${unread.length > 0 ? `, ${unread.length} scope(s) incomplete` : ''}`, width, ''),
  );
  const findings = [...run.findings].sort((a, b) => compareSeverity(a.severity, b.severity) || a.ruleId.localeCompare(b.ruleId) || a.resource.name.localeCompare(b.resource.name));
  for (const severity of SEVERITIES) {
    const group = findings.filter((f) => f.severity === severity);
    if (group.length === 0) continue;
    parts.push('', `${severity.toUpperCase()} (${group.length})`);
    for (const f of group) {
      const exception = exceptionFor(f, config, options.now);
      parts.push(...wrap(`${f.ruleId}  ${f.resource.name}  ${scopeLabel(run, f.scope)}${exception ? '  [excepted]' : ''}`, width, '  '));
      parts.push(...wrap(f.message, width, '      '));
      if (exception) parts.push(...wrap(`excepted until ${exception.expires}: ${exception.reason}`, width, '      '));
      parts.push(...wrap(`fix: ${f.remediation}`, width, '      '));
    }
  }
  if (run.undecided.length > 0) parts.push('', 'Could not decide:', ...undecidedLines(run, width));
  const drift = published?.drift;
  if (drift) {
    if (firstRun(drift)) parts.push('', `drift: first run, ${drift.entries.length} finding(s) recorded; later runs report what changed`);
    else parts.push('', ...summariseDrift(drift).flatMap((l) => wrap(l, width, /^\s*/.exec(l)?.[0] ?? '')));
  }
  const failed = published?.deliveries.filter((d) => d.status === 'dead-letter') ?? [];
  for (const d of failed) parts.push(...wrap(`delivery to ${d.channel} failed after ${d.attempts} attempt(s): ${d.lastError ?? 'unknown error'}`, width, ''));
  return parts.join('\n');
}

