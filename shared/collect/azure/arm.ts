import { createPipelineRequest, type PipelineRequest, type PipelineResponse } from '@azure/core-rest-pipeline';
import pLimit from 'p-limit';
import type { CallRecord } from '../../model/coverage.js';
import type { AzureInventory } from '../../model/inventory/azure.js';
import { scopeKey, type Scope } from '../../model/scope.js';
import { parseArmId } from '../../util/arm-id.js';
import { getCi } from '../../util/props.js';
import { tracked } from '../kit/calls.js';
import type { AzureClients } from './clients.js';
import { AZURE_MAPPERS, AzureShapeError, type ResourceDataset } from './map.js';
import { AZURE_OPERATIONS as OPS } from './permissions.js';

/** Any SDK client: core-client's ServiceClient sends a request through the client's whole pipeline. */
interface PipelineClient {
  sendRequest(request: PipelineRequest): Promise<PipelineResponse>;
}

/** An HTTP failure from a raw pipeline call, shaped like the SDKs' RestError (statusCode). */
class ArmHttpError extends Error {
  constructor(
    message: string,
    readonly statusCode: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'ArmHttpError';
  }
}

/**
 * GET (or POST) a list through a client's own pipeline (credential, retry, counting, CA) and
 * follow `nextLink`: for calls the SDKs do not expose, such as listing resource groups.
 */
export async function* rawPages(client: PipelineClient, url: string, method: 'GET' | 'POST' = 'GET', body?: string): AsyncGenerator {
  let next: string | undefined = url;
  while (next) {
    const request = createPipelineRequest({ url: next, method, ...(body === undefined ? {} : { body }) });
    if (body !== undefined) request.headers.set('content-type', 'application/json');
    const response = await client.sendRequest(request);
    const text = response.bodyAsText ?? '';
    let parsed: unknown;
    try {
      parsed = text.length > 0 ? JSON.parse(text) : {};
    } catch {
      throw new AzureShapeError(`${method} ${new URL(next).pathname}: the response is not JSON (HTTP ${response.status})`);
    }
    if (response.status < 200 || response.status >= 300) {
      const code = getCi(getCi(parsed, 'error'), 'code');
      const message = getCi(getCi(parsed, 'error'), 'message');
      throw new ArmHttpError(`${typeof code === 'string' ? code : 'HTTP error'}: ${typeof message === 'string' ? message : text.slice(0, 200)}`, response.status, typeof code === 'string' ? code : undefined);
    }
    yield parsed;
    const props = getCi(parsed, 'properties');
    const link = getCi(parsed, 'nextLink') ?? getCi(props, 'nextLink');
    next = typeof link === 'string' && link.length > 0 ? link : undefined;
  }
}

async function* rawItems(client: PipelineClient, url: string): AsyncGenerator {
  for await (const page of rawPages(client, url)) {
    const value = getCi(page, 'value');
    if (!Array.isArray(value)) throw new AzureShapeError(`GET ${new URL(url).pathname}: expected a "value" array`);
    yield* value as unknown[];
  }
}

async function collectList<D extends ResourceDataset>(items: AsyncIterable<unknown>, dataset: D): Promise<AzureInventory[D]> {
  const out: unknown[] = [];
  for await (const item of items) out.push(AZURE_MAPPERS[dataset](item));
  return out as AzureInventory[D];
}

interface ArmResult {
  inventory: Partial<AzureInventory>;
  calls: CallRecord[];
}

