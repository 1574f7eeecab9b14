import { describe, expect, it } from 'vitest';
import { finalizeRun, planAudit, runAudit, runShard } from '../shared/audit.js';
import type { Collector } from '../shared/collect/types.js';
import { configSchema } from '../shared/config/schema.js';
import { emptyInventory } from '../shared/model/inventory/index.js';
import { scopeKey, type Scope } from '../shared/model/scope.js';
import { defineRule } from '../shared/rules/kit.js';
import scopeUnreadable from '../shared/rules/audit/scope-unreadable.js';

const subs = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
const config = configSchema.parse({ clouds: { azure: { subscriptions: subs, subscriptionsPerQuery: 2 }, gcp: { projects: ['corp-gke-prod'] } } });
const clock = () => new Date('2026-11-22T06:00:00Z');

/** A collector over fixed data: subscription 2 answers 403 for load balancers. */
const azureCollector: Collector = {
  cloud: 'azure',
  plan: (ctx) => Promise.resolve({ scopes: (ctx.config.clouds.azure?.subscriptions ?? []).map((id): Scope => ({ cloud: 'azure', kind: 'subscription', id })), calls: [] }),
  shardSize: (ctx) => ctx.config.clouds.azure?.subscriptionsPerQuery ?? 1,
  collect: (scopes) => {
    const inventory = emptyInventory();
    for (const s of scopes) {
      inventory.azure.bastionHosts.push({ id: `/subscriptions/${s.id}/resourceGroups/rg-hub/providers/Microsoft.Network/bastionHosts/bas-hub`, name: 'bas-hub', scope: scopeKey(s), subscriptionId: s.id, resourceGroup: 'rg-hub', location: 'westeurope', tags: {} });
    }
    const calls = scopes.map((s) => ({
      cloud: 'azure' as const,
      api: 'resourcegraph:resources',
      scope: scopeKey(s),
      dataset: 'loadBalancers',
      ok: s.id !== subs[1],
      ...(s.id === subs[1] ? { status: 403, message: 'AuthorizationFailed' } : {}),
      requests: 2,
    }));
    return Promise.resolve({ inventory, calls });
  },
};

const bastionRule = defineRule({
  meta: {
    id: 'azure/example-bastion',
    title: 'example',
    severity: 'info',
    category: 'cost',
    cloud: 'azure',
    resource: 'Microsoft.Network/bastionHosts',
    description: 'fires for every Bastion host (test rule)',
    risk: 'r',
    remediation: 'r',
    references: [],
    needs: ['azure.bastionHosts', 'azure.loadBalancers'],
  },
  evaluate: (inv, ctx) => inv.azure.bastionHosts.map((b) => ctx.finding({ scope: b.scope, resource: { id: b.id, type: 'bastion', name: b.name }, message: `bastion ${b.name}` })),
});

