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
import { noteAttempt, noteResponse } from '../kit/calls.js';

/** The public ARM endpoint; overridden by `endpoints.resourceManager` (sovereign clouds, simulator). */
const PUBLIC_ARM = 'https://management.azure.com';

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

/** Counts every attempt (placed per retry, so retries count too) and keeps the last status and headers. */
const countingPolicy: PipelinePolicy = {
  name: 'airlockCallCounter',
  async sendRequest(request, next) {
    const counter = noteAttempt();
    const response = await next(request);
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
export function createAzureClients(config: AzureConfig): AzureClients {
  const endpoint = (config.endpoints.resourceManager ?? PUBLIC_ARM).replace(/\/+$/, '');
  const credential = azureCredential(config);
  const caFile = config.endpoints.caCertificateFile;
  let agent: https.Agent | undefined;
  if (caFile !== undefined) {
    let ca: string;
    try {
      ca = readFileSync(caFile, 'utf8');
    } catch (err) {
      throw new Error(`clouds.azure.endpoints.caCertificateFile: cannot read "${caFile}": ${(err as Error).message}`, { cause: err });
    }
    agent = new https.Agent({ ca, keepAlive: true });
  }
  const common = {
    endpoint,
    ...(agent ? { agent } : {}),
    additionalPolicies: [{ policy: countingPolicy, position: 'perRetry' as const }],
  };
  const cache = new Map<string, unknown>();
  const once = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
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
    resourceGraph: () => once('arg', () => new ResourceGraphClient(credential, common)),
  };
}
