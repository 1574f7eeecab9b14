import { setTimeout as sleep } from 'node:timers/promises';
import { AssetServiceClient } from '@google-cloud/asset';
import { FirewallsClient, InstancesClient, NetworksClient, RoutersClient, RoutesClient, SubnetworksClient } from '@google-cloud/compute';
import { ClusterManagerClient } from '@google-cloud/container';
import { FoldersClient, ProjectsClient } from '@google-cloud/resource-manager';
import { DefaultAzureCredential } from '@azure/identity';
import { GoogleAuth, IdentityPoolClient, PassThroughClient, type AuthClient } from 'google-auth-library';
import type { AirlockConfig } from '../../config/schema.js';
import { noteAttempt, noteNoAnswer, noteResponse } from '../kit/calls.js';
import { classifyError } from '../kit/errors.js';

export type GcpConfig = NonNullable<AirlockConfig['clouds']['gcp']>;

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
const DEFAULT_DNS = 'https://dns.googleapis.com';

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

/** `{ apiEndpoint, port, protocol }` for gax from an endpoint URL (simulator, private endpoints). */
function gaxEndpoint(url: string | undefined): Record<string, unknown> {
  if (url === undefined) return {};
  const u = new URL(url);
  const protocol = u.protocol.replace(':', '');
  return { apiEndpoint: u.hostname, port: Number(u.port || (protocol === 'http' ? 80 : 443)), protocol };
}

type GaxOptions = NonNullable<ConstructorParameters<typeof NetworksClient>[0]>;

export interface GcpClients {
  auth: AuthClient;
  container(): ClusterManagerClient;
  networks(): NetworksClient;
  subnetworks(): SubnetworksClient;
  routers(): RoutersClient;
  routes(): RoutesClient;
  firewalls(): FirewallsClient;
  instances(): InstancesClient;
  asset(): AssetServiceClient;
  projects(): ProjectsClient;
  folders(): FoldersClient;
  /** Cloud DNS v1 base URL (`…/dns/v1`), read through `auth.request`. */
  dnsBase: string;
  close(): Promise<void>;
}

/**
 * The official clients on the REST transport (`fallback: true`) with one counted, retrying
 * AuthClient. Cloud DNS is read as REST through the same AuthClient: @google-cloud/dns sends
 * through its own transport, out of reach of the counter, and only speaks https.
 */
export async function createGcpClients(cfg: GcpConfig, retry: RetryPolicy = DEFAULT_RETRY): Promise<GcpClients> {
  const auth = countedAndRetried(await authClientFor(cfg), retry);
  // google-gax pins its own google-auth-library, so its AuthClient type differs nominally.
  const base = (url: string | undefined): GaxOptions => ({ fallback: true, authClient: auth, ...gaxEndpoint(url) }) as unknown as GaxOptions;
  const made: { close(): Promise<void> }[] = [];
  const once = <T extends { close(): Promise<void> }>(make: () => T): (() => T) => {
    let client: T | undefined;
    return () => {
      if (!client) {
        client = make();
        made.push(client);
      }
      return client;
    };
  };
  const e = cfg.endpoints;
  return {
    auth,
    container: once(() => new ClusterManagerClient(base(e.container))),
    networks: once(() => new NetworksClient(base(e.compute))),
    subnetworks: once(() => new SubnetworksClient(base(e.compute))),
    routers: once(() => new RoutersClient(base(e.compute))),
    routes: once(() => new RoutesClient(base(e.compute))),
    firewalls: once(() => new FirewallsClient(base(e.compute))),
    instances: once(() => new InstancesClient(base(e.compute))),
    asset: once(() => new AssetServiceClient(base(e.asset))),
    projects: once(() => new ProjectsClient(base(e.resourceManager))),
    folders: once(() => new FoldersClient(base(e.resourceManager))),
    dnsBase: `${(e.dns ?? DEFAULT_DNS).replace(/\/+$/, '')}/dns/v1`,
    async close() {
      await Promise.all(made.map((c) => c.close().catch(() => undefined)));
    },
  };
}
