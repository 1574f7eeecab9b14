import { setTimeout as sleep } from 'node:timers/promises';
// Loaded with the collector (itself loaded only for a run that audits GCP), not at the first call:
// a module loaded mid-audit is a synchronous block while other clouds' calls are in flight.
import { DefaultAzureCredential } from '@azure/identity';
import { GoogleAuth, IdentityPoolClient, PassThroughClient, type AuthClient } from 'google-auth-library';
import type { AirlockConfig } from '../../config/schema.js';
import { noteAttempt, noteNoAnswer, noteResponse } from '../kit/calls.js';
import { classifyError, ShapeError } from '../kit/errors.js';

export type GcpConfig = NonNullable<AirlockConfig['clouds']['gcp']>;

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';

/** Backoff for throttled (403 rateLimitExceeded, 429), 5xx and connection failures, per HTTP request. */
export interface RetryPolicy {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** GCP quotas are per project per minute: back off for up to half a minute before giving up. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 1_000, maxDelayMs: 16_000 };

type RequestFn = AuthClient['request'];

/**
 * Google's error body, parsed: the REST transport hands the body over as the error's message
 * text, so the reason (`rateLimitExceeded`, `SERVICE_DISABLED`) would be invisible to classifyError.
 */
class GoogleApiError extends Error {
  readonly response: { status: number; data: unknown; headers?: unknown };
  readonly status: number;
  readonly code: number;

  constructor(message: string, status: number, data: unknown, headers: unknown) {
    super(message);
    this.name = 'GoogleApiError';
    this.status = status;
    this.code = status;
    this.response = { status, data, headers };
  }
}

function parsedGoogleError(err: unknown): unknown {
  const e = err as { message?: unknown; response?: { status?: unknown; data?: unknown; headers?: unknown } };
  const status = e.response?.status;
  if (typeof status !== 'number') return err;
  const candidates = [e.response?.data, e.message];
  for (const c of candidates) {
    let body: unknown = c;
    if (typeof c === 'string') {
      try {
        body = JSON.parse(c);
      } catch {
        continue;
      }
    }
    const inner = (body as { error?: { message?: unknown } } | null)?.error;
    if (inner && typeof inner === 'object') {
      return new GoogleApiError(typeof inner.message === 'string' ? inner.message : `HTTP ${status}`, status, body, e.response?.headers);
    }
  }
  return err;
}

