import rule from '../../../shared/rules/audit/scope-unreadable.js';
import { ruleTester } from '../../helpers/rule-tester.js';

const sub = { cloud: 'azure' as const, kind: 'subscription' as const, id: '1b2c3d4e-0000-4000-8000-000000000001', name: 'corp-prod' };
const project = { cloud: 'gcp' as const, kind: 'project' as const, id: 'corp-gke-prod' };

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
      name: 'a cloud with no collector: every dataset missing',
      scopes: [{ scope: project, complete: false, failed: [{ dataset: '*', api: 'collector', message: 'no collector registered for gcp' }] }],
      findings: [{ resource: 'gcp/project/corp-gke-prod', messageIncludes: 'no collector registered for gcp' }],
    },
  ],
});
