import { pushTo } from '../core/multimap.js';
import { encodeOffsetToken } from '../core/paging.js';
import type { ProviderEnv, ProviderFactory, ProviderServer, RoutedCall, SimRequest, SimResponse } from '../core/types.js';
import { renderEstate, type ArmKind, type CostRow, type Json, type RenderedSubscription } from './render.js';
import type { AzureEstate } from './scenario.js';

/**
 * The Azure emulation: ARM list operations (nextLink paging), Resource Graph
 * (`POST /providers/Microsoft.ResourceGraph/resources`, `$skipToken` paging, objectArray and
 * table formats) and Cost Management query (columns/rows, nextLink paging), with ARM error shapes.
 */

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** Wire ARM kind → the SDK operation name used for counting, faults and allow-lists. */
const LIST_OPERATION: Record<ArmKind, string> = {
  managedClusters: 'arm:managedClusters.list',
  loadBalancers: 'arm:loadBalancers.listAll',
  publicIPAddresses: 'arm:publicIPAddresses.listAll',
  virtualNetworks: 'arm:virtualNetworks.listAll',
  privateDnsZones: 'arm:privateZones.list',
  virtualNetworkLinks: 'arm:virtualNetworkLinks.list',
  aRecordSets: 'arm:recordSets.listByType',
  dnsResolvers: 'arm:dnsResolvers.list',
  inboundEndpoints: 'arm:inboundEndpoints.list',
  registries: 'arm:registries.list',
  bastionHosts: 'arm:bastionHosts.list',
  azureFirewalls: 'arm:azureFirewalls.listAll',
  virtualNetworkGateways: 'arm:virtualNetworkGateways.list',
  resourceGroups: 'arm:resourceGroups.list',
};

/** The RBAC action a denied caller is told it lacks. */
const ACTION: Record<ArmKind, string> = {
  managedClusters: 'Microsoft.ContainerService/managedClusters/read',
  loadBalancers: 'Microsoft.Network/loadBalancers/read',
  publicIPAddresses: 'Microsoft.Network/publicIPAddresses/read',
  virtualNetworks: 'Microsoft.Network/virtualNetworks/read',
  privateDnsZones: 'Microsoft.Network/privateDnsZones/read',
  virtualNetworkLinks: 'Microsoft.Network/privateDnsZones/virtualNetworkLinks/read',
  aRecordSets: 'Microsoft.Network/privateDnsZones/A/read',
  dnsResolvers: 'Microsoft.Network/dnsResolvers/read',
  inboundEndpoints: 'Microsoft.Network/dnsResolvers/inboundEndpoints/read',
  registries: 'Microsoft.ContainerRegistry/registries/read',
  bastionHosts: 'Microsoft.Network/bastionHosts/read',
  azureFirewalls: 'Microsoft.Network/azureFirewalls/read',
  virtualNetworkGateways: 'Microsoft.Network/virtualNetworkGateways/read',
  resourceGroups: 'Microsoft.Resources/subscriptions/resourceGroups/read',
};

const SUBSCRIPTION_LISTS: Record<string, ArmKind> = {
  'microsoft.containerservice/managedclusters': 'managedClusters',
  'microsoft.network/loadbalancers': 'loadBalancers',
  'microsoft.network/publicipaddresses': 'publicIPAddresses',
  'microsoft.network/virtualnetworks': 'virtualNetworks',
  'microsoft.network/bastionhosts': 'bastionHosts',
  'microsoft.network/azurefirewalls': 'azureFirewalls',
  'microsoft.network/privatednszones': 'privateDnsZones',
  'microsoft.network/dnsresolvers': 'dnsResolvers',
  'microsoft.containerregistry/registries': 'registries',
};

/** Resource Graph tables: record sets live in `dnsresources`, subscriptions in `resourcecontainers`. */
function argTableOf(typeLower: string): string {
  if (typeLower.startsWith('microsoft.network/privatednszones/') && !typeLower.endsWith('/virtualnetworklinks')) return 'dnsresources';
  if (typeLower.startsWith('microsoft.resources/')) return 'resourcecontainers';
  return 'resources';
}

interface SubIndex {
  sub: RenderedSubscription;
  /** `<kind>` or `<kind>|<parent key lower>` → wire bodies sorted by id. */
  lists: Map<string, Json[]>;
}

