/**
 * Offset page tokens (`o:<offset>`, base64url) and page windows, as the GCP and AWS emulations
 * page their lists. Tokens are opaque to clients; only the emulation that issued one reads it.
 */

export function encodeOffsetToken(offset: number): string {
  return Buffer.from(`o:${offset}`).toString('base64url');
}

/** Decodes a page token; undefined = first page; NaN = malformed. */
export function decodeOffsetToken(token: string | null | undefined): number | undefined {
  if (token === null || token === undefined || token === '') return undefined;
  const match = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  return match ? Number(match[1]) : Number.NaN;
}

/** Page size: the smaller of what the caller asked for and what the behaviour allows (at least 1). */
export function clampPageSize(asked: string | null | undefined, cap: number): number {
  const n = Number(asked ?? '');
  return Math.max(1, Number.isFinite(n) && n > 0 ? Math.min(n, cap) : cap);
}

export interface PageWindow {
  from: number;
  size: number;
  /** Token of the next page; undefined on the last page. */
  next: string | undefined;
}

/** The window of `total` items a request asks for; undefined when its token is malformed. */
export function pageWindow(token: string | null | undefined, asked: string | null | undefined, cap: number, total: number): PageWindow | undefined {
  const start = decodeOffsetToken(token);
  if (Number.isNaN(start)) return undefined;
  const from = start ?? 0;
  const size = clampPageSize(asked, cap);
  return { from, size, next: from + size < total ? encodeOffsetToken(from + size) : undefined };
}
