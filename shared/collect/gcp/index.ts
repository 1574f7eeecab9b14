import type { CallRecord } from '../../model/coverage.js';
import { emptyInventory } from '../../model/inventory/index.js';
import { scopeKey, type Scope } from '../../model/scope.js';
import { BucketLimiter, type LimiterOptions } from '../kit/limiter.js';
import type { CollectContext, Collector } from '../types.js';
import { collectProject, listIn, restPages } from './api.js';
import { collectViaAsset, type AssetParent } from './asset.js';
import { createGcpClients, DEFAULT_RETRY, type GcpClients, type GcpConfig, type RetryPolicy } from './clients.js';
import { GCP_OPERATIONS } from './datasets.js';
import { DatasetRecords, trackedGcp, type GcpCallEnv } from './track.js';

function gcpConfig(ctx: CollectContext): GcpConfig {
  const c = ctx.config.clouds.gcp;
  if (!c) throw new Error('clouds.gcp is not configured');
  return c;
}

/** Cloud Asset by default at organisation or folder scale; per-project listing otherwise. */
function sourceOf(cfg: GcpConfig): 'asset-inventory' | 'api' {
  return cfg.inventorySource ?? (cfg.organization !== undefined || cfg.folders.length > 0 ? 'asset-inventory' : 'api');
}

const ACTIVE = new Set<unknown>(['ACTIVE']);

/** Resource Manager v3's largest page (`pageSize`, at most 1,000 projects or folders). */
const RESOURCE_MANAGER_PAGE = 1000;

/**
 * Every active project under an organisation or folder: Resource Manager lists direct children
 * only, so folders are walked. Calls carry the configured root's scope, so a failure there leaves
 * that root visibly unplanned.
 */
async function projectsUnder(root: AssetParent, env: GcpCallEnv): Promise<{ scopes: Scope[]; calls: CallRecord[] }> {
  const rootScope = scopeKey({ cloud: 'gcp', kind: root.kind, id: root.id });
  const scopes: Scope[] = [];
  const calls: CallRecord[] = [];
  const queue = [root.kind === 'organization' ? `organizations/${root.id}` : `folders/${root.id}`];
  const visited = new Set<string>();
  while (queue.length > 0) {
    const parent = queue.shift() as string;
    if (visited.has(parent)) continue;
    visited.add(parent);
    const [projects, folders] = await Promise.all([
      trackedGcp(env, GCP_OPERATIONS.projectsList, parent, '*', async () => {
        const out: Scope[] = [];
        for await (const page of restPages(env.clients, 'resourceManager', 'v3/projects', { parent, pageSize: RESOURCE_MANAGER_PAGE })) {
          for (const raw of listIn(page, 'projects', `projects.list under ${parent}`)) {
            const p = raw as { projectId?: unknown; state?: unknown; displayName?: unknown };
            if (typeof p.projectId === 'string' && p.projectId !== '' && ACTIVE.has(p.state)) out.push({ cloud: 'gcp', kind: 'project', id: p.projectId, ...(typeof p.displayName === 'string' && p.displayName !== '' ? { name: p.displayName } : {}) });
          }
        }
        return out;
      }, rootScope),
      trackedGcp(env, GCP_OPERATIONS.foldersList, parent, '*', async () => {
        const out: string[] = [];
        for await (const page of restPages(env.clients, 'resourceManager', 'v3/folders', { parent, pageSize: RESOURCE_MANAGER_PAGE })) {
          for (const raw of listIn(page, 'folders', `folders.list under ${parent}`)) {
            const f = raw as { name?: unknown; state?: unknown };
            if (typeof f.name === 'string' && f.name !== '' && ACTIVE.has(f.state)) out.push(f.name);
          }
        }
        return out;
      }, rootScope),
    ]);
    calls.push(projects.record, folders.record);
    scopes.push(...(projects.value ?? []));
    queue.push(...(folders.value ?? []));
  }
  return { scopes, calls };
}

export interface GcpCollectorOptions {
  retry?: RetryPolicy;
  limits?: LimiterOptions;
}

/**
 * The GCP collector. Scopes are projects: the configured ones plus every active project under
 * the configured folders and organisation. A project that the asset path could not see is read
 * through the per-project APIs, so denial, a disabled API or an unreachable location shows as
 * that project's coverage (with the `gcloud services enable` fix), never as an empty pass.
 */
export function createGcpCollector(options: GcpCollectorOptions = {}): Collector {
  const retry = options.retry ?? DEFAULT_RETRY;
  const limits = options.limits ?? { perBucket: 4, global: 16 };
  const envFor = (clients: GcpClients, ctx: CollectContext): GcpCallEnv => ({ clients, limiter: new BucketLimiter(limits), ...(ctx.signal ? { signal: ctx.signal } : {}) });
  return {
    cloud: 'gcp',

    async plan(ctx) {
      const cfg = gcpConfig(ctx);
      const scopes: Scope[] = cfg.projects.map((id) => ({ cloud: 'gcp', kind: 'project', id }));
      const calls: CallRecord[] = [];
      const roots: AssetParent[] = [...(cfg.organization ? [{ kind: 'organization' as const, id: cfg.organization }] : []), ...cfg.folders.map((id) => ({ kind: 'folder' as const, id }))];
      if (roots.length === 0) return { scopes, calls };
      const env = envFor(await createGcpClients(cfg, retry), ctx);
      const seen = new Set(scopes.map(scopeKey));
      for (const root of roots) {
        const found = await projectsUnder(root, env);
        calls.push(...found.calls);
        for (const s of found.scopes) {
          if (seen.has(scopeKey(s))) continue;
          seen.add(scopeKey(s));
          scopes.push(s);
        }
      }
      return { scopes, calls };
    },

    shardSize(ctx) {
      const cfg = gcpConfig(ctx);
      return sourceOf(cfg) === 'asset-inventory' ? cfg.projectsPerShard : 1;
    },

    async collect(scopes, ctx) {
      const cfg = gcpConfig(ctx);
      const projects = scopes.filter((s) => s.kind === 'project').map((s) => s.id);
      const out = new DatasetRecords();
      const calls: CallRecord[] = [];
      const env = envFor(await createGcpClients(cfg, retry), ctx);
      let perProject = projects;
      if (sourceOf(cfg) === 'asset-inventory' && projects.length > 0) {
        const wanted = new Set(projects);
        const parents: AssetParent[] = cfg.organization
          ? [{ kind: 'organization', id: cfg.organization }]
          : cfg.folders.length > 0
            ? cfg.folders.map((id) => ({ kind: 'folder', id }))
            : projects.map((id) => ({ kind: 'project', id }));
        const seen = new Set<string>();
        for (const parent of parents) {
          const r = await collectViaAsset(parent, parent.kind === 'project' ? new Set([parent.id]) : wanted, env, out);
          calls.push(...r.calls);
          r.seen.forEach((p) => seen.add(p));
        }
        // Denied, empty, or outside the organisation: the project's own calls tell which.
        perProject = projects.filter((p) => !seen.has(p));
        if (perProject.length > 0) ctx.log.info(`gcp: Cloud Asset returned nothing for ${perProject.join(', ')}; reading them per project`);
      }
      const results = await Promise.all(perProject.map((p) => collectProject(p, env, out)));
      calls.push(...results.flat());
      for (const c of calls.filter((x) => !x.ok)) ctx.log.debug(c.message ?? `${c.api} failed for ${c.scope}`, { cloud: c.cloud, scope: c.scope, operation: c.api });
      return { inventory: { ...emptyInventory(), gcp: out.inventory }, calls };
    },
  };
}

export const gcpCollector: Collector = createGcpCollector();
