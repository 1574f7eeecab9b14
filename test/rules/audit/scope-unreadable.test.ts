import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import { emptyCoverage, type ScopeCoverage } from '../../../shared/model/coverage.js';
import { emptyInventory } from '../../../shared/model/inventory/index.js';
import rule from '../../../shared/rules/audit/scope-unreadable.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const sub = { cloud: 'azure' as const, kind: 'subscription' as const, id: '1b2c3d4e-0000-4000-8000-000000000001', name: 'corp-prod' };
const project = { cloud: 'gcp' as const, kind: 'project' as const, id: 'corp-gke-prod' };

describe('audit/scope-unreadable remediation', () => {
  const run = (failed: ScopeCoverage['failed'], scope: ScopeCoverage['scope']) =>
    evaluateRules([rule], { inventory: emptyInventory(), coverage: { ...emptyCoverage(), scopes: [{ scope, complete: false, failed }] }, config: configSchema.parse({}), now: new Date('2026-11-22T00:00:00Z') }).findings[0]?.remediation ?? '';
  it('names the subscription in the role assignment when Azure denied the calls', () => {
    expect(run([{ dataset: 'clusters', api: 'arm:managedClusters.list', status: 403, errorKind: 'denied', message: 'AuthorizationFailed' }], sub)).toContain(`--role Reader --scope /subscriptions/${sub.id}`);
  });
  it('enables exactly the disabled GCP services in that project', () => {
    const fix = run([{ dataset: 'clusters', api: 'container:clusters.list', status: 403, errorKind: 'api-disabled', message: 'disabled' }, { dataset: 'networks', api: 'compute:networks.list', status: 403, errorKind: 'api-disabled', message: 'disabled' }], project);
    expect(fix).toContain('gcloud services enable compute.googleapis.com container.googleapis.com --project=corp-gke-prod');
    expect(fix).not.toContain('add-iam-policy-binding');
  });
  it('says to re-run, not to grant access, when the calls were throttled', () => {
    const fix = run([{ dataset: 'vpcs', api: 'ec2:DescribeVpcs', status: 503, errorKind: 'throttled', message: 'RequestLimitExceeded' }], { cloud: 'aws', kind: 'account-region', id: '111122223333/eu-west-1' });
    expect(fix).toMatch(/^re-run the audit/);
  });
});

ruleTester.run(rule, {
  valid: [
    { name: 'no scopes planned', scopes: [] },
    { name: 'every scope complete', scopes: [{ scope: sub, complete: true, failed: [] }, { scope: project, complete: true, failed: [] }] },
  ],
  invalid: [
    {
      name: 'a subscription denied by RBAC',
      scopes: [
        { scope: sub, complete: false, failed: [{ dataset: 'clusters', api: 'resourcegraph:resources', status: 403, message: 'AuthorizationFailed' }] },
        { scope: project, complete: true, failed: [] },
      ],
      findings: [{ resource: 'azure/subscription/1b2c3d4e-0000-4000-8000-000000000001', messageIncludes: ['corp-prod', '403', 'AuthorizationFailed'], severity: 'high' }],
    },
    {
      name: 'GCP project with the Kubernetes Engine API disabled: the fix enables it in that project',
      scopes: [{ scope: project, complete: false, failed: [{ dataset: 'clusters', api: 'container:clusters.list', status: 403, errorKind: 'api-disabled', message: 'Kubernetes Engine API has not been used in project corp-gke-prod before or it is disabled' }] }],
      findings: [{ resource: 'gcp/project/corp-gke-prod', messageIncludes: 'Kubernetes Engine API' }],
    },
    {
      name: 'a cloud with no collector: every dataset missing',
      scopes: [{ scope: project, complete: false, failed: [{ dataset: '*', api: 'collector', message: 'no collector registered for gcp' }] }],
      findings: [{ resource: 'gcp/project/corp-gke-prod', messageIncludes: 'no collector registered for gcp' }],
    },
  ],
});

describe('audit/scope-unreadable is the same finding whatever order the calls failed in', () => {
  it('message, evidence and remediation do not depend on the order of the failed calls', () => {
    const failed: ScopeCoverage['failed'] = [
      { dataset: 'routeTables', api: 'resourcegraph:resources', status: 503, errorKind: 'server', message: 'ServiceUnavailable' },
      { dataset: 'clusters', api: 'arm:managedClusters.list', status: 403, errorKind: 'denied', message: 'AuthorizationFailed' },
      { dataset: 'virtualNetworks', api: 'resourcegraph:resources', status: 503, errorKind: 'server', message: 'Backend busy' },
    ];
    const finding = (order: ScopeCoverage['failed']) =>
      evaluateRules([rule], { inventory: emptyInventory(), coverage: { ...emptyCoverage(), scopes: [{ scope: sub, complete: false, failed: order }] }, config: configSchema.parse({}), now: new Date('2026-11-22T00:00:00Z') }).findings[0];
    const a = finding(failed);
    const b = finding([...failed].reverse());
    expect(b?.message).toBe(a?.message);
    expect(b?.evidence).toEqual(a?.evidence);
    expect(b?.remediation).toBe(a?.remediation);
    expect(a?.message).toContain('HTTP 503, e.g. ServiceUnavailable');
  });
});
