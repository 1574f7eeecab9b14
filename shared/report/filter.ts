/**
 * A findings document narrowed to the findings that match a filter (the findings API's state,
 * severity, cloud, rule and scope parameters). Run metadata, coverage, undecided checks and the
 * picture stay whole; the finding counts and drift counts are recomputed from what is kept, so
 * every format renders a consistent document.
 */
import { emptyDriftCounts } from '../drift/reconcile.js';
import type { Finding } from '../model/finding.js';
import { SEVERITIES, type Severity } from '../model/severity.js';
import { FINDING_STATES, type FindingsDocument } from './document.js';

/** The drift and stored states a filter may name; `open` is every finding still open (new, regressed, persisting, or open when unpublished). */
export type StateFilter = (typeof FINDING_STATES)[number];

export interface DocumentFilter {
  state?: StateFilter | undefined;
  severity?: Severity | undefined;
  cloud?: string | undefined;
  rule?: string | undefined;
  /** A scope key, compared case-insensitively. */
  scope?: string | undefined;
}

const OPEN_STATES = new Set<string>(['new', 'regressed', 'persisting', 'open']);

function stateMatches(filter: StateFilter | undefined, state: string): boolean {
  if (filter === undefined) return true;
  return filter === 'open' ? OPEN_STATES.has(state) : state === filter;
}

function findingMatches(filter: DocumentFilter, f: Pick<Finding, 'severity' | 'cloud' | 'ruleId' | 'scope'>): boolean {
  return (
    (filter.severity === undefined || f.severity === filter.severity) &&
    (filter.cloud === undefined || f.cloud === filter.cloud) &&
    (filter.rule === undefined || f.ruleId === filter.rule) &&
    (filter.scope === undefined || f.scope.toLowerCase() === filter.scope.toLowerCase())
  );
}

/** True when the filter names nothing: the document is served as stored. */
export function isEmptyFilter(filter: DocumentFilter): boolean {
  return Object.values(filter).every((v) => v === undefined);
}

export function filterDocument(doc: FindingsDocument, filter: DocumentFilter): FindingsDocument {
  if (isEmptyFilter(filter)) return doc;
  const findings = doc.findings.filter((f) => findingMatches(filter, f) && stateMatches(filter.state, f.state));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  const out: FindingsDocument = { ...doc, findings, counts: { bySeverity, total: findings.length } };
  if (doc.drift) {
    const entries = doc.drift.entries.filter((e) => findingMatches(filter, e.finding) && stateMatches(filter.state, e.state));
    const counts = emptyDriftCounts();
    // As reconcile counts them: a resolved finding carried over did not resolve in this run.
    for (const e of entries) if (!(e.carriedOver && e.state === 'resolved')) counts[e.state][e.finding.severity] += 1;
    out.drift = { ...doc.drift, entries, counts, carriedOver: { scopes: doc.drift.carriedOver.scopes, findings: entries.filter((e) => e.carriedOver).length } };
  }
  return out;
}
