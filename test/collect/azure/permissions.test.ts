import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AZURE_OPERATIONS_LIST, datasetsByOperation, RESOURCE_GRAPH } from '../../../shared/collect/azure/datasets.js';
import { azureCollector } from '../../../shared/collect/azure/index.js';
import { CLOUD_OPERATIONS, isReadOnlyPermission, NoOperationsError, renderPermissionsMarkdown, renderRole, requiredPermissions } from '../../../shared/collect/permissions.js';
import { runAudit } from '../../../shared/audit.js';
import type { CallRecord } from '../../../shared/model/coverage.js';
import { collectAll, startAzureSim, withSource, type AzureSim } from './harness.js';

/** The allow-list is the registry's, the one `airlock permissions` and docs/permissions.md are made from. */
const ALLOWED = CLOUD_OPERATIONS.azure.map((o) => o.api);
const datasets = datasetsByOperation();

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

/** CallRecords whose operation, or whose dataset for that operation, the descriptors do not declare. */
function undeclaredCalls(calls: readonly CallRecord[]): string[] {
  return calls.filter((c) => !datasets.get(c.api)?.includes(c.dataset)).map((c) => `${c.api} (${c.dataset})`);
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
    expect(ops.filter((op) => !ALLOWED.includes(op))).toEqual([]);
    expect(undeclaredCalls(calls)).toEqual([]);
    // Every declared operation is one the collector really performs (no stale grant).
    expect(ops).toEqual([...ALLOWED].sort());
  });

  it('needs nothing beyond what it declares: a full audit with only the declared operations allowed reads every scope on both paths', async () => {
    running = await startAzureSim('conformant', { behaviour: { allow: ALLOWED } });
    for (const source of ['resource-graph', 'arm'] as const) {
      const run = await runAudit(withSource(running.config, source), { clouds: ['azure'], collectors: [azureCollector], clock: () => new Date('2026-11-22T06:00:00Z') });
      expect(run.coverage.scopes.filter((s) => !s.complete)).toEqual([]);
      expect(run.coverage.scopes.length).toBeGreaterThan(0);
      expect(run.complete).toBe(true);
    }
    // And the allow-list bites: without Resource Graph the default path cannot read anything.
    await running.stop();
    running = await startAzureSim('conformant', { behaviour: { allow: ALLOWED.filter((api) => api !== RESOURCE_GRAPH.api) } });
    const refused = await collectAll(withSource(running.config, 'resource-graph'));
    expect(refused.calls.some((c) => c.api === RESOURCE_GRAPH.api && c.status === 403)).toBe(true);
  });

  it('fails on an operation or dataset the descriptors do not declare', () => {
    const call = (api: string, dataset: string): CallRecord => ({ cloud: 'azure', api, scope: 'azure/subscription/s', dataset, ok: true, requests: 1 });
    expect(undeclaredCalls([call('arm:managedClusters.list', 'clusters'), call('arm:resourceGroups.list', 'gateways')])).toEqual([]);
    expect(undeclaredCalls([call('arm:routeTables.listAll', 'routeTables'), call('arm:managedClusters.list', 'loadBalancers')])).toEqual(['arm:routeTables.listAll (routeTables)', 'arm:managedClusters.list (loadBalancers)']);
  });
});

describe('least-privilege roles', () => {
  it('every declared permission of every cloud only reads', () => {
    for (const [cloud, ops] of Object.entries(CLOUD_OPERATIONS) as [keyof typeof CLOUD_OPERATIONS, (typeof CLOUD_OPERATIONS)['azure']][]) {
      expect(ops.filter((o) => !isReadOnlyPermission(cloud, o.permission)).map((o) => o.permission), cloud).toEqual([]);
    }
    expect(AZURE_OPERATIONS_LIST.length).toBeGreaterThan(10);
    // The check bites on writes in each cloud's vocabulary.
    expect(isReadOnlyPermission('azure', 'Microsoft.Network/virtualNetworks/write')).toBe(false);
    expect(isReadOnlyPermission('azure', 'Microsoft.Network/virtualNetworks/delete')).toBe(false);
    expect(isReadOnlyPermission('gcp', 'compute.networks.update')).toBe(false);
    expect(isReadOnlyPermission('gcp', 'compute.networks.list')).toBe(true);
    expect(isReadOnlyPermission('aws', 'ec2:CreateVpc')).toBe(false);
    expect(isReadOnlyPermission('aws', 'ec2:DescribeVpcs')).toBe(true);
  });

  it('Azure: a custom role whose Actions are exactly the declared permissions, assignable at the given scope', () => {
    const role = JSON.parse(renderRole('azure', { scope: '/providers/Microsoft.Management/managementGroups/mg-landingzones' })) as { Actions: string[]; AssignableScopes: string[]; IsCustom: boolean; DataActions: string[] };
    expect(role.Actions).toEqual(requiredPermissions('azure'));
    expect(role.Actions).toContain('Microsoft.CostManagement/query/action');
    expect(role.Actions).toContain(RESOURCE_GRAPH.permission);
    expect(role.AssignableScopes).toEqual(['/providers/Microsoft.Management/managementGroups/mg-landingzones']);
    expect(role).toMatchObject({ IsCustom: true, DataActions: [] });
  });

  it('GCP: a custom role YAML with includedPermissions; AWS: an IAM policy on Resource *', () => {
    const gcp = parse(renderRole('gcp', { permissions: ['compute.networks.list', 'container.clusters.list'] })) as { includedPermissions: string[]; stage: string };
    expect(gcp).toMatchObject({ stage: 'GA', includedPermissions: ['compute.networks.list', 'container.clusters.list'] });
    const aws = JSON.parse(renderRole('aws', { permissions: ['ec2:DescribeVpcs'] })) as { Statement: { Effect: string; Action: string[]; Resource: string }[] };
    expect(aws.Statement).toEqual([{ Sid: 'AirlockRead', Effect: 'Allow', Action: ['ec2:DescribeVpcs'], Resource: '*' }]);
    for (const cloud of ['gcp', 'aws'] as const) {
      if (CLOUD_OPERATIONS[cloud].length === 0) expect(() => renderRole(cloud)).toThrow(NoOperationsError);
      else expect(renderRole(cloud)).toContain(requiredPermissions(cloud)[0]);
    }
  });

  it('docs/permissions.md lists every operation with its permission and is in sync (run `npm run permissions`)', () => {
    const doc = renderPermissionsMarkdown();
    for (const o of AZURE_OPERATIONS_LIST) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${o.api}\` |`));
      expect(row, o.api).toContain(`\`${o.permission}\``);
      expect(row).toContain(`| ${o.role} |`);
    }
    for (const action of requiredPermissions('azure')) expect(doc).toContain(`"${action}"`);
    const committed = readFileSync(new URL('../../../docs/permissions.md', import.meta.url), 'utf8');
    expect(committed).toBe(doc);
  });
});
