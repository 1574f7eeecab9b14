import type { ExceptionConfig } from '../config/schema.js';
import type { Finding } from '../model/finding.js';
import type { Run } from '../model/run.js';
import { CLOUDS, scopeKey, type ScopeKey } from '../model/scope.js';
import { compareSeverity, SEVERITIES, severityRank, type Severity } from '../model/severity.js';
import { exceptionExpired, exceptionMatches } from '../util/exceptions.js';
import { diffEvidence, type EvidenceChange } from './evidence.js';

/** What happened to a finding in this run, compared with the stored state. */
export type DriftState = 'new' | 'regressed' | 'resolved' | 'persisting' | 'excepted';

/** The stored status of a finding between runs. */
export type FindingStatus = 'open' | 'resolved' | 'excepted';

interface ExceptionRef {
  rule: string;
  resource: string;
  reason: string;
  expires: string;
  owner?: string;
}

/** The current state of one finding (one fingerprint), as kept in the store. */
export interface FindingState {
  fingerprint: string;
  status: FindingStatus;
  /** The finding as last seen (its evidence is what the next run diffs against). */
  finding: Finding;
  firstSeen: string;
  lastSeen: string;
  /** When it last became open (new or regressed). */
  openedAt?: string;
  resolvedAt?: string;
  /** How many times the status changed. */
  transitions: number;
  /** The run that last wrote this state. */
  lastRunId: string;
  exception?: ExceptionRef;
}

export interface DriftEntry {
  state: DriftState;
  /** This run's finding, or the last seen one for resolved and carried-over findings. */
  finding: Finding;
  /** Stored status before this run; undefined when never seen. */
  previous?: FindingStatus;
  /** Evidence changes since the finding was last seen (persisting and regressed findings). */
  changes: EvidenceChange[];
  /** The finding's scope was not read completely: its previous state was kept, not judged. */
  carriedOver: boolean;
  exception?: ExceptionRef;
  /** Why the state is what it is where the state alone does not say, e.g. an expired exception. */
  note?: string;
  /** A persisting finding whose severity rose since it was last seen (e.g. authorised ranges opened to 0.0.0.0/0). */
  escalatedFrom?: Severity;
  firstSeen: string;
}

export type DriftCounts = Record<DriftState, Record<Severity, number>>;

export interface DriftResult {
  runId: string;
  /** The instant the transitions are dated with (the run's end). */
  at: string;
  /** Sorted: new, regressed, resolved, persisting, excepted; most severe first within a state. */
  entries: DriftEntry[];
  /** The states to store after this run (only those that changed). */
  updates: FindingState[];
  counts: DriftCounts;
  carriedOver: { scopes: ScopeKey[]; findings: number };
}

export interface ReconcileInput {
  run: Pick<Run, 'id' | 'findings' | 'coverage' | 'undecided' | 'rules'>;
  /** Stored states before this run, of every finding ever seen (resolved ones included). */
  previous: readonly FindingState[];
  exceptions: readonly ExceptionConfig[];
  /** Time of the run: dates transitions and decides exception expiry. */
  now: Date;
}

export function emptyDriftCounts(): DriftCounts {
  const row = (): Record<Severity, number> => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  return { new: row(), regressed: row(), resolved: row(), persisting: row(), excepted: row() };
}

function activeException(finding: Finding, exceptions: readonly ExceptionConfig[], now: Date): ExceptionRef | undefined {
  const match = exceptions.find((e) => !exceptionExpired(e, now) && exceptionMatches(e, finding));
  if (!match) return undefined;
  return {
    rule: match.rule,
    resource: match.resource,
    reason: match.reason,
    expires: match.expires,
    ...(match.owner === undefined ? {} : { owner: match.owner }),
  };
}

/**
 * Whether this run can judge a finding of `ruleId` in `scope`: the rule was evaluated, the scope was
 * audited (cloud scopes must be in coverage; audit/config scopes always are), and the rule did not
 * say it could not decide there. A dataset that failed but that the rule does not read (e.g. cost
 * data for an exposure rule) does not stop the judgement. Returns why not, or undefined.
 */
function notJudgeable(ruleId: string, scope: ScopeKey, run: ReconcileInput['run'], planned: ReadonlySet<ScopeKey>, undecided: ReadonlySet<string>): string | undefined {
  if (!run.rules.includes(ruleId)) return 'rule not evaluated in this run';
  const key = scope.toLowerCase();
  const cloud = key.split('/')[0] ?? '';
  if ((CLOUDS as readonly string[]).includes(cloud) && !planned.has(key)) return 'scope not audited in this run';
  if (undecided.has(`${ruleId}\u0000${key}`)) return 'rule could not decide in this scope';
  return undefined;
}

const STATE_ORDER: Record<DriftState, number> = { new: 0, regressed: 1, resolved: 2, persisting: 3, excepted: 4 };

function compareEntries(a: DriftEntry, b: DriftEntry): number {
  return (
    STATE_ORDER[a.state] - STATE_ORDER[b.state] ||
    compareSeverity(a.finding.severity, b.finding.severity) ||
    a.finding.ruleId.localeCompare(b.finding.ruleId) ||
    a.finding.resource.id.localeCompare(b.finding.resource.id) ||
    a.finding.fingerprint.localeCompare(b.finding.fingerprint)
  );
}

