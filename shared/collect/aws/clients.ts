import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { EC2Client, type EC2ClientConfig } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingClient } from '@aws-sdk/client-elastic-load-balancing';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { fromNodeProviderChain, fromTemporaryCredentials, fromWebToken } from '@aws-sdk/credential-providers';
import { DefaultAzureCredential } from '@azure/identity';
import type { AirlockConfig } from '../../config/schema.js';
import { noteAttempt, noteNoAnswer, noteResponse } from '../kit/calls.js';

/** Credentials as every SDK v3 client takes them: static keys or a provider. */
type Credentials = NonNullable<EC2ClientConfig['credentials']>;
type Identity = Awaited<ReturnType<Extract<Credentials, (...args: never[]) => unknown>>>;
type Provider = () => Promise<Identity>;
export type AwsConfig = NonNullable<AirlockConfig['clouds']['aws']>;

/** Fixed keys for the simulator and moto (`credential: simulator`); never sent to AWS. */
const SIMULATOR_KEYS = { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'airlock-simulator-secret' };

/** Cost Explorer, Route 53, Organizations and STS are global services signed for us-east-1. */
export const GLOBAL_REGION = 'us-east-1';

/**
 * The Entra ID audience (Application ID URI) of the managed-identity token exchanged for AWS
 * credentials: the AWS OIDC provider's client id. App setting AIRLOCK_AWS_WEB_IDENTITY_AUDIENCE.
 */
const DEFAULT_WEB_IDENTITY_AUDIENCE = 'api://AzureADTokenExchange';

interface MiddlewareStackLike {
  addRelativeTo(middleware: unknown, options: { relation: 'after'; toMiddleware: string; name: string; override?: boolean }): void;
}

/** The endpoint (scheme, host, port) of the HTTP request an attempt sends, for the run's breaker. */
function endpointOf(args: unknown): string | undefined {
  const request = (args as { request?: { protocol?: unknown; hostname?: unknown; port?: unknown } } | null)?.request;
  if (typeof request?.hostname !== 'string') return undefined;
  const protocol = typeof request.protocol === 'string' ? request.protocol.replace(/:?$/, ':') : 'https:';
  return `${protocol}//${request.hostname}${typeof request.port === 'number' ? `:${request.port}` : ''}`;
}

/**
 * Counts every attempt of a call: placed right after the retry middleware (inside its loop) so
 * retries count too, with the status and headers of each attempt's response or error.
 */
export const countingPlugin = {
  applyToStack(stack: MiddlewareStackLike): void {
    stack.addRelativeTo(
      (next: (args: unknown) => Promise<{ response: { statusCode?: number; headers?: Record<string, string> } }>) => async (args: unknown) => {
        const counter = noteAttempt(endpointOf(args));
        try {
          const out = await next(args);
          noteResponse(counter, out.response.statusCode ?? 200, out.response.headers ?? {});
          return out;
        } catch (err) {
          const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number; headers?: Record<string, string> } };
          const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
          if (status !== undefined) noteResponse(counter, status, e.$response?.headers ?? {});
          else noteNoAnswer(counter, err);
          throw err;
        }
      },
      { relation: 'after', toMiddleware: 'retryMiddleware', name: 'airlockCallCounter', override: true },
    );
  },
};

/** Caches a credential provider's result until five minutes before it expires. */
function memoize(provider: Provider): Provider {
  let pending: Promise<Identity> | undefined;
  return async () => {
    const current = pending;
    if (current) {
      const identity = await current.catch(() => undefined);
      if (identity && (identity.expiration === undefined || identity.expiration.getTime() - Date.now() > 300_000)) return identity;
    }
    const next = provider();
    pending = next;
    next.catch(() => {
      if (pending === next) pending = undefined;
    });
    return next;
  };
}

/**
 * From Azure: an Entra ID token of the Function App's managed identity, exchanged through
 * AssumeRoleWithWebIdentity. A fresh token per exchange, since the SDK's web-token provider keeps none.
 */
function webIdentityCredentials(config: AwsConfig, roleArn: string, env: NodeJS.ProcessEnv): Provider {
  const azure = new DefaultAzureCredential();
  const audience = (env['AIRLOCK_AWS_WEB_IDENTITY_AUDIENCE'] ?? DEFAULT_WEB_IDENTITY_AUDIENCE).replace(/\/+$/, '');
  return async () => {
    const token = await azure.getToken(`${audience}/.default`);
    return fromWebToken({
      roleArn,
      webIdentityToken: token.token,
      roleSessionName: 'airlock',
      clientConfig: { region: GLOBAL_REGION, ...(config.endpoint ? { endpoint: config.endpoint } : {}) },
    })();
  };
}