describe('audit pipeline', () => {
  it('plans shards by the collector size and reports a cloud without a collector', async () => {
    const plan = await planAudit(config, { collectors: [azureCollector], clock });
    expect(plan.shards.map((s) => s.scopes.length)).toEqual([2, 1]);
    expect(plan.clouds).toEqual(['azure', 'gcp']);
    expect(plan.unplannedScopes).toEqual([{ cloud: 'gcp', kind: 'project', id: 'corp-gke-prod' }]);
    expect(plan.notes[0]).toContain('no collector registered for gcp');
  });

  it('runs the whole pipeline: findings, undecided scopes, coverage, call counts', async () => {
    const run = await runAudit(config, { collectors: [azureCollector], rules: [bastionRule, scopeUnreadable], clock, runId: 'r1' });
    expect(run.id).toBe('r1');
    expect(run.complete).toBe(false);
    // The Bastion host in the subscription whose load balancers could not be read is withheld, not reported.
    expect(run.findings.filter((f) => f.ruleId === 'azure/example-bastion')).toHaveLength(2);
    expect(run.findings.filter((f) => f.ruleId === 'audit/scope-unreadable').map((f) => f.resource.id).sort()).toEqual([
      `azure/subscription/${subs[1] ?? ''}`,
      'gcp/project/corp-gke-prod',
    ]);
    expect(run.undecided).toEqual([{ ruleId: 'azure/example-bastion', scope: `azure/subscription/${subs[1] ?? ''}`, reason: 'azure.loadBalancers could not be read in this scope; 1 possible finding withheld' }]);
    expect(run.apiCalls['azure:resourcegraph:resources']).toBe(6);
    expect(run.counts.bySeverity.high).toBe(2);
  });

  it('restricts to the requested clouds and drops disabled rules', async () => {
    const only = configSchema.parse({ ...config, rules: { disabled: ['audit/scope-unreadable'] } });
    const run = await runAudit(only, { collectors: [azureCollector], rules: [bastionRule, scopeUnreadable], clock, clouds: ['gcp'] });
    expect(run.clouds).toEqual(['gcp']);
    expect(run.findings).toEqual([]);
    expect(run.complete).toBe(false);
  });

  it('keeps a failing shard visible instead of losing its scopes', async () => {
    const exploding: Collector = { ...azureCollector, collect: () => Promise.reject(new Error('socket hang up')) };
    const plan = await planAudit(config, { collectors: [exploding], clouds: ['azure'], clock });
    const first = plan.shards[0];
    if (!first) throw new Error('no shard');
    const result = await runShard(first, config, { collectors: [exploding] });
    expect(result.calls.every((c) => !c.ok && c.message?.includes('socket hang up'))).toBe(true);
    // The second shard never reported: finalisation counts it as unread.
    const run = await finalizeRun(plan, [result], config, { rules: [scopeUnreadable], clock });
    expect(run.coverage.scopes.filter((s) => !s.complete)).toHaveLength(3);
    expect(run.coverage.calls.some((c) => c.message === 'shard azure-1 did not complete')).toBe(true);
  });

  it('audits as many AWS accounts side by side as clouds.aws.concurrency.accounts allows (other clouds 8)', async () => {
    const accounts = Array.from({ length: 12 }, (_, i) => String(100000000000 + i));
    const maxInFlight = async (aws: Record<string, unknown>, concurrency?: number): Promise<number> => {
      let inFlight = 0;
      let most = 0;
      const collector: Collector = {
        cloud: 'aws',
        plan: (ctx) => Promise.resolve({ scopes: (ctx.config.clouds.aws?.accounts ?? []).map((a): Scope => ({ cloud: 'aws', kind: 'account-region', id: `${a}/eu-west-1` })), calls: [] }),
        shardSize: () => 1,
        async collect() {
          inFlight += 1;
          most = Math.max(most, inFlight);
          await new Promise((resolve) => setTimeout(resolve, 5));
          inFlight -= 1;
          return { inventory: emptyInventory(), calls: [] };
        },
      };
      const cfg = configSchema.parse({ clouds: { aws: { accounts, regions: ['eu-west-1'], ...aws } } });
      const run = await runAudit(cfg, { collectors: [collector], rules: [], clock, ...(concurrency === undefined ? {} : { concurrency }) });
      expect(run.coverage.scopes).toHaveLength(accounts.length);
      return most;
    };
    expect(await maxInFlight({ concurrency: { accounts: 3 } })).toBe(3);
    expect(await maxInFlight({})).toBe(12); // default 16, more than the 12 accounts
    expect(await maxInFlight({ concurrency: { accounts: 3 } }, 1)).toBe(1); // an explicit option wins (the peer-style baseline)
  });

  it('turns a planning failure into coverage for the configured scopes', async () => {
    const failingPlan: Collector = { ...azureCollector, plan: () => Promise.reject(new Error('management group listing denied')) };
    const run = await runAudit(config, { collectors: [failingPlan], clouds: ['azure'], rules: [scopeUnreadable], clock });
    expect(run.findings).toHaveLength(3);
    expect(run.findings[0]?.message).toContain('management group listing denied');
  });
});
