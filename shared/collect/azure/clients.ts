import { readFileSync } from 'node:fs';
import https from 'node:https';
import { ContainerRegistryManagementClient } from '@azure/arm-containerregistry';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { CostManagementClient } from '@azure/arm-costmanagement';
import { DnsResolverManagementClient } from '@azure/arm-dnsresolver';
import { NetworkManagementClient } from '@azure/arm-network';
import { PrivateDnsManagementClient } from '@azure/arm-privatedns';
import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { DefaultAzureCredential } from '@azure/identity';
import type { AzureConfig } from '../../config/schema.js';
import { noteAttempt, noteNoAnswer, noteResponse } from '../kit/calls.js';

/** The public ARM endpoint; overridden by `endpoints.resourceManager` (sovereign clouds, simulator). */
const PUBLIC_ARM = 'https://management.azure.com';

/** SDK clients kept at once: a few per subscription in flight (ARM concurrency is at most 500 requests). */
const CLIENT_CACHE_SIZE = 256;

/** A fixed bearer token for the local simulator (`credential: simulator`); never used against Azure. */
class FixedTokenCredential implements TokenCredential {
  getToken(): Promise<AccessToken> {
    return Promise.resolve({ token: 'airlock-simulator-token', expiresOnTimestamp: Date.now() + 3_600_000 });
  }
}

function azureCredential(config: AzureConfig): TokenCredential {
  if (config.credential === 'simulator') return new FixedTokenCredential();
  return new DefaultAzureCredential(config.tenantId ? { tenantId: config.tenantId } : {});
}

/**
 * Counts every attempt (placed per retry, so retries count too) and keeps the last status and
 * headers. The attempt names its URL, so the run's breaker keys on the endpoint host; an attempt
 * that ends without an HTTP answer (refused, reset, DNS) is reported as such.
 */
const countingPolicy: PipelinePolicy = {
  name: 'airlockCallCounter',
  async sendRequest(request, next) {
    const counter = noteAttempt(request.url);
    let response;
    try {
      response = await next(request);
    } catch (err) {
      // core-rest-pipeline's RestError carries the response when there was one.
      const answered = (err as { response?: { status?: unknown; headers?: { toJSON(): Record<string, string> } } }).response;
      if (typeof answered?.status === 'number') noteResponse(counter, answered.status, answered.headers?.toJSON() ?? {});
      else noteNoAnswer(counter, err);
      throw err;
    }
    noteResponse(counter, response.status, response.headers.toJSON());
    return response;
  },
};

export interface AzureClients {
  endpoint: string;
  credential: TokenCredential;
  containerService(subscriptionId: string): ContainerServiceClient;
  network(subscriptionId: string): NetworkManagementClient;
  privateDns(subscriptionId: string): PrivateDnsManagementClient;
  dnsResolver(subscriptionId: string): DnsResolverManagementClient;
  registry(subscriptionId: string): ContainerRegistryManagementClient;
  costManagement(): CostManagementClient;
  resourceGraph(): ResourceGraphClient;
}

/**
 * Builds the SDK clients from configuration. Only the endpoint, credential and trusted CA come
 * from settings; the rest (retry policy honouring Retry-After, paging) is the SDKs' own.
 */
export function createAzureClients(config: AzureConfig, options: { resourceGraphPolicies?: readonly PipelinePolicy[] } = {}): AzureClients {
  const endpoint = (config.endpoints.resourceManager ?? PUBLIC_ARM).replace(/\/+$/, '');
  const credential = azureCredential(config);
  const caFile = config.endpoints.caCertificateFile;
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new Error(`clouds.azure.endpoints.caCertificateFile: cannot read "${caFile}": ${(err as Error).message}`, { cause: err });
    }
  }
  // One keep-alive agent for every client: without it each SDK client gets its own HTTP client and
  // agent, so every subscription's clients would open their own TLS connections.
  const agent = new https.Agent({ keepAlive: true, ...(ca === undefined ? {} : { ca }) });
  const common = {
    endpoint,
    agent,
    additionalPolicies: [{ policy: countingPolicy, position: 'perRetry' as const }],
  };
  // Per-subscription clients are kept only while recently used (the least recently used go first),
  // so that thousands of subscriptions listed through ARM do not keep thousands of clients.
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    let client = cache.get(key) as T | undefined;
    if (client === undefined) client = make();
    else cache.delete(key);
    cache.set(key, client);
    if (cache.size > CLIENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    return client;
  };
  return {
    endpoint,
    credential,
    containerService: (s) => once(`aks:${s}`, () => new ContainerServiceClient(credential, s, common)),
    network: (s) => once(`net:${s}`, () => new NetworkManagementClient(credential, s, common)),
    privateDns: (s) => once(`pdns:${s}`, () => new PrivateDnsManagementClient(credential, s, common)),
    dnsResolver: (s) => once(`res:${s}`, () => new DnsResolverManagementClient(credential, s, common)),
    registry: (s) => once(`acr:${s}`, () => new ContainerRegistryManagementClient(credential, s, common)),
    costManagement: () => once('cost', () => new CostManagementClient(credential, common)),
    resourceGraph: () =>
      once('arg', () => new ResourceGraphClient(credential, { ...common, additionalPolicies: [...common.additionalPolicies, ...(options.resourceGraphPolicies ?? []).map((policy) => ({ policy, position: 'perRetry' as const }))] })),
  };
}
