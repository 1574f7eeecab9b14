import type { EvidenceChange } from '../drift/evidence.js';
import type { FindingState, VersionedFindingState } from '../drift/index.js';

/**
 * Table Storage keeps at most 64 KiB per string property (32 Ki UTF-16 characters) and 1 MiB per
 * entity. Large JSON is split over numbered properties; evidence too large even for that is
 * replaced by a marker that says so, so a report never shows a silently cut value.
 */
const CHUNK_CHARS = 30_000;
const MAX_STATE_CHARS = 280_000;
const MAX_PRIOR_CHARS = 120_000;
const MAX_CHANGES = 50;
const MAX_VALUE_CHARS = 500;

interface TruncationMarker {
  _truncated: true;
  originalChars: number;
  preview: string;
}

function truncatedEvidence(evidence: Record<string, unknown>, chars: number): Record<string, unknown> {
  const json = JSON.stringify(evidence);
  const marker: TruncationMarker = { _truncated: true, originalChars: json.length, preview: json.slice(0, Math.max(0, chars)) };
  return marker as unknown as Record<string, unknown>;
}

function fitState(state: FindingState, maxChars: number): FindingState {
  const size = JSON.stringify(state).length;
  if (size <= maxChars) return state;
  const evidenceChars = JSON.stringify(state.finding.evidence).length;
  const room = Math.max(0, maxChars - (size - evidenceChars) - 200);
  return { ...state, finding: { ...state.finding, evidence: truncatedEvidence(state.finding.evidence, Math.min(room, 4_000)) } };
}

/** Keeps a finding state within one entity: evidence of the prior state is cut first. */
export function fitVersionedState(v: VersionedFindingState): VersionedFindingState {
  return { state: fitState(v.state, MAX_STATE_CHARS), prior: v.prior ? fitState(v.prior, MAX_PRIOR_CHARS) : null };
}

function capValue(value: unknown): unknown {
  const json = (JSON.stringify(value) as string | undefined) ?? 'null';
  return json.length <= MAX_VALUE_CHARS ? value : `${json.slice(0, MAX_VALUE_CHARS)}… (truncated, ${json.length} chars)`;
}

/** Keeps an event small: at most 50 changes, each value at most 500 characters. */
export function capChanges(changes: readonly EvidenceChange[]): EvidenceChange[] {
  return changes.slice(0, MAX_CHANGES).map((c): EvidenceChange => {
    switch (c.kind) {
      case 'changed':
        return { ...c, before: capValue(c.before), after: capValue(c.after) };
      case 'added':
        return { ...c, after: capValue(c.after) };
      case 'removed':
        return { ...c, before: capValue(c.before) };
      case 'gained':
      case 'lost':
        return { ...c, value: capValue(c.value) };
    }
  });
}

/**
 * Splits a string into property-sized chunks, never between the halves of a surrogate pair (half
 * of one would be stored as U+FFFD, changing the text).
 */
export function splitChunks(text: string, size = CHUNK_CHARS): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; ) {
    let end = Math.min(i + size, text.length);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && end - i > 1 && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(text.slice(i, end));
    i = end;
  }
  return out.length === 0 ? [''] : out;
}
