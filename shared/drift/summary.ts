import { SEVERITIES } from '../model/severity.js';
import { describeChange } from './evidence.js';
import type { DriftResult } from './reconcile.js';

/**
 * Plain-text lines describing a run's drift, for a terminal (`airlock audit` on a laptop):
 * counts per state, then each new, regressed and resolved finding, then evidence changes of
 * findings that stayed open.
 */
export function summariseDrift(drift: DriftResult): string[] {
  const lines: string[] = [];
  const total = (state: keyof DriftResult['counts']): number => SEVERITIES.reduce((n, s) => n + drift.counts[state][s], 0);
  lines.push(
    `drift: ${String(total('new'))} new, ${String(total('regressed'))} regressed, ${String(total('resolved'))} resolved, ${String(total('persisting'))} persisting, ${String(total('excepted'))} excepted`,
  );
  if (drift.carriedOver.findings > 0) {
    lines.push(`  ${String(drift.carriedOver.findings)} finding(s) kept their previous state: not every scope was read (${drift.carriedOver.scopes.join(', ')})`);
  }
  for (const e of drift.entries) {
    if (e.carriedOver) continue;
    const f = e.finding;
    if (e.state === 'new' || e.state === 'regressed' || e.state === 'resolved') {
      lines.push(`  ${e.state.padEnd(9)} ${f.severity.padEnd(8)} ${f.ruleId} ${f.resource.name}: ${f.message}`);
      for (const c of e.changes) lines.push(`      ${describeChange(c)}`);
    } else if (e.state === 'persisting' && e.escalatedFrom !== undefined) {
      lines.push(`  escalated ${f.severity.padEnd(8)} ${f.ruleId} ${f.resource.name}: severity ${e.escalatedFrom} → ${f.severity}: ${f.message}`);
      for (const c of e.changes) lines.push(`      ${describeChange(c)}`);
    } else if (e.state === 'persisting' && e.changes.length > 0) {
      lines.push(`  changed   ${f.severity.padEnd(8)} ${f.ruleId} ${f.resource.name}: ${e.changes.map(describeChange).join('; ')}`);
    }
  }
  return lines;
}
