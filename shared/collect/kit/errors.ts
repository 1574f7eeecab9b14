import type { CallErrorKind } from '../../model/coverage.js';
import type { Cloud } from '../../model/scope.js';

/*
 * One classification of a failed cloud call, whatever SDK raised it. Coverage, retries and the
 * operator's hint ("grant Reader", "enable the API") are decided on the kind, never on SDK shapes.
 */

export interface ClassifiedError {
  kind: CallErrorKind;
  /** HTTP status of the failed attempt, when there was one. */
  status?: number;
  /** The service's error code or name (`AuthorizationFailed`, `rateLimitExceeded`, `AccessDenied`). */
  code?: string;
  message: string;
}

/** A response the collector could read but not accept (bad JSON, wrong types, truncated result). */
export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShapeError';
  }
}

/**
 * A cloud's credential cannot get a token at all: nothing of that cloud can be read, so the run
 * stops with one clear message (what was tried, what to do) instead of a report of unread scopes.
 */
export class CredentialError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

/** A call that ran past its deadline (the kit's timeout, not the SDK's). */
export class DeadlineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineError';
  }
}

/** An attempt the run's policy refused to send: the classification is the kit's, not an SDK's. */
export class CallRefusedError extends Error {
  constructor(
    message: string,
    readonly kind: CallErrorKind,
    readonly code: 'CIRCUIT_OPEN' | 'RETRY_BUDGET_EXHAUSTED',
  ) {
    super(message);
    this.name = 'CallRefusedError';
  }
}

type Fields = Record<string, unknown>;
const obj = (v: unknown): Fields | undefined => (v !== null && typeof v === 'object' ? (v as Fields) : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v >= 100 && v < 600 ? v : undefined);
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function messageOf(err: unknown): string {
  if (err instanceof Error) {
    const code = text((err as { code?: unknown }).code);
    return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** Azure core-client `RestError` and the raw pipeline errors: `statusCode`, `code`. */
function azureParts(e: Fields): { status?: number; code?: string } {
  const response = obj(e['response']);
  const status = num(e['statusCode']) ?? num(e['status']) ?? num(response?.['status']);
  const code = text(e['code']);
  return { ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) };
}

/**
 * Google: `GaxiosError` (REST fallback: `status`/`response.status` is HTTP, `code` may be too) and
 * `GoogleError` (gRPC `code` number, `reason` from ErrorInfo). The first `errors[].reason` of the
 * body (`rateLimitExceeded`, `accessNotConfigured`, `SERVICE_DISABLED`) is the most telling code.
 */
function googleParts(e: Fields): { status?: number; code?: string } {
  const response = obj(e['response']);
  const data = obj(response?.['data']);
  const bodyError = obj(data?.['error']) ?? obj(e['error']);
  const errors = Array.isArray(bodyError?.['errors']) ? (bodyError['errors'] as unknown[]) : Array.isArray(e['errors']) ? (e['errors'] as unknown[]) : [];
  const reason = text(e['reason']) ?? text(obj(errors[0])?.['reason']) ?? text(bodyError?.['status']);
  const details = Array.isArray(bodyError?.['details']) ? (bodyError['details'] as unknown[]) : [];
  const infoReason = details.map((d) => text(obj(d)?.['reason'])).find((r) => r !== undefined);
  const status = num(e['status']) ?? num(response?.['status']) ?? num(bodyError?.['code']) ?? num(e['code']);
  const code = infoReason ?? reason;
  return { ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) };
}

/** AWS SDK v3 `ServiceException`: `$metadata.httpStatusCode`, `name` (`AccessDenied`, `RequestLimitExceeded`). */
function awsParts(e: Fields): { status?: number; code?: string } {
  const meta = obj(e['$metadata']);
  const response = obj(e['$response']);
  const status = num(meta?.['httpStatusCode']) ?? num(response?.['statusCode']);
  const name = text(e['Code']) ?? text(e['name']);
  const code = name === 'Error' ? undefined : name;
  return { ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) };
}

