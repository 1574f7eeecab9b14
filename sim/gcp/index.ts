import { pushTo } from '../core/multimap.js';
import { pageWindow, type PageWindow } from '../core/paging.js';
import type { ProviderEnv, ProviderFactory, ProviderServer, RoutedCall, SimRequest, SimResponse } from '../core/types.js';
import { buildEstate, regionOf, type AssetEntry, type GcpItem, type GcpProjectModel, type Json } from './model.js';
import { gcpEstateSchema, type GcpEstate } from './scenario.js';

/**
 * The GCP emulation: container v1 (REST fallback of the gax client), compute v1, Cloud DNS v1 and
 * Cloud Asset v1, all on one listener. Paths are those the official clients build:
 *   /v1/projects/<p>/locations/<l>/clusters[/<c>]            container
 *   /compute/v1/projects/<p>/{global,regions/<r>,zones/<z>,aggregated}/<collection>   compute
 *   /dns/v1/projects/<p>/managedZones[/<z>[/rrsets]]          dns
 *   /v1/<organizations|projects>/<id>/assets, /v1/<scope>:searchAllResources   asset
 * Cloud DNS: @google-cloud/dns hard-codes `https://<apiEndpoint>/dns/v1`; point it here by
 * setting `dns.baseUrl = '<simulator url>/dns/v1'` after construction (or call REST directly).
 */

type Collection = 'networks' | 'routers' | 'subnetworks' | 'routes' | 'firewalls' | 'instances';

const KIND: Record<Collection, string> = {
  networks: 'compute#network',
  routers: 'compute#router',
  subnetworks: 'compute#subnetwork',
  routes: 'compute#route',
  firewalls: 'compute#firewall',
  instances: 'compute#instance',
};

interface AssetRow {
  project: GcpProjectModel;
  entry: AssetEntry;
}

function json(status: number, body: unknown): SimResponse {
  return { status, headers: { 'content-type': 'application/json; charset=UTF-8' }, body: JSON.stringify(body) };
}

/** The Google API error shape (legacy `errors[]` plus the canonical `status`). */
function gcpError(code: number, status: string, message: string, reason: string, domain = 'global', details?: Json[]): SimResponse {
  return json(code, { error: { code, message, errors: [{ message, domain, reason }], status, ...(details ? { details } : {}) } });
}

const API_TITLES: Record<string, string> = { container: 'Kubernetes Engine API', compute: 'Compute Engine API', dns: 'Cloud DNS API' };

