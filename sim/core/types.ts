import type { IncomingHttpHeaders } from 'node:http';

/**
 * The contract between the simulator core (HTTP servers, paging sizes, latency, throttling,
 * faults, call counting, allow-list) and the per-cloud API emulations in sim/azure, sim/gcp,
 * sim/aws. A provider only knows its API: routes, bodies, paging tokens and error shapes.
 */
export type ProviderName = 'azure' | 'gcp' | 'aws';

export interface SimRequest {
  method: string;
  /** Absolute URL as received (host is 127.0.0.1:<port>). */
  url: URL;
  headers: IncomingHttpHeaders;
  /** Raw request body (JSON for ARM/GCP/EKS, form-encoded for EC2/ELB query APIs, XML for Route 53 writes). */
  body: string;
}

export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  /** Serialized body (JSON or XML); the provider sets content-type. */
  body?: string;
}

/** A request matched to an API operation. */
export interface RoutedCall {
  /** Operation name used for counting, faults and allow-lists, e.g. `arm:managedClusters.list`, `resourcegraph:resources`, `compute:networks.list`, `ec2:DescribeVpcs`. */
  operation: string;
  /** The throttling bucket: subscription id, project id, or `<account>/<region>`. */
  bucket: string;
  /** Which throttling model applies. */
  throttle: ThrottleModelName;
  handle(): SimResponse;
}

export type ThrottleModelName = 'arm' | 'resource-graph' | 'cost-management' | 'gcp' | 'ec2' | 'aws-other' | 'none';

export type FaultKind = 'server-error' | 'reset' | 'slow' | 'truncated' | 'malformed' | 'denied' | 'throttled';

export interface ProviderServer {
  provider: ProviderName;
  /** Matches a request to an operation; undefined answers 404 in the provider's error shape via `notFound`. */
  route(req: SimRequest): RoutedCall | undefined;
  notFound(req: SimRequest): SimResponse;
  /** The provider's throttling answer: ARM 429 + Retry-After, GCP 403 rateLimitExceeded, EC2 RequestLimitExceeded... */
  throttled(call: RoutedCall, retryAfterSeconds: number): SimResponse;
  /** The provider's answer for `server-error` (5xx) and `denied` (403/AccessDenied) faults. */
  fault(call: RoutedCall, kind: 'server-error' | 'denied'): SimResponse;
}

export interface ProviderEnv {
  /** Items per page for an operation (the behaviour's page size; small in tests). */
  pageSize(operation: string): number;
  /** Base URL this provider is served at, e.g. https://127.0.0.1:41234, for nextLink URLs. */
  baseUrl: string;
}

/** Builds a provider from its part of a scenario; called once per scenario, never per request. */
export type ProviderFactory<Estate> = (estate: Estate, env: ProviderEnv) => ProviderServer;

/**
 * The scopes an estate contains, so the simulator can write an airlock.yaml that audits exactly
 * them. Optional on ProviderServer: without it the core reads `subscriptions[].id`,
 * `projects[].id` and `accounts[].{id, regions}` from the estate.
 */
export interface ProviderScopes {
  subscriptions?: string[];
  projects?: string[];
  accounts?: string[];
  regions?: string[];
}

export interface ProviderServer {
  scopes?(): ProviderScopes;
}

/** Options the core passes to each cloud's estate generator (`generate<Cloud>Estate`). */
export interface AzureGenerateOptions {
  subscriptions: number;
  seed: number;
}
export interface GcpGenerateOptions {
  projects: number;
  seed: number;
}
export interface AwsGenerateOptions {
  /** Number of account × region pairs. */
  accountRegions: number;
  seed: number;
}