const THROTTLE_CODES = /^(throttl|toomanyrequests|requestlimitexceeded|ratelimitexceeded|rate_limit_exceeded|userratelimitexceeded|slowdown|requestthrottled|quotaexceeded|resource_exhausted)/i;
const DISABLED_CODES = /^(accessnotconfigured|service_disabled|servicedisabled|api_disabled|optinrequired|subscriptionnotregistered|missingsubscriptionregistration)/i;
const DENIED_CODES = /^(authorizationfailed|accessdenied|unauthorizedoperation|forbidden|permission_denied|unauthorized|authfailure|invalidclienttokenid|linkedauthorizationfailed|notauthorized)/i;
const NOT_FOUND_CODES = /^(notfound|resourcenotfound|subscriptionnotfound|resourcegroupnotfound|nosuch|not_found)/i;
const NETWORK_CODES = /^(econnrefused|econnreset|enotfound|eai_again|etimedout|epipe|ehostunreach|enetunreach|und_err|socket hang up|request_send_error)/i;

/** Classifies an error raised by an Azure, Google or AWS SDK call (or by the kit itself). */
export function classifyError(cloud: Cloud, err: unknown): ClassifiedError {
  const message = messageOf(err);
  if (err instanceof ShapeError) return { kind: 'malformed', message };
  if (err instanceof DeadlineError) return { kind: 'timeout', message };
  if (err instanceof CallRefusedError) return { kind: err.kind, code: err.code, message };
  const e = obj(err) ?? {};
  const parts = cloud === 'azure' ? azureParts(e) : cloud === 'gcp' ? googleParts(e) : awsParts(e);
  const { status } = parts;
  const code = parts.code ?? text(e['code']);
  const base = { message, ...(status === undefined ? {} : { status }), ...(code === undefined ? {} : { code }) };
  const name = err instanceof Error ? err.name : '';
  if (name === 'AbortError' || name === 'TimeoutError' || /timed? ?out/i.test(code ?? '')) return { ...base, kind: 'timeout' };
  if (status === 429 || (code !== undefined && THROTTLE_CODES.test(code))) return { ...base, kind: 'throttled' };
  if (code !== undefined && DISABLED_CODES.test(code)) return { ...base, kind: 'api-disabled' };
  if (/has not been used in project|is disabled\. Enable it|API has not been used/i.test(message)) return { ...base, kind: 'api-disabled' };
  if (status === 401 || status === 403 || (code !== undefined && DENIED_CODES.test(code))) return { ...base, kind: 'denied' };
  if (status === 404 || (code !== undefined && NOT_FOUND_CODES.test(code))) return { ...base, kind: 'not-found' };
  // A 2xx whose body the SDK could not parse (Azure core's PARSE_ERROR on a cut, garbled body) is malformed, not a client error.
  if (code === 'PARSE_ERROR' && status !== undefined && status < 300) return { ...base, kind: 'malformed' };
  if (err instanceof SyntaxError || name === 'SerializationException' || /unexpected end of json|is not valid json|deserializ|parse error|Expected .* but got/i.test(message)) {
    return { ...base, kind: 'malformed' };
  }
  if (status !== undefined && status >= 500) return { ...base, kind: 'server' };
  if (status === undefined && ((code !== undefined && NETWORK_CODES.test(code)) || /ECONNREFUSED|ECONNRESET|socket hang up|ENOTFOUND|fetch failed|network/i.test(message))) {
    return { ...base, kind: 'network' };
  }
  if (status !== undefined && status >= 400) return { ...base, kind: 'client' };
  return { ...base, kind: status === undefined ? 'network' : 'client' };
}

const CONNECTION_MESSAGES = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EPIPE|socket hang up|fetch failed|other side closed|aborted/i;

/**
 * A failure at the connection level (refused, reset, DNS, timed out): the endpoint did not answer.
 * Stricter than kind `network`, which is also the kind of an error nothing else explains (a
 * credential provider failing before any request is not the endpoint's fault).
 */
export function isConnectionFailure(cloud: Cloud, err: unknown): boolean {
  if (err instanceof CallRefusedError) return false;
  const c = classifyError(cloud, err);
  if (c.kind === 'timeout') return true;
  if (c.kind !== 'network') return false;
  const cause = obj(err)?.['cause'];
  return (c.code !== undefined && NETWORK_CODES.test(c.code)) || CONNECTION_MESSAGES.test(c.message) || (cause !== undefined && cause !== err && isConnectionFailure(cloud, cause));
}
