/**
 * What changed in the inventory fields a finding rests on (Finding.evidence), between the last
 * time the finding was seen and now. Pure: plain data in, plain data out.
 */

export type EvidenceChange =
  /** A scalar field changed value: `exportCustomRoutes true → false`. */
  | { kind: 'changed'; path: string; before: unknown; after: unknown }
  /** A field appeared or disappeared. */
  | { kind: 'added'; path: string; after: unknown }
  | { kind: 'removed'; path: string; before: unknown }
  /** A list gained or lost an element: `gained publicFrontends 20.1.2.3`. */
  | { kind: 'gained'; path: string; value: unknown }
  | { kind: 'lost'; path: string; value: unknown };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Canonical JSON (sorted keys) so that equal values compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  // JSON.stringify gives undefined for these; evidence is JSON, so they read as null.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}

function diffInto(path: string, before: unknown, after: unknown, out: EvidenceChange[]): void {
  if (canonicalJson(before) === canonicalJson(after)) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const key of keys) {
      const b = before[key];
      const a = after[key];
      if (!(key in before)) out.push({ kind: 'added', path: join(path, key), after: a });
      else if (!(key in after)) out.push({ kind: 'removed', path: join(path, key), before: b });
      else diffInto(join(path, key), b, a, out);
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    // Lists in evidence are sets of things (frontends, CIDRs, peerings): report membership changes.
    const beforeKeys = new Map(before.map((v) => [canonicalJson(v), v]));
    const afterKeys = new Map(after.map((v) => [canonicalJson(v), v]));
    for (const [key, value] of afterKeys) if (!beforeKeys.has(key)) out.push({ kind: 'gained', path, value });
    for (const [key, value] of beforeKeys) if (!afterKeys.has(key)) out.push({ kind: 'lost', path, value });
    return;
  }
  out.push({ kind: 'changed', path, before, after });
}

/** The changes from `before` to `after`, in a stable order (by path, then kind). */
export function diffEvidence(before: Record<string, unknown>, after: Record<string, unknown>): EvidenceChange[] {
  const out: EvidenceChange[] = [];
  diffInto('', before, after, out);
  return out;
}

function show(value: unknown): string {
  if (typeof value === 'string') return value;
  return canonicalJson(value);
}

/** One line a person reads in a chat message. */
export function describeChange(change: EvidenceChange): string {
  switch (change.kind) {
    case 'changed':
      return `${change.path} ${show(change.before)} → ${show(change.after)}`;
    case 'added':
      return `${change.path} set to ${show(change.after)}`;
    case 'removed':
      return `${change.path} no longer set (was ${show(change.before)})`;
    case 'gained':
      return `gained ${change.path} ${show(change.value)}`;
    case 'lost':
      return `lost ${change.path} ${show(change.value)}`;
  }
}
