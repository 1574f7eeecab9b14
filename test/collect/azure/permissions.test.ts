import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { AZURE_OPERATIONS, azureRequiredActions, renderAzurePermissionsMarkdown, type AzureOperation } from '../../../shared/collect/azure/permissions.js';
import type { CallRecord } from '../../../shared/model/coverage.js';
import { collectAll, startAzureSim, withSource, type AzureSim } from './harness.js';

const OPERATIONS: readonly AzureOperation[] = Object.values(AZURE_OPERATIONS);
const declared = new Map(OPERATIONS.map((o) => [o.api, o]));

let running: AzureSim | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** Operations the simulator answered at least once. */
function performed(sim: AzureSim): string[] {
  const ops = sim.sim.counts().providers.azure.operations;
  return Object.entries(ops)
    .filter(([, c]) => c.calls > 0)
    .map(([op]) => op)
    .sort();
}

/** CallRecords whose operation, or whose dataset for that operation, the table does not declare. */
function undeclaredCalls(calls: readonly CallRecord[]): string[] {
  return calls.filter((c) => !(declared.get(c.api)?.datasets as readonly string[] | undefined)?.includes(c.dataset)).map((c) => `${c.api} (${c.dataset})`);
}

describe('Azure permissions', () => {
  it('declares an RBAC action for every operation the collector performs, on both paths', async () => {
    // hybrid-broken: management groups to expand, a subscription Resource Graph refuses (read
    // through ARM), spokes with peering cost; then the whole estate again through ARM.
    running = await startAzureSim('hybrid-broken');
    const graph = await collectAll(withSource(running.config, 'resource-graph', { subscriptions: [], managementGroups: ['mg-landingzones'] }));
    const arm = await collectAll(withSource(running.config, 'arm'));
    const calls = [...graph.calls, ...arm.calls];

    const ops = performed(running);
    expect(ops.filter((op) => !declared.has(op))).toEqual([]);
    expect(undeclaredCalls(calls)).toEqual([]);
    // Every declared operation is one the collector really performs (no stale grant).
    expect(ops).toEqual(OPERATIONS.map((o) => o.api).sort());
    for (const o of OPERATIONS) expect(o.action).toMatch(/^Microsoft\.[A-Za-z]+\/.+\/(read|action)$/);
  });

  it('needs nothing beyond what it declares: with only the declared operations served, every scope reads completely', async () => {
    running = await startAzureSim('conformant', { behaviour: { allow: OPERATIONS.map((o) => o.api) } });
    const graph = await collectAll(withSource(running.config, 'resource-graph'));
    const arm = await collectAll(withSource(running.config, 'arm'));
    expect([...graph.calls, ...arm.calls].filter((c) => !c.ok)).toEqual([]);
    expect(graph.inventory.azure.clusters.length).toBeGreaterThan(0);
    // And the allow-list bites: without Resource Graph the default path cannot read anything.
    await running.stop();
    running = await startAzureSim('conformant', { behaviour: { allow: OPERATIONS.map((o) => o.api).filter((api) => api !== AZURE_OPERATIONS.resourceGraphResources.api) } });
    const refused = await collectAll(withSource(running.config, 'resource-graph'));
    expect(refused.calls.some((c) => c.api === AZURE_OPERATIONS.resourceGraphResources.api && c.status === 403)).toBe(true);
  });

  it('fails on an operation or dataset the table does not declare', () => {
    const call = (api: string, dataset: string): CallRecord => ({ cloud: 'azure', api, scope: 'azure/subscription/s', dataset, ok: true, requests: 1 });
    expect(undeclaredCalls([call('arm:managedClusters.list', 'clusters')])).toEqual([]);
    expect(undeclaredCalls([call('arm:routeTables.listAll', 'routeTables'), call('arm:managedClusters.list', 'loadBalancers')])).toEqual(['arm:routeTables.listAll (routeTables)', 'arm:managedClusters.list (loadBalancers)']);
  });

  it('renders the roles, and each operation with its dataset and action', () => {
    const doc = renderAzurePermissionsMarkdown();
    expect(doc).toContain('**Reader** on each audited subscription, or on the management groups');
    expect(doc).toContain('**Cost Management Reader**');
    for (const o of OPERATIONS) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${o.api}\` |`));
      expect(row, o.api).toBeDefined();
      expect(row).toContain(`\`${o.action}\``);
      expect(row).toContain(`| ${o.role} |`);
      for (const d of o.datasets) if (d !== '*') expect(row).toContain(`\`${d}\``);
    }
    for (const action of azureRequiredActions()) expect(doc).toContain(`"${action}"`);
  });

  it('docs/permissions.md is in sync with the table (run `npm run permissions`)', () => {
    const committed = readFileSync(new URL('../../../docs/permissions.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderAzurePermissionsMarkdown());
  });
});