/** The fallback path: per-subscription ARM listing through the SDK clients. */
export async function collectViaArm(scope: Scope, clients: AzureClients, concurrency = 6): Promise<ArmResult> {
  const sub = scope.id;
  const key = scopeKey(scope);
  const calls: CallRecord[] = [];
  const inventory: Partial<Record<ResourceDataset, unknown[]>> = {};
  const add = (dataset: ResourceDataset, records: readonly unknown[]): void => {
    (inventory[dataset] ??= []).push(...records);
  };
  const limit = pLimit(concurrency);

  const run = async <D extends ResourceDataset>(api: string, dataset: D, list: () => AsyncIterable<unknown>): Promise<AzureInventory[D] | undefined> => {
    const r = await limit(() => tracked({ cloud: 'azure', api, scope: key, dataset }, () => collectList(list(), dataset)));
    calls.push(r.record);
    if (r.value) add(dataset, r.value);
    return r.value;
  };
  /** A dependent listing whose parent listing failed: the dataset is unread for this scope. */
  const skipped = (api: string, dataset: ResourceDataset, parent: string): void => {
    calls.push({ cloud: 'azure', api, scope: key, dataset, ok: false, message: `${api} for ${key} (${dataset}) not attempted: ${parent} failed`, requests: 0 });
  };

  /**
   * A listing that needs its parents first (gateways per resource group, endpoints per resolver):
   * the parent listing is its own call, counted under the dataset it serves.
   */
  const runDependent = async <P>(
    parentApi: string,
    api: string,
    dataset: ResourceDataset,
    parents: () => Promise<P[]>,
    list: (parents: P[]) => AsyncIterable<unknown>,
  ): Promise<void> => {
    const r = await limit(() => tracked({ cloud: 'azure', api: parentApi, scope: key, dataset }, parents));
    calls.push(r.record);
    const found = r.value;
    if (!found) {
      skipped(api, dataset, parentApi);
      return;
    }
    await run(api, dataset, () => list(found));
  };

  const aks = clients.containerService(sub);
  const net = clients.network(sub);
  const dns = clients.privateDns(sub);
  const resolver = clients.dnsResolver(sub);
  const acr = clients.registry(sub);

  await Promise.all([
    run(OPS.managedClustersList.api, 'clusters', () => aks.managedClusters.list()),
    run(OPS.loadBalancersListAll.api, 'loadBalancers', () => net.loadBalancers.listAll()),
    run(OPS.publicIpsListAll.api, 'publicIps', () => net.publicIPAddresses.listAll()),
    run(OPS.virtualNetworksListAll.api, 'virtualNetworks', () => net.virtualNetworks.listAll()),
    run(OPS.bastionHostsList.api, 'bastionHosts', () => net.bastionHosts.list()),
    run(OPS.azureFirewallsListAll.api, 'firewalls', () => net.azureFirewalls.listAll()),
    run(OPS.registriesList.api, 'registries', () => acr.registries.list()),
    // Gateways are listed per resource group only.
    runDependent(OPS.resourceGroupsList.api, OPS.virtualNetworkGatewaysList.api, 'gateways', async () => {
      const names: string[] = [];
      for await (const rg of rawItems(net, `${clients.endpoint}/subscriptions/${sub}/resourcegroups?api-version=2021-04-01`)) {
        const name = getCi(rg, 'name');
        if (typeof name !== 'string') throw new AzureShapeError(`resource group without a name in subscription ${sub}`);
        names.push(name);
      }
      return names;
    }, async function* (names) {
      for (const rg of names) yield* net.virtualNetworkGateways.list(rg);
    }),
    (async () => {
      const zones = await run(OPS.privateZonesList.api, 'privateDnsZones', () => dns.privateZones.list());
      if (!zones) {
        skipped(OPS.virtualNetworkLinksList.api, 'privateDnsLinks', OPS.privateZonesList.api);
        skipped(OPS.recordSetsListByType.api, 'privateDnsRecords', OPS.privateZonesList.api);
        return;
      }
      const located = zones.map((z) => ({ rg: parseArmId(z.id)?.resourceGroup ?? '', name: z.name }));
      await Promise.all([
        run(OPS.virtualNetworkLinksList.api, 'privateDnsLinks', async function* () {
          for (const z of located) yield* dns.virtualNetworkLinks.list(z.rg, z.name);
        }),
        run(OPS.recordSetsListByType.api, 'privateDnsRecords', async function* () {
          for (const z of located) yield* dns.recordSets.listByType(z.rg, z.name, 'A');
        }),
      ]);
    })(),
    runDependent(OPS.dnsResolversList.api, OPS.inboundEndpointsList.api, 'resolverInboundEndpoints', async () => {
      const out: { rg: string; name: string }[] = [];
      for await (const r of resolver.dnsResolvers.list()) {
        const id = getCi(r, 'id');
        const name = getCi(r, 'name');
        if (typeof id !== 'string' || typeof name !== 'string') throw new AzureShapeError(`DNS resolver without id/name in subscription ${sub}`);
        out.push({ rg: parseArmId(id)?.resourceGroup ?? '', name });
      }
      return out;
    }, async function* (resolvers) {
      for (const r of resolvers) yield* resolver.inboundEndpoints.list(r.rg, r.name);
    }),
  ]);
  return { inventory: inventory as Partial<AzureInventory>, calls };
}