interface ArgRow {
  subscriptionId: string;
  id: string;
  row: Json;
}

function armError(status: number, code: string, message: string, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { ...JSON_HEADERS, 'x-ms-failure-cause': status === 403 ? 'gateway' : 'service', ...headers }, body: JSON.stringify({ error: { code, message } }) };
}

function ok(body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status: 200, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** Reads an offset token (as `encodeOffsetToken` writes it); -1 when it is not one. */
function parseOffset(token: string | null | undefined): number {
  if (!token) return 0;
  const n = Number(Buffer.from(token, 'base64url').toString('utf8').replace(/^o:/, ''));
  return Number.isInteger(n) && n >= 0 ? n : -1;
}

function byId(a: Json, b: Json): number {
  const x = String(a['id']).toLowerCase();
  const y = String(b['id']).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

function parentKey(id: string): string {
  return id.split('/').slice(0, -2).join('/').toLowerCase();
}

function argRowOf(tenantId: string, subscriptionId: string, resourceGroup: string, body: Json): Json {
  return {
    id: body['id'],
    name: body['name'],
    type: String(body['type']).toLowerCase(),
    tenantId,
    kind: '',
    location: body['location'] ?? '',
    resourceGroup: resourceGroup.toLowerCase(),
    subscriptionId,
    managedBy: '',
    sku: body['sku'] ?? null,
    plan: null,
    properties: body['properties'] ?? {},
    tags: body['tags'] ?? {},
    identity: body['identity'] ?? null,
    zones: null,
    extendedLocation: null,
  };
}

const ARG_COLUMNS = ['id', 'name', 'type', 'tenantId', 'kind', 'location', 'resourceGroup', 'subscriptionId', 'managedBy', 'sku', 'plan', 'properties', 'tags', 'identity', 'zones', 'extendedLocation'];
const ARG_OBJECT_COLUMNS = new Set(['sku', 'plan', 'properties', 'tags', 'identity', 'zones', 'extendedLocation']);

export const createAzureProvider: ProviderFactory<AzureEstate> = (estate: AzureEstate, env: ProviderEnv): ProviderServer => {
  const rendered = renderEstate(estate);
  const subs = new Map<string, SubIndex>();
  const argRows = new Map<string, ArgRow[]>();
  for (const sub of rendered.subscriptions) {
    const lists = new Map<string, Json[]>();
    for (const r of sub.resources) {
      const id = String(r.body['id']);
      pushTo(lists, r.kind, r.body);
      if (r.kind === 'virtualNetworkGateways') pushTo(lists, `${r.kind}|${r.resourceGroup.toLowerCase()}`, r.body);
      if (r.kind === 'virtualNetworkLinks' || r.kind === 'aRecordSets' || r.kind === 'inboundEndpoints') pushTo(lists, `${r.kind}|${parentKey(id)}`, r.body);
      if (r.kind !== 'resourceGroups') pushTo(argRows, String(r.body['type']).toLowerCase(), { subscriptionId: sub.id, id, row: argRowOf(rendered.tenantId, sub.id, r.resourceGroup, r.body) });
    }
    for (const list of lists.values()) list.sort(byId);
    subs.set(sub.id.toLowerCase(), { sub, lists });
    // The subscription itself, a `resourcecontainers` row with no resource group.
    const subscriptionBody = {
      id: `/subscriptions/${sub.id}`,
      name: sub.name,
      type: 'microsoft.resources/subscriptions',
      properties: { state: 'Enabled', managementGroupAncestorsChain: sub.managementGroups.map((name) => ({ name, displayName: name })) },
    };
    pushTo(argRows, subscriptionBody.type, { subscriptionId: sub.id, id: subscriptionBody.id, row: argRowOf(rendered.tenantId, sub.id, '', subscriptionBody) });
  }
  for (const list of argRows.values()) list.sort((a, b) => byId({ id: a.id }, { id: b.id }));

  const denied = (subId: string, action: string): SimResponse =>
    armError(
      403,
      'AuthorizationFailed',
      `The client 'airlock-reader' with object id '00000000-0000-0000-0000-00000000a11c' does not have authorization to perform action '${action}' over scope '/subscriptions/${subId}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );

  const armList = (req: SimRequest, operation: string, subKey: string, listKey: string, action: string): RoutedCall => ({
    operation,
    bucket: subKey,
    throttle: 'arm',
    handle(): SimResponse {
      const index = subs.get(subKey);
      if (!index) return armError(404, 'SubscriptionNotFound', `The subscription '${subKey}' could not be found.`);
      if (index.sub.denied) return denied(index.sub.id, action);
      const items = index.lists.get(listKey) ?? [];
      const offset = parseOffset(req.url.searchParams.get('$skipToken') ?? req.url.searchParams.get('$skiptoken'));
      if (offset < 0) return armError(400, 'InvalidSkipToken', `The $skipToken in ${req.url.pathname} is not valid.`);
      const size = Math.max(1, env.pageSize(operation));
      const page = items.slice(offset, offset + size);
      const body: Json = { value: page };
      if (offset + size < items.length) {
        // Written as ARM writes it: `$skipToken` unencoded (the token itself is URL-safe).
        body['nextLink'] = `${env.baseUrl}${req.url.pathname}?api-version=${encodeURIComponent(req.url.searchParams.get('api-version') ?? '2024-05-01')}&$skipToken=${encodeOffsetToken(offset + size)}`;
      }
      return ok(body);
    },
  });

  const resourceGraph = (req: SimRequest): RoutedCall => ({
    operation: 'resourcegraph:resources',
    bucket: 'principal',
    throttle: 'resource-graph',
    handle(): SimResponse {
      let request: Json;
      try {
        request = JSON.parse(req.body) as Json;
      } catch {
        return armError(400, 'BadRequest', 'The request body is not valid JSON.');
      }
      const query = typeof request['query'] === 'string' ? request['query'] : '';
      const table = (/^\s*([A-Za-z_]+)/.exec(query)?.[1] ?? '').toLowerCase();
      const typeFilter = /\btype\s*=~\s*'([^']+)'/i.exec(query)?.[1]?.toLowerCase();
      if (!['resources', 'dnsresources', 'resourcecontainers'].includes(table) || typeFilter === undefined) {
        return armError(400, 'BadRequest', `Please provide below info when asking for support: the query "${query}" is not supported by this emulation (expected <table> | where type =~ '<type>' ...).`);
      }
      if (argTableOf(typeFilter) !== table) {
        return ok({ totalRecords: 0, count: 0, resultTruncated: 'false', facets: [], data: [] });
      }
      const requestedSubs = Array.isArray(request['subscriptions']) ? (request['subscriptions'] as unknown[]).map((s) => String(s).toLowerCase()) : undefined;
      const mgs = Array.isArray(request['managementGroups']) ? (request['managementGroups'] as unknown[]).map((s) => String(s).toLowerCase()) : undefined;
      let inScope: Set<string>;
      if (requestedSubs && requestedSubs.length > 0) {
        for (const s of requestedSubs) {
          const index = subs.get(s);
          if (index?.sub.denied) return denied(index.sub.id, 'Microsoft.ResourceGraph/resources/read');
        }
        inScope = new Set(requestedSubs);
      } else if (mgs && mgs.length > 0) {
        inScope = new Set([...subs.values()].filter((i) => i.sub.managementGroups.some((m) => mgs.includes(m.toLowerCase()))).map((i) => i.sub.id.toLowerCase()));
      } else {
        inScope = new Set(subs.keys());
      }
      // Resource Graph never shows resources of subscriptions the caller cannot read.
      const rows = (argRows.get(typeFilter) ?? []).filter((r) => inScope.has(r.subscriptionId.toLowerCase()) && (table === 'resourcecontainers' || !subs.get(r.subscriptionId.toLowerCase())?.sub.denied));
      const options = (request['options'] ?? {}) as Json;
      const offset = parseOffset(typeof options['$skipToken'] === 'string' ? options['$skipToken'] : typeof options['skipToken'] === 'string' ? options['skipToken'] : undefined);
      if (offset < 0) return armError(400, 'BadRequest', 'The $skipToken is not valid.');
      const top = typeof options['$top'] === 'number' ? options['$top'] : 1000;
      const skip = typeof options['$skip'] === 'number' && offset === 0 ? options['$skip'] : 0;
      const size = Math.max(1, Math.min(1000, top, env.pageSize('resourcegraph:resources')));
      const start = offset + skip;
      const page = rows.slice(start, start + size).map((r) => r.row);
      const table_ = typeof options['resultFormat'] === 'string' && options['resultFormat'].toLowerCase() === 'table';
      const data = table_
        ? {
            columns: ARG_COLUMNS.map((name) => ({ name, type: ARG_OBJECT_COLUMNS.has(name) ? 'object' : 'string' })),
            rows: page.map((row) => ARG_COLUMNS.map((c) => row[c] ?? null)),
          }
        : page;
      const body: Json = { totalRecords: rows.length, count: page.length, resultTruncated: 'false', facets: [], data };
      if (start + size < rows.length) body['$skipToken'] = encodeOffsetToken(start + size);
      return ok(body);
    },
  });

  /**
   * The subscriptions a Cost Management scope holds, or the error the API answers for it: a
   * management group only for EA and pay-as-you-go subscriptions, a billing account for EA and
   * MCA, a billing profile for MCA (understand-work-scopes.md).
   */
  const { agreement, accountId, profiles } = estate.billing;
  const scopeSubs = (kind: 'management-group' | 'billing-account' | 'billing-profile', id: string, profile?: string): SubIndex[] | SimResponse => {
    if (kind === 'management-group') {
      const held = [...subs.values()].filter((i) => i.sub.managementGroups.some((m) => m.toLowerCase() === id));
      if (held.length === 0) return armError(404, 'ManagementGroupNotFound', `The management group '${id}' could not be found or holds no subscription the caller can see.`);
      if (agreement === 'MicrosoftCustomerAgreement') {
        return armError(400, 'BadRequest', `Cost data at management group scope '${id}' is available for Enterprise Agreement and pay-as-you-go subscriptions only; this management group holds ${agreement} subscriptions.`);
      }
      return held;
    }
    if (id !== accountId.toLowerCase()) return armError(404, 'BillingAccountNotFound', `The billing account '${id}' could not be found.`);
    if (kind === 'billing-account' && agreement === 'MicrosoftOnlineServicesProgram') {
      return armError(400, 'BadRequest', `Cost data at billing account scope is not available for ${agreement} billing accounts; query each subscription.`);
    }
    if (kind === 'billing-profile') {
      if (agreement !== 'MicrosoftCustomerAgreement') return armError(400, 'BadRequest', `Billing profiles exist for Microsoft Customer Agreement billing accounts only; '${id}' is ${agreement}.`);
      if (!profiles.some((p) => p.toLowerCase() === profile)) return armError(404, 'BillingProfileNotFound', `The billing profile '${profile ?? ''}' could not be found in billing account '${id}'.`);
    }
    return [...subs.values()];
  };

  /** The SubscriptionId values of an `In` filter anywhere in the query's filter expression, if any. */
  const subscriptionFilter = (filter: unknown): Set<string> | undefined => {
    if (filter === null || typeof filter !== 'object') return undefined;
    const f = filter as Json;
    const dims = f['dimensions'] as Json | undefined;
    if (dims && String(dims['name']).toLowerCase() === 'subscriptionid' && Array.isArray(dims['values'])) return new Set((dims['values'] as unknown[]).map((v) => String(v).toLowerCase()));
    for (const part of Array.isArray(f['and']) ? (f['and'] as unknown[]) : []) {
      const found = subscriptionFilter(part);
      if (found) return found;
    }
    return undefined;
  };

  /** `POST <scope>/providers/Microsoft.CostManagement/query` at a subscription, management group or billing scope. */
  const costQuery = (req: SimRequest, bucket: string, resolve: () => SubIndex[] | SimResponse, scopePath: string): RoutedCall => ({
    operation: 'costmanagement:query',
    bucket,
    throttle: 'cost-management',
    handle(): SimResponse {
      const resolved = resolve();
      if (!Array.isArray(resolved)) return resolved;
      let request: Json;
      try {
        request = JSON.parse(req.body) as Json;
      } catch {
        return armError(400, 'BadRequest', 'The request body is not valid JSON.');
      }
      const dataset = (request['dataset'] ?? {}) as Json;
      const only = subscriptionFilter(dataset['filter']);
      const inScope = resolved.filter((i) => only === undefined || only.has(i.sub.id.toLowerCase())).sort((a, b) => (a.sub.id.toLowerCase() < b.sub.id.toLowerCase() ? -1 : 1));
      // The caller needs Cost Management Reader over every subscription the answer would cover.
      const refused = inScope.find((i) => i.sub.denied);
      if (refused) return refused === resolved[0] && resolved.length === 1 ? denied(refused.sub.id, 'Microsoft.CostManagement/query/action') : armError(403, 'AuthorizationFailed', `The client 'airlock-reader' does not have authorization to perform action 'Microsoft.CostManagement/query/action' over scope '/${scopePath}' (subscription '${refused.sub.id}').`);
      const aggregation = (dataset['aggregation'] ?? {}) as Record<string, Json>;
      const grouping = Array.isArray(dataset['grouping']) ? (dataset['grouping'] as Json[]) : [];
      const columns: { name: string; type: string }[] = [];
      const valueOf: ((r: CostRow, subscriptionId: string) => unknown)[] = [];
      for (const a of Object.values(aggregation)) {
        const name = String(a['name']);
        columns.push({ name, type: 'Number' });
        valueOf.push((r) => (/quantity/i.test(name) ? r.quantityGb : r.cost));
      }
      for (const g of grouping) {
        const name = String(g['name']);
        columns.push({ name, type: 'String' });
        valueOf.push((r, subscriptionId) =>
          /^resourceid$/i.test(name) ? r.resourceId : /^meter$/i.test(name) ? r.meter : /^metercategory$/i.test(name) ? 'Virtual Network' : /^metersubcategory$/i.test(name) ? 'Peering' : /^subscriptionid$/i.test(name) ? subscriptionId : '',
        );
      }
      columns.push({ name: 'Currency', type: 'String' });
      valueOf.push(() => 'USD');
      const rows = inScope.flatMap((i) => i.sub.costRows.map((r) => valueOf.map((f) => f(r, i.sub.id))));
      const offset = parseOffset(req.url.searchParams.get('$skiptoken') ?? req.url.searchParams.get('$skipToken'));
      if (offset < 0) return armError(400, 'BadRequest', 'The $skiptoken is not valid.');
      const size = Math.max(1, env.pageSize('costmanagement:query'));
      let nextLink: string | null = null;
      if (offset + size < rows.length) {
        nextLink = `${env.baseUrl}${req.url.pathname}?api-version=${encodeURIComponent(req.url.searchParams.get('api-version') ?? '2023-03-01')}&$skiptoken=${encodeOffsetToken(offset + size)}`;
      }
      return ok(
        {
          id: `${scopePath}/providers/Microsoft.CostManagement/query/${offset}`,
          name: `query-${offset}`,
          type: 'Microsoft.CostManagement/query',
          location: null,
          sku: null,
          eTag: null,
          properties: { nextLink, columns, rows: rows.slice(offset, offset + size) },
        },
        { 'x-ms-ratelimit-microsoft.costmanagement-qpu-remaining': 'QueryResource=120' },
      );
    },
  });

  /** A subscription-scope query: the subscription alone, or the ARM error for it. */
  const subscriptionScope = (subKey: string) => (): SubIndex[] | SimResponse => {
    const index = subs.get(subKey);
    if (!index) return armError(404, 'SubscriptionNotFound', `The subscription '${subKey}' could not be found.`);
    if (index.sub.denied) return denied(index.sub.id, 'Microsoft.CostManagement/query/action');
    return [index];
  };

  return {
    provider: 'azure',
    route(req: SimRequest): RoutedCall | undefined {
      const path = req.url.pathname.replace(/\/{2,}/g, '/').replace(/\/$/, '').toLowerCase();
      const method = req.method.toUpperCase();
      if (method === 'POST') {
        if (path === '/providers/microsoft.resourcegraph/resources') return resourceGraph(req);
        const cost = /^\/subscriptions\/([^/]+)\/providers\/microsoft\.costmanagement\/query$/.exec(path);
        if (cost?.[1]) return costQuery(req, cost[1], subscriptionScope(cost[1]), `subscriptions/${cost[1]}`);
        const mg = /^\/providers\/microsoft\.management\/managementgroups\/([^/]+)\/providers\/microsoft\.costmanagement\/query$/.exec(path);
        if (mg?.[1]) {
          const id = mg[1];
          return costQuery(req, `mg:${id}`, () => scopeSubs('management-group', id), `providers/Microsoft.Management/managementGroups/${id}`);
        }
        const bill = /^\/providers\/microsoft\.billing\/billingaccounts\/([^/]+)(?:\/billingprofiles\/([^/]+))?\/providers\/microsoft\.costmanagement\/query$/.exec(path);
        if (bill?.[1]) {
          const [, account, profile] = bill as unknown as [string, string, string | undefined];
          return costQuery(req, `billing:${account}`, () => scopeSubs(profile === undefined ? 'billing-account' : 'billing-profile', account, profile), `providers/Microsoft.Billing/billingAccounts/${account}${profile === undefined ? '' : `/billingProfiles/${profile}`}`);
        }
        return undefined;
      }
      if (method !== 'GET') return undefined;
      let m = /^\/subscriptions\/([^/]+)\/providers\/([^/]+\/[^/]+)$/.exec(path);
      if (m?.[1] && m[2]) {
        const kind = SUBSCRIPTION_LISTS[m[2]];
        return kind ? armList(req, LIST_OPERATION[kind], m[1], kind, ACTION[kind]) : undefined;
      }
      m = /^\/subscriptions\/([^/]+)\/resourcegroups$/.exec(path);
      if (m?.[1]) return armList(req, LIST_OPERATION.resourceGroups, m[1], 'resourceGroups', ACTION.resourceGroups);
      m = /^\/subscriptions\/([^/]+)\/resourcegroups\/([^/]+)\/providers\/microsoft\.network\/virtualnetworkgateways$/.exec(path);
      if (m?.[1] && m[2]) return armList(req, LIST_OPERATION.virtualNetworkGateways, m[1], `virtualNetworkGateways|${m[2]}`, ACTION.virtualNetworkGateways);
      m = /^(\/subscriptions\/([^/]+)\/resourcegroups\/[^/]+\/providers\/microsoft\.network\/(privatednszones|dnsresolvers)\/[^/]+)\/(virtualnetworklinks|a|inboundendpoints)$/.exec(path);
      if (m?.[1] && m[2] && m[3] && m[4]) {
        const kind: ArmKind | undefined =
          m[3] === 'privatednszones' ? (m[4] === 'a' ? 'aRecordSets' : m[4] === 'virtualnetworklinks' ? 'virtualNetworkLinks' : undefined) : m[4] === 'inboundendpoints' ? 'inboundEndpoints' : undefined;
        if (!kind) return undefined;
        return armList(req, LIST_OPERATION[kind], m[2], `${kind}|${m[1]}`, ACTION[kind]);
      }
      return undefined;
    },
    notFound(req: SimRequest): SimResponse {
      return armError(404, 'InvalidResourceType', `The resource type could not be found for ${req.method} ${req.url.pathname} in this Azure emulation.`);
    },
    throttled(call: RoutedCall, retryAfterSeconds: number): SimResponse {
      const seconds = String(Math.max(1, Math.ceil(retryAfterSeconds)));
      if (call.throttle === 'resource-graph') {
        return armError(429, 'RateLimiting', 'Please provide below info when asking for support: client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed.', {
          'retry-after': seconds,
          'x-ms-user-quota-remaining': '0',
          'x-ms-user-quota-resets-after': `00:00:${seconds.padStart(2, '0')}`,
        });
      }
      if (call.throttle === 'cost-management') {
        return armError(429, '429', 'Too many requests. Please retry.', { 'retry-after': seconds, 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': seconds });
      }
      return armError(429, 'TooManyRequests', `The request is being throttled as the limit has been reached for operation type - Read_ObservationWindow_00:05:00. Operation ${call.operation}.`, {
        'retry-after': seconds,
        'x-ms-ratelimit-remaining-subscription-reads': '0',
      });
    },
    fault(call: RoutedCall, kind: 'server-error' | 'denied'): SimResponse {
      if (kind === 'denied') return denied(call.bucket, `${call.operation} (injected denial)`);
      return armError(500, 'InternalServerError', `Encountered internal server error while serving ${call.operation}.`);
    },
  };
};