function baseCredentials(config: AwsConfig, env: NodeJS.ProcessEnv): Credentials {
  if (config.credential === 'simulator') return SIMULATOR_KEYS;
  if (config.webIdentityRoleArn) return memoize(webIdentityCredentials(config, config.webIdentityRoleArn, env));
  return fromNodeProviderChain();
}

export interface AwsClients {
  /** The audit identity itself (Organizations, the kops state stores). */
  base: Credentials;
  /** The read-only role assumed in an account; one provider per account, refreshed before expiry. */
  account(accountId: string): Provider;
  ec2(credentials: Credentials, region: string): EC2Client;
  elbv2(credentials: Credentials, region: string): ElasticLoadBalancingV2Client;
  elb(credentials: Credentials, region: string): ElasticLoadBalancingClient;
  eks(credentials: Credentials, region: string): EKSClient;
  route53(credentials: Credentials): Route53Client;
  costExplorer(credentials: Credentials): CostExplorerClient;
  organizations(credentials: Credentials): OrganizationsClient;
  s3(credentials: Credentials, region: string): S3Client;
}

/** `arn:aws:iam::<account>:role/<roleName>`; a role path in roleName (`audit/Reader`) is kept. */
export function roleArnFor(accountId: string, roleName: string): string {
  return `arn:aws:iam::${accountId}:role/${roleName.replace(/^\/+/, '')}`;
}

/**
 * SDK v3 clients for one collection: only endpoint, region and credentials come from settings;
 * retries (standard mode, which retries throttling such as RequestLimitExceeded) and paging are
 * the SDK's own. One endpoint for every service points the collector at the simulator or moto.
 */
export function createAwsClients(config: AwsConfig, env: NodeJS.ProcessEnv = process.env): AwsClients {
  const base = baseCredentials(config, env);
  const endpoint = config.endpoint ? { endpoint: config.endpoint } : {};
  const common = (credentials: Credentials, region: string) => ({ region, credentials, ...endpoint, retryMode: 'standard', maxAttempts: 5 });
  const accounts = new Map<string, Provider>();
  const cache = new Map<string, unknown>();
  const clientIds = new WeakMap<object, number>();
  let nextId = 0;
  const idOf = (c: Credentials): number => {
    if (typeof c !== 'object' && typeof c !== 'function') return -1;
    let id = clientIds.get(c);
    if (id === undefined) {
      id = nextId++;
      clientIds.set(c, id);
    }
    return id;
  };
  const once = <T extends { middlewareStack: { use(p: unknown): void } }>(kind: string, credentials: Credentials, region: string, make: () => T): T => {
    const key = `${kind}|${idOf(credentials)}|${region}`;
    let client = cache.get(key) as T | undefined;
    if (!client) {
      client = make();
      client.middlewareStack.use(countingPlugin);
      cache.set(key, client);
    }
    return client;
  };
  return {
    base,
    account(accountId) {
      let provider = accounts.get(accountId);
      if (!provider) {
        provider = memoize(
          fromTemporaryCredentials({
            params: { RoleArn: roleArnFor(accountId, config.roleName), RoleSessionName: 'airlock-audit', DurationSeconds: 3600 },
            masterCredentials: base,
            clientConfig: { region: GLOBAL_REGION, ...endpoint },
            clientPlugins: [countingPlugin as never],
          }),
        );
        accounts.set(accountId, provider);
      }
      return provider;
    },
    ec2: (c, region) => once('ec2', c, region, () => new EC2Client(common(c, region))),
    elbv2: (c, region) => once('elbv2', c, region, () => new ElasticLoadBalancingV2Client(common(c, region))),
    elb: (c, region) => once('elb', c, region, () => new ElasticLoadBalancingClient(common(c, region))),
    eks: (c, region) => once('eks', c, region, () => new EKSClient(common(c, region))),
    route53: (c) => once('route53', c, GLOBAL_REGION, () => new Route53Client(common(c, GLOBAL_REGION))),
    costExplorer: (c) => once('ce', c, GLOBAL_REGION, () => new CostExplorerClient(common(c, GLOBAL_REGION))),
    organizations: (c) => once('org', c, GLOBAL_REGION, () => new OrganizationsClient(common(c, GLOBAL_REGION))),
    // Path-style addressing: the simulator and moto serve every bucket on one host.
    s3: (c, region) => once('s3', c, region, () => new S3Client({ ...common(c, region), forcePathStyle: config.endpoint !== undefined, followRegionRedirects: true })),
  };
}
