/**
 * One registry of the secret values this process has resolved (app settings behind `env:` names,
 * webhook URLs, signing secrets, connection strings) and one scrubber for any text that leaves the
 * process: log lines, error messages, stored records, CLI output. A receiver that echoes part of a
 * request back (the path of a Slack webhook, a Teams workflow's `sig`) is scrubbed as well, because
 * the parts of a URL or connection string that carry the secret are registered on their own.
 */

import type { LogFields, Logger } from '../log.js';

export const REDACTED = '<redacted>';

/** Shorter fragments are too likely to occur in ordinary text ("1.0", "api") to be replaced. */
const MIN_FRAGMENT = 8;
const MIN_SECRET = 4;

const secrets = new Set<string>();
/** Longest first, so a whole URL is replaced before a fragment of it. */
let ordered: string[] = [];

function add(value: string, min: number): void {
  if (value.length < min || secrets.has(value)) return;
  secrets.add(value);
  // The same value as it appears URL-encoded, or inside JSON text.
  for (const variant of [encodeURIComponent(value), JSON.stringify(value).slice(1, -1)]) if (variant !== value && variant.length >= min) secrets.add(variant);
}

/** Path segments that are words of an API (`services`, `workflows`, `triggers`) are not secret. */
function secretSegment(segment: string): boolean {
  return segment.length >= MIN_FRAGMENT && !/^[a-z]+(?:-[a-z]+)*$/.test(segment);
}

/**
 * A URL's secret parts: query values, credentials and, unless `path` is false, the path and its
 * segments (a Slack or Teams webhook URL carries its token in the path).
 */
function addUrlParts(value: string, { path = true }: { path?: boolean } = {}): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return;
  if (path && url.pathname.length > 1) add(url.pathname, MIN_SECRET);
  if (url.search.length > 1) add(url.search.slice(1), MIN_SECRET);
  if (url.password !== '') add(decodeURIComponent(url.password), MIN_SECRET);
  if (url.username !== '') add(decodeURIComponent(url.username), MIN_FRAGMENT);
  if (path) {
    for (const segment of url.pathname.split('/')) {
      const decoded = safeDecode(segment);
      if (secretSegment(decoded)) add(decoded, MIN_FRAGMENT);
    }
  }
  for (const [, v] of url.searchParams) add(v, MIN_FRAGMENT);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** `AccountName=…;AccountKey=…;SharedAccessSignature=…`: the values of the secret keys. */
function addConnectionStringParts(value: string): void {
  if (!value.includes(';') || !value.includes('=')) return;
  for (const part of value.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const key = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (/key|signature|secret|password|token|sig$/i.test(key)) add(v, MIN_SECRET);
    // A SAS (`sv=…&sig=…`) travels in request URLs, re-ordered or re-encoded: its signature alone is secret too.
    if (/signature$/i.test(key)) for (const [name, part] of new URLSearchParams(v)) if (name === 'sig') add(part, MIN_FRAGMENT);
    // A storage endpoint's path is the account name (path-style, e.g. Azurite), no secret; its query may be a SAS.
    if (/endpoint$/i.test(key)) addUrlParts(v, { path: false });
  }
}

/**
 * Registers a resolved secret value (and the parts of it that may appear alone: URL path and query,
 * connection-string keys, the key of a `whsec_` signing secret). Idempotent.
 */
export function registerSecret(value: string): void {
  const trimmed = value.trim();
  // A bare well-known prefix (`whsec_` with no key) is no secret, and names the expected format.
  if (trimmed.replace(/^whsec_/, '').length < MIN_SECRET) return;
  const before = secrets.size;
  add(trimmed, MIN_SECRET);
  if (value !== trimmed) add(value, MIN_SECRET);
  addUrlParts(trimmed);
  addConnectionStringParts(trimmed);
  if (trimmed.startsWith('whsec_')) add(trimmed.slice('whsec_'.length), MIN_FRAGMENT);
  if (secrets.size !== before) ordered = [...secrets].sort((a, b) => b.length - a.length);
}

/** The text with every registered secret replaced by `<redacted>`. */
export function redact(text: string): string {
  let out = text;
  for (const s of ordered) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** A JSON value with every string scrubbed (stored records: outbox, run, delivery records). */
export function redactValue<T>(value: T): T {
  if (ordered.length === 0) return value;
  return scrub(value) as T;
}

function scrub(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map(scrub);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), scrub(v)]));
  return value;
}

/** A logger that scrubs every message and field before it reaches `log`. */
export function redactingLogger(log: Logger): Logger {
  const fields = (f?: LogFields): LogFields | undefined => (f === undefined ? undefined : Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v])));
  return {
    debug: (m, f) => { log.debug(redact(m), fields(f)); },
    info: (m, f) => { log.info(redact(m), fields(f)); },
    warn: (m, f) => { log.warn(redact(m), fields(f)); },
    error: (m, f) => { log.error(redact(m), fields(f)); },
  };
}