function headersOf(h: unknown): Record<string, string> {
  if (h instanceof Headers) return Object.fromEntries(h.entries());
  if (h !== null && typeof h === 'object') return Object.fromEntries(Object.entries(h as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  return {};
}

/**
 * Every GCP request of the collector goes through its AuthClient (gax's REST transport calls
 * `fetch`, which calls `request`), so this is the one place that counts attempts and retries the
 * per-project minute quota: gax retries by status code only and cannot tell 403 rateLimitExceeded
 * from 403 forbidden.
 */
function countedAndRetried<T extends AuthClient>(client: T, policy: RetryPolicy): T {
  const send: RequestFn = client.request.bind(client);
  const request = async (opts: Parameters<RequestFn>[0]) => {
    // A 403 quota answer is GCP's own throttle: the kit counts retries after 429/5xx itself, this one it is told.
    let retryOf: 'throttled' | undefined;
    for (let attempt = 1; ; attempt++) {
      const counter = noteAttempt(opts.url, retryOf);
      try {
        const res = await send(opts);
        noteResponse(counter, res.status, headersOf(res.headers));
        return res;
      } catch (raw) {
        const err = parsedGoogleError(raw);
        const response = (err as { response?: { status?: unknown; headers?: unknown } }).response;
        if (typeof response?.status === 'number') noteResponse(counter, response.status, headersOf(response.headers));
        else noteNoAnswer(counter, err);
        const kind = classifyError('gcp', err).kind;
        const transient = kind === 'throttled' || kind === 'server' || kind === 'network';
        if (!transient || attempt >= policy.attempts) throw err;
        retryOf = response?.status === 403 ? 'throttled' : undefined;
        const delay = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
        await sleep(delay / 2 + Math.random() * (delay / 2), undefined, { ref: false });
      }
    }
  };
  client.request = request as RequestFn;
  return client;
}

/**
 * In Azure Functions: the managed identity's Entra token is the subject token of a Workload
 * Identity Federation exchange (Functions expose no IMDS endpoint for Google's Azure provider).
 */
function federatedClient(cfg: GcpConfig, audience: string): AuthClient {
  const azure = new DefaultAzureCredential();
  const resource = (cfg.entraAppIdUri ?? 'api://airlock-gcp').replace(/\/+$/, '');
  return new IdentityPoolClient({
    type: 'external_account',
    audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: 'https://sts.googleapis.com/v1/token',
    ...(cfg.serviceAccountEmail
      ? { service_account_impersonation_url: `https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/${cfg.serviceAccountEmail}:generateAccessToken` }
      : {}),
    scopes: [CLOUD_PLATFORM],
    subject_token_supplier: {
      getSubjectToken: async () => (await azure.getToken(`${resource}/.default`)).token,
    },
  });
}

async function authClientFor(cfg: GcpConfig): Promise<AuthClient> {
  if (cfg.credential === 'simulator') return new PassThroughClient();
  if (cfg.workloadIdentityAudience) return federatedClient(cfg, cfg.workloadIdentityAudience);
  return new GoogleAuth({ scopes: [CLOUD_PLATFORM] }).getClient();
}

/** The Google REST APIs the collector reads, each at its own host. */
export type GcpApi = 'container' | 'compute' | 'dns' | 'asset' | 'resourceManager';

const DEFAULT_ENDPOINTS: Record<GcpApi, string> = {
  container: 'https://container.googleapis.com',
  compute: 'https://compute.googleapis.com',
  dns: 'https://dns.googleapis.com',
  asset: 'https://cloudasset.googleapis.com',
  resourceManager: 'https://cloudresourcemanager.googleapis.com',
};

/** Query parameters of a GET; a list repeats the parameter (`assetTypes=a&assetTypes=b`). */
export type Query = Record<string, string | number | readonly string[] | undefined>;

export interface GcpClients {
  auth: AuthClient;
  /** One GET of `path` on `api`'s endpoint: the answer, checked to be a JSON object. */
  get(api: GcpApi, path: string, query?: Query): Promise<Record<string, unknown>>;
}

/**
 * Every GCP API is read as REST JSON through one counted, retrying AuthClient. The official
 * clients (google-gax) build their protobuf descriptors when constructed, over a second in one
 * synchronous block for Compute with ~75 MB of live heap; the collector only lists, so it does
 * without them. Paths and parameters are the REST APIs' own (compute/v1, container/v1,
 * cloudasset/v1, cloudresourcemanager/v3, dns/v1).
 */
export async function createGcpClients(cfg: GcpConfig, retry: RetryPolicy = DEFAULT_RETRY): Promise<GcpClients> {
  const auth = countedAndRetried(await authClientFor(cfg), retry);
  const origin = (api: GcpApi): string => (cfg.endpoints[api] ?? DEFAULT_ENDPOINTS[api]).replace(/\/+$/, '');
  return {
    auth,
    async get(api, path, query = {}) {
      const url = new URL(`${origin(api)}/${path.replace(/^\/+/, '')}`);
      for (const [k, v] of Object.entries(query)) {
        if (v === undefined) continue;
        if (typeof v === 'string' || typeof v === 'number') url.searchParams.set(k, String(v));
        else for (const item of v) url.searchParams.append(k, item);
      }
      const res = await auth.request<unknown>({ url: url.toString(), method: 'GET', responseType: 'json' });
      // gaxios hands back the raw text when a body does not parse as JSON: that is a malformed answer, never an empty page.
      if (res.data === null || typeof res.data !== 'object' || Array.isArray(res.data)) {
        throw new ShapeError(`${api} ${url.pathname}: the answer is not a JSON object (got ${typeof res.data === 'string' ? `${res.data.length} characters of text` : res.data === null ? 'null' : Array.isArray(res.data) ? 'a list' : typeof res.data})`);
      }
      return res.data as Record<string, unknown>;
    },
  };
}