/** What Google answers for a call to an API the project has not enabled. */
function serviceDisabled(api: string, projectNumber: string): SimResponse {
  const service = `${api}.googleapis.com`;
  const message = `${API_TITLES[api] ?? service} has not been used in project ${projectNumber} before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/${service}/overview?project=${projectNumber} then retry.`;
  return gcpError(403, 'PERMISSION_DENIED', message, 'accessNotConfigured', 'usageLimits', [
    { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED', domain: 'googleapis.com', metadata: { service, consumer: `projects/${projectNumber}` } },
  ]);
}

function denied(what: string, resource: string): SimResponse {
  return gcpError(403, 'PERMISSION_DENIED', `Required '${what}' permission for '${resource}' (or it may not exist).`, 'forbidden');
}

function badToken(token: string): SimResponse {
  return gcpError(400, 'INVALID_ARGUMENT', `Invalid value for field 'pageToken': '${token}'. Invalid page token.`, 'invalid');
}

function assetTypeMatcher(patterns: string[]): (type: string) => boolean {
  if (patterns.length === 0) return () => true;
  const regexes = patterns.map((p) => (p.includes('*') ? new RegExp(`^${p.replace(/\./g, '\\.').replace(/\\\.\*/g, '.*').replace(/\*/g, '.*')}$`) : undefined));
  return (type) => patterns.some((p, i) => (regexes[i] ? (regexes[i]).test(type) : p === type));
}

export const createGcpProvider: ProviderFactory<GcpEstate> = (estateInput: GcpEstate, env: ProviderEnv): ProviderServer => {
  const estate = gcpEstateSchema.parse(estateInput);
  const projects = buildEstate(estate);
  const byNumber = new Map<string, GcpProjectModel>();
  for (const p of projects.values()) byNumber.set(p.number, p);

  // Aggregated lists page over items sorted by scope so one scope's items stay together.
  for (const p of projects.values()) {
    for (const c of ['routers', 'subnetworks', 'instances'] as const) p[c].sort((a, b) => (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
  }

  // Cloud Asset indexes, built once: per type across readable projects, and per project.
  const assetTypes: string[] = [];
  const orgAssets = new Map<string, AssetRow[]>();
  const projectAssets = new Map<string, Map<string, AssetRow[]>>();
  for (const p of projects.values()) {
    const own = new Map<string, AssetRow[]>();
    projectAssets.set(p.id, own);
    for (const entry of p.assets) {
      const row = { project: p, entry };
      if (!orgAssets.has(entry.assetType)) {
        orgAssets.set(entry.assetType, []);
        assetTypes.push(entry.assetType);
      }
      // Projects the auditor may not read are missing from organisation-wide results.
      if (!p.denied) orgAssets.get(entry.assetType)?.push(row);
      pushTo(own, entry.assetType, row);
    }
  }
  assetTypes.sort();

  function projectCall(operation: string, projectId: string, permission: string, handle: (p: GcpProjectModel) => SimResponse): RoutedCall {
    return {
      operation,
      bucket: projectId,
      throttle: 'gcp',
      handle: () => {
        const p = projects.get(projectId) ?? byNumber.get(projectId);
        if (!p || p.denied) return denied(permission, `projects/${projectId}`);
        const api = operation.split(':')[0] ?? '';
        if (p.disabledApis.includes(api)) return serviceDisabled(api, p.number);
        return handle(p);
      },
    };
  }

  /** Answers the page of `total` items a request asks for, or 400 for a malformed page token. */
  function paged(url: URL, sizeParam: string, operation: string, total: number, answer: (window: PageWindow) => SimResponse): SimResponse {
    const token = url.searchParams.get('pageToken');
    const requested = pageWindow(token, url.searchParams.get(sizeParam), env.pageSize(operation), total);
    return requested ? answer(requested) : badToken(token ?? '');
  }

  function list(url: URL, operation: string, kind: string, selfLink: string, items: readonly Json[]): SimResponse {
    return paged(url, 'maxResults', operation, items.length, ({ from, size, next }) => {
      const page = items.slice(from, from + size);
      // Like compute, leave `items` out of an empty page.
      return json(200, { kind, id: selfLink.replace(/^https:\/\/www\.googleapis\.com\/compute\/v1\//, ''), ...(page.length > 0 ? { items: page } : {}), selfLink, ...(next ? { nextPageToken: next } : {}) });
    });
  }

  function aggregated(url: URL, operation: string, p: GcpProjectModel, collection: Collection): SimResponse {
    const all = p[collection];
    return paged(url, 'maxResults', operation, all.length, ({ from, size, next }) => {
      const items: Record<string, Record<string, Json[]>> = {};
      for (const item of all.slice(from, from + size)) {
        const bucket = (items[item.scope] ??= { [collection]: [] });
        bucket[collection]?.push(item.body);
      }
      const selfLink = `https://www.googleapis.com/compute/v1/projects/${p.id}/aggregated/${collection}`;
      return json(200, {
        kind: `${KIND[collection]}AggregatedList`,
        id: `projects/${p.id}/aggregated/${collection}`,
        items,
        selfLink,
        ...(next ? { nextPageToken: next } : {}),
      });
    });
  }

  function scoped(items: GcpItem[], scope: string): Json[] {
    return items.filter((i) => i.scope === scope).map((i) => i.body);
  }

  function getOne(items: readonly Json[], resourceName: string, what: string): SimResponse {
    const found = items.find((i) => i['name'] === resourceName);
    return found ? json(200, found) : gcpError(404, 'NOT_FOUND', `The resource '${what}' was not found`, 'notFound');
  }

  function routeCompute(req: SimRequest, parts: string[]): RoutedCall | undefined {
    // parts: ['compute','v1','projects',p, ...]
    const projectId = parts[3] ?? '';
    const rest = parts.slice(4);
    const url = req.url;
    const [a, b, c, d] = rest;
    if (a === 'global' && b && (b === 'networks' || b === 'routes' || b === 'firewalls')) {
      const coll = b;
      if (c === undefined) {
        const op = `compute:${coll}.list`;
        return projectCall(op, projectId, `compute.${coll}.list`, (p) => list(url, op, `${KIND[coll]}List`, `https://www.googleapis.com/compute/v1/projects/${p.id}/global/${coll}`, p[coll].map((i) => i.body)));
      }
      if (d === undefined) {
        return projectCall(`compute:${coll}.get`, projectId, `compute.${coll}.get`, (p) => getOne(p[coll].map((i) => i.body), c, `projects/${p.id}/global/${coll}/${c}`));
      }
      return undefined;
    }
    if (a === 'aggregated' && (b === 'routers' || b === 'subnetworks' || b === 'instances') && c === undefined) {
      const coll = b;
      const op = `compute:${coll}.aggregatedList`;
      return projectCall(op, projectId, `compute.${coll}.list`, (p) => aggregated(url, op, p, coll));
    }
    if ((a === 'regions' && (c === 'routers' || c === 'subnetworks')) || (a === 'zones' && c === 'instances')) {
      const coll = c;
      const scope = `${a}/${b ?? ''}`;
      const itemName = rest[3];
      if (itemName === undefined) {
        const op = `compute:${coll}.list`;
        return projectCall(op, projectId, `compute.${coll}.list`, (p) =>
          list(url, op, `${KIND[coll]}List`, `https://www.googleapis.com/compute/v1/projects/${p.id}/${scope}/${coll}`, scoped(p[coll], scope)),
        );
      }
      if (rest.length === 4) {
        return projectCall(`compute:${coll}.get`, projectId, `compute.${coll}.get`, (p) => getOne(scoped(p[coll], scope), itemName, `projects/${p.id}/${scope}/${coll}/${itemName}`));
      }
    }
    return undefined;
  }

  function routeContainer(parts: string[]): RoutedCall | undefined {
    // /v1/projects/<p>/locations/<l>/clusters[/<c>] and the legacy /v1/projects/<p>/zones/<z>/clusters
    const projectId = parts[2] ?? '';
    const location = parts[4] ?? '';
    const clusterName = parts[6];
    const matches = (clusterLocation: string): boolean => location === '-' || clusterLocation === location || regionOf(clusterLocation) === location;
    if (clusterName === undefined) {
      return projectCall('container:clusters.list', projectId, 'container.clusters.list', (p) =>
        json(200, {
          clusters: p.clusters.filter((c) => matches(String(c.body['location'])) && !p.missingZones.includes(String(c.body['location']))).map((c) => c.body),
          missingZones: location === '-' ? p.missingZones : p.missingZones.filter((z) => z === location || regionOf(z) === location),
        }),
      );
    }
    if (parts.length === 7) {
      return projectCall('container:clusters.get', projectId, 'container.clusters.get', (p) => {
        const found = p.clusters.find((c) => c.body['name'] === clusterName && matches(String(c.body['location'])));
        return found ? json(200, found.body) : gcpError(404, 'NOT_FOUND', `Not found: projects/${p.id}/locations/${location}/clusters/${clusterName}.`, 'notFound');
      });
    }
    return undefined;
  }

  function routeDns(req: SimRequest, parts: string[]): RoutedCall | undefined {
    // /dns/v1/projects/<p>/managedZones[/<zone>[/rrsets]]
    const projectId = parts[3] ?? '';
    const zoneName = parts[5];
    const url = req.url;
    if (parts[4] !== 'managedZones') return undefined;
    const pageOf = (operation: string, key: string, kind: string, items: readonly Json[]): SimResponse =>
      paged(url, 'maxResults', operation, items.length, ({ from, size, next }) => json(200, { kind, [key]: items.slice(from, from + size), ...(next ? { nextPageToken: next } : {}) }));
    if (zoneName === undefined) {
      const op = 'dns:managedZones.list';
      return projectCall(op, projectId, 'dns.managedZones.list', (p) => {
        const dnsName = url.searchParams.get('dnsName');
        const zones = dnsName ? p.managedZones.filter((z) => z['dnsName'] === dnsName) : p.managedZones;
        return pageOf(op, 'managedZones', 'dns#managedZonesListResponse', zones);
      });
    }
    if (parts.length === 6) {
      return projectCall('dns:managedZones.get', projectId, 'dns.managedZones.get', (p) => getOne(p.managedZones, zoneName, `projects/${p.id}/managedZones/${zoneName}`));
    }
    if (parts[6] === 'rrsets' && parts.length === 7) {
      const op = 'dns:resourceRecordSets.list';
      return projectCall(op, projectId, 'dns.resourceRecordSets.list', (p) => {
        const records = p.rrsets.get(zoneName);
        if (!records) return gcpError(404, 'NOT_FOUND', `The 'parameters.managedZone' resource named '${zoneName}' does not exist.`, 'notFound');
        const nameFilter = url.searchParams.get('name');
        const typeFilter = url.searchParams.get('type');
        const selected = nameFilter || typeFilter ? records.filter((r) => (!nameFilter || r['name'] === nameFilter) && (!typeFilter || r['type'] === typeFilter)) : records;
        return pageOf(op, 'rrsets', 'dns#resourceRecordSetsListResponse', selected);
      });
    }
    return undefined;
  }

  // Resource Manager: folders by parent, and every project under a folder (transitively).
  const folderIds = new Set(estate.folders.map((f) => f.id));
  const parentOfFolder = (id: string): string => {
    const parent = estate.folders.find((f) => f.id === id)?.parent;
    return parent ? `folders/${parent}` : `organizations/${estate.organization}`;
  };
  const parentOfProject = (p: GcpProjectModel): string => (p.folder ? `folders/${p.folder}` : `organizations/${estate.organization}`);
  function underFolder(p: GcpProjectModel, folder: string): boolean {
    let at = p.folder;
    const seen = new Set<string>();
    while (at !== undefined && !seen.has(at)) {
      if (at === folder) return true;
      seen.add(at);
      at = estate.folders.find((f) => f.id === at)?.parent;
    }
    return false;
  }
  const folderAssets = new Map<string, Map<string, AssetRow[]>>();
  function assetsOfFolder(folder: string): Map<string, AssetRow[]> {
    let rows = folderAssets.get(folder);
    if (!rows) {
      const own = new Map<string, AssetRow[]>();
      for (const [type, list] of orgAssets) own.set(type, list.filter((r) => underFolder(r.project, folder)));
      folderAssets.set(folder, own);
      rows = own;
    }
    return rows;
  }

  function routeResourceManager(req: SimRequest, collection: string): RoutedCall | undefined {
    const url = req.url;
    const parent = url.searchParams.get('parent') ?? '';
    const known = parent === `organizations/${estate.organization}` || (parent.startsWith('folders/') && folderIds.has(parent.slice('folders/'.length)));
    const operation = `resourcemanager:${collection}.list`;
    return {
      operation,
      bucket: parent,
      throttle: 'gcp',
      handle: () => {
        if (!known) return denied(`resourcemanager.${collection}.list`, parent || '(no parent)');
        const items: Json[] =
          collection === 'projects'
            ? [...projects.values()].filter((p) => parentOfProject(p) === parent).map((p) => ({ name: `projects/${p.number}`, parent, projectId: p.id, state: 'ACTIVE', displayName: p.id }))
            : estate.folders.filter((f) => parentOfFolder(f.id) === parent).map((f) => ({ name: `folders/${f.id}`, parent, displayName: f.displayName, state: 'ACTIVE' }));
        return paged(url, 'pageSize', operation, items.length, ({ from, size, next }) => json(200, { [collection]: items.slice(from, from + size), ...(next ? { nextPageToken: next } : {}) }));
      },
    };
  }

  function assetRows(parent: string): Map<string, AssetRow[]> | undefined {
    const [kind, id] = parent.split('/');
    if (kind === 'organizations' && id === estate.organization) return orgAssets;
    if (kind === 'folders' && id && folderIds.has(id)) return assetsOfFolder(id);
    if (kind === 'projects' && id) {
      const p = projects.get(id) ?? byNumber.get(id);
      if (p && !p.denied) return projectAssets.get(p.id);
    }
    return undefined;
  }

  function routeAsset(req: SimRequest, parent: string, method: 'list' | 'search'): RoutedCall {
    const operation = method === 'list' ? 'asset:assets.list' : 'asset:resources.searchAll';
    const url = req.url;
    return {
      operation,
      bucket: parent.startsWith('projects/') ? (parent.split('/')[1] ?? parent) : parent,
      throttle: 'gcp',
      handle: () => {
        const rows = assetRows(parent);
        if (!rows) return denied(method === 'list' ? 'cloudasset.assets.listResource' : 'cloudasset.assets.searchAllResources', parent);
        const match = assetTypeMatcher(url.searchParams.getAll('assetTypes'));
        const selected = assetTypes.filter(match).map((t) => rows.get(t) ?? []);
        const total = selected.reduce((n, l) => n + l.length, 0);
        return paged(url, 'pageSize', operation, total, ({ from, size, next }) => {
          // Walk the per-type lists without concatenating them.
          const page: AssetRow[] = [];
          let skip = from;
          for (const l of selected) {
            if (page.length >= size) break;
            if (skip >= l.length) {
              skip -= l.length;
              continue;
            }
            for (let i = skip; i < l.length && page.length < size; i++) page.push(l[i] as AssetRow);
            skip = 0;
          }
          const contentType = url.searchParams.get('contentType');
          const withResource = contentType === '1' || contentType === 'RESOURCE';
          if (method === 'list') {
            return json(200, {
              readTime: '2026-11-22T00:00:00Z',
              assets: page.map(({ project, entry }) => ({
                name: entry.name,
                assetType: entry.assetType,
                ...(withResource
                  ? {
                      resource: {
                        version: 'v1',
                        discoveryDocumentUri: entry.discoveryDocumentUri,
                        discoveryName: entry.discoveryName,
                        parent: `//cloudresourcemanager.googleapis.com/projects/${project.number}`,
                        data: entry.data,
                        location: entry.location,
                      },
                    }
                  : {}),
                ancestors: [`projects/${project.number}`, `organizations/${estate.organization}`],
                updateTime: '2026-01-12T16:30:00Z',
              })),
              ...(next ? { nextPageToken: next } : {}),
            });
          }
          return json(200, {
            results: page.map(({ project, entry }) => ({
              name: entry.name,
              assetType: entry.assetType,
              project: `projects/${project.number}`,
              displayName: entry.displayName,
              location: entry.location,
              labels: (entry.data['labels'] ?? entry.data['resourceLabels'] ?? {}) as Json,
              parentFullResourceName: `//cloudresourcemanager.googleapis.com/projects/${project.id}`,
              parentAssetType: 'cloudresourcemanager.googleapis.com/Project',
              organization: `organizations/${estate.organization}`,
              state: 'RUNNING',
            })),
            ...(next ? { nextPageToken: next } : {}),
          });
        });
      },
    };
  }

  return {
    provider: 'gcp',
    scopes: () => ({ projects: [...projects.keys()] }),
    route(req) {
      if (req.method !== 'GET') return undefined;
      const parts = req.url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
      if (parts[0] === 'compute' && parts[1] === 'v1' && parts[2] === 'projects') return routeCompute(req, parts);
      if (parts[0] === 'dns' && parts[1] === 'v1' && parts[2] === 'projects') return routeDns(req, parts);
      if (parts[0] === 'v3' && parts.length === 2 && (parts[1] === 'projects' || parts[1] === 'folders')) return routeResourceManager(req, parts[1]);
      if (parts[0] !== 'v1') return undefined;
      const last = parts[parts.length - 1] ?? '';
      if (last.endsWith(':searchAllResources') && parts.length === 3) {
        return routeAsset(req, `${parts[1] ?? ''}/${last.slice(0, -':searchAllResources'.length)}`, 'search');
      }
      if (parts.length === 4 && parts[3] === 'assets') return routeAsset(req, `${parts[1] ?? ''}/${parts[2] ?? ''}`, 'list');
      if (parts[1] === 'projects' && (parts[3] === 'locations' || parts[3] === 'zones') && parts[5] === 'clusters') return routeContainer(parts);
      return undefined;
    },
    notFound(req) {
      return gcpError(404, 'NOT_FOUND', `The requested URL ${req.url.pathname} was not found on this server.`, 'notFound');
    },
    throttled(call) {
      // Compute quotas answer 403 rateLimitExceeded (per project per minute); gax maps it to
      // PERMISSION_DENIED, so callers must retry on the reason, not the status.
      return gcpError(403, 'PERMISSION_DENIED', `Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute' of service for consumer '${call.bucket}'.`, 'rateLimitExceeded', 'usageLimits', [
        { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'RATE_LIMIT_EXCEEDED', domain: 'googleapis.com', metadata: { consumer: `projects/${call.bucket}`, service: `${call.operation.split(':')[0] ?? 'compute'}.googleapis.com` } },
      ]);
    },
    fault(call, kind) {
      if (kind === 'denied') return denied(call.operation.replace(':', '.'), call.bucket.includes('/') ? call.bucket : `projects/${call.bucket}`);
      return gcpError(500, 'INTERNAL', 'Internal error. Please try again or contact Google Support.', 'backendError');
    },
  };
};