/**
 * Reconciles a run's findings with the stored states. Pure: the same input gives the same output,
 * so a retried run computes exactly the same transitions.
 */
export function reconcile(input: ReconcileInput): DriftResult {
  const { run, exceptions, now } = input;
  const at = now.toISOString();
  const planned = new Set(run.coverage.scopes.map((s) => scopeKey(s.scope)));
  const undecided = new Set(run.undecided.map((u) => `${u.ruleId}\u0000${u.scope.toLowerCase()}`));
  const previousByFp = new Map(input.previous.map((s) => [s.fingerprint, s]));
  const entries: DriftEntry[] = [];
  const updates: FindingState[] = [];
  const carriedScopes = new Set<ScopeKey>();
  const seen = new Set<string>();

  for (const finding of run.findings) {
    if (seen.has(finding.fingerprint)) continue;
    seen.add(finding.fingerprint);
    const prev = previousByFp.get(finding.fingerprint);
    const exception = activeException(finding, exceptions, now);
    const unjudged = notJudgeable(finding.ruleId, finding.scope, run, planned, undecided);

    if (prev?.status === 'resolved' && unjudged !== undefined) {
      // Seen again where the rule's inputs were only partly read: not re-opened on partial evidence.
      carriedScopes.add(finding.scope);
      entries.push({ state: 'resolved', finding: prev.finding, previous: 'resolved', changes: [], carriedOver: true, firstSeen: prev.firstSeen });
      continue;
    }

    let state: DriftState;
    let note: string | undefined;
    if (exception) state = 'excepted';
    else if (!prev) state = 'new';
    else if (prev.status === 'resolved') state = 'regressed';
    else if (prev.status === 'excepted') {
      // The exception expired or was removed: the finding is back in front of people.
      state = 'new';
      note = prev.exception ? `exception (${prev.exception.reason}) expired on ${prev.exception.expires} or was removed` : 'exception no longer applies';
    } else state = 'persisting';

    const changes = prev ? diffEvidence(prev.finding.evidence, finding.evidence) : [];
    const escalatedFrom = state === 'persisting' && prev && severityRank(finding.severity) > severityRank(prev.finding.severity) ? prev.finding.severity : undefined;
    const status: FindingStatus = exception ? 'excepted' : 'open';
    const firstSeen = prev?.firstSeen ?? at;
    entries.push({
      state,
      finding,
      ...(prev ? { previous: prev.status } : {}),
      changes,
      carriedOver: false,
      ...(exception ? { exception } : {}),
      ...(note === undefined ? {} : { note }),
      ...(escalatedFrom === undefined ? {} : { escalatedFrom }),
      firstSeen,
    });
    const reopened = state === 'new' || state === 'regressed';
    const openedAt = reopened ? at : prev?.openedAt;
    updates.push({
      fingerprint: finding.fingerprint,
      status,
      finding,
      firstSeen,
      lastSeen: at,
      ...(openedAt === undefined ? {} : { openedAt }),
      transitions: (prev?.transitions ?? 0) + (prev?.status === status ? 0 : 1),
      lastRunId: run.id,
      ...(exception ? { exception } : {}),
    });
  }

  for (const prev of input.previous) {
    if (seen.has(prev.fingerprint) || prev.status === 'resolved') continue;
    if (notJudgeable(prev.finding.ruleId, prev.finding.scope, run, planned, undecided) !== undefined) {
      carriedScopes.add(prev.finding.scope);
      entries.push({
        state: prev.status === 'excepted' ? 'excepted' : 'persisting',
        finding: prev.finding,
        previous: prev.status,
        changes: [],
        carriedOver: true,
        ...(prev.exception ? { exception: prev.exception } : {}),
        firstSeen: prev.firstSeen,
      });
      continue;
    }
    entries.push({ state: 'resolved', finding: prev.finding, previous: prev.status, changes: [], carriedOver: false, firstSeen: prev.firstSeen });
    const resolved: FindingState = { ...prev, status: 'resolved', resolvedAt: at, transitions: prev.transitions + 1, lastRunId: run.id };
    delete resolved.exception;
    updates.push(resolved);
  }

  entries.sort(compareEntries);
  const counts = emptyDriftCounts();
  for (const e of entries) {
    // A resolved finding carried over did not resolve in this run: it is not counted.
    if (e.carriedOver && e.state === 'resolved') continue;
    counts[e.state][e.finding.severity] += 1;
  }
  return {
    runId: run.id,
    at,
    entries,
    updates: updates.sort((a, b) => a.fingerprint.localeCompare(b.fingerprint)),
    counts,
    carriedOver: { scopes: [...carriedScopes].sort(), findings: entries.filter((e) => e.carriedOver).length },
  };
}

/** A change worth telling people about in `changes` mode. */
export function isChange(entry: DriftEntry): boolean {
  return !entry.carriedOver && (entry.state === 'new' || entry.state === 'regressed' || entry.state === 'resolved' || entry.escalatedFrom !== undefined);
}
