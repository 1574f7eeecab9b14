import type { FindingState } from './reconcile.js';

/**
 * A stored finding state together with the state it replaced. Keeping the prior state lets a
 * retried run (same run id, after a crash half-way through its writes) reconcile against what the
 * store held before that run, so it computes the same transitions and sends the same messages.
 */
export interface VersionedFindingState {
  state: FindingState;
  /** The state before `state.lastRunId` wrote it; null when that run created the finding. */
  prior: FindingState | null;
}

/** The states as they were before run `runId` touched any of them. */
export function statesBefore(runId: string, stored: readonly VersionedFindingState[]): FindingState[] {
  const out: FindingState[] = [];
  for (const v of stored) {
    if (v.state.lastRunId !== runId) out.push(v.state);
    else if (v.prior) out.push(v.prior);
  }
  return out;
}

/** Pairs each update of run `runId` with the state it replaces (keeping the original prior on a retry). */
export function versionUpdates(runId: string, updates: readonly FindingState[], stored: readonly VersionedFindingState[]): VersionedFindingState[] {
  const byFp = new Map(stored.map((v) => [v.state.fingerprint, v]));
  return updates.map((state) => {
    const existing = byFp.get(state.fingerprint);
    const prior = existing ? (existing.state.lastRunId === runId ? existing.prior : existing.state) : null;
    return { state, prior };
  });
}
