/**
 * Case-insensitive property access for Azure payloads, whose keys differ in case between the
 * REST API, Resource Graph and the SDKs (`authorizedIPRanges`, `authorizedIpRanges`, ...).
 */
export function getCi(obj: unknown, key: string): unknown {
  if (obj === null || typeof obj !== 'object') return undefined;
  const record = obj as Record<string, unknown>;
  if (key in record) return record[key];
  const lower = key.toLowerCase();
  for (const k of Object.keys(record)) {
    if (k.toLowerCase() === lower) return record[k];
  }
  return undefined;
}

/** Follows a dotted path case-insensitively: `getPathCi(cluster, 'properties.apiServerAccessProfile.enablePrivateCluster')`. */
export function getPathCi(obj: unknown, path: string): unknown {
  let current = obj;
  for (const part of path.split('.')) {
    current = getCi(current, part);
    if (current === undefined) return undefined;
  }
  return current;
}

export function ciString(obj: unknown, path: string): string | undefined {
  const v = getPathCi(obj, path);
  return typeof v === 'string' ? v : undefined;
}

/** Booleans as Azure sends them: true/false, or the strings "true"/"false". */
export function ciBool(obj: unknown, path: string): boolean | undefined {
  const v = getPathCi(obj, path);
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
  return undefined;
}

export function ciArray(obj: unknown, path: string): unknown[] {
  const v = getPathCi(obj, path);
  return Array.isArray(v) ? (v as unknown[]) : [];
}

export function sameId(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}
