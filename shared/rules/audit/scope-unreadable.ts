import { scopeKey } from '../../model/scope.js';
import { defineRule } from '../kit.js';

export default defineRule({
  meta: {
    id: 'audit/scope-unreadable',
    title: 'Every scope was read completely',
    severity: 'high',
    category: 'audit',
    cloud: 'any',
    resource: 'Scope (subscription, project, account-region)',
    description:
      'Fires for each subscription, project or account-region that could not be read completely: a call was denied, throttled past its retries, failed, or returned a body that did not parse, or no collector exists for its cloud.',
    risk: 'Rules cannot see what was not read, so a broken invariant in that scope stays hidden. The audit is incomplete and must not be taken as a pass.',
    remediation:
      'Grant the audit identity read access where the failed call was denied (the message names the API), then re-run. Azure: az role assignment create --assignee <principal-id> --role Reader --scope /subscriptions/<id>; GCP: roles/viewer or the network viewer roles on the project; AWS: the read-only audit role in the account.',
    references: ['https://learn.microsoft.com/azure/role-based-access-control/built-in-roles#reader'],
    needs: [],
  },
  evaluate(_inventory, ctx) {
    return ctx.coverage.scopes
      .filter((sc) => !sc.complete)
      .map((sc) => {
        const key = scopeKey(sc.scope);
        // One line per HTTP status (or per message when there is none), naming the datasets it cost
        // and one example: a denied subscription fails every call alike and must not produce a wall of text.
        const groups = new Map<string, { datasets: Set<string>; example: string }>();
        for (const f of sc.failed) {
          const key = f.status === undefined ? f.message : String(f.status);
          const group = groups.get(key) ?? { datasets: new Set<string>(), example: f.message.length > 240 ? `${f.message.slice(0, 237)}...` : f.message };
          group.datasets.add(f.dataset === '*' ? 'everything' : f.dataset);
          groups.set(key, group);
        }
        const failures = [...groups].map(([key, g]) => `${[...g.datasets].join(', ')}: ${/^\d+$/.test(key) ? `HTTP ${key}, e.g. ` : ''}${g.example}`);
        return ctx.finding({
          scope: key,
          resource: { id: key, type: `${sc.scope.cloud}/${sc.scope.kind}`, name: sc.scope.name ?? sc.scope.id },
          message: `${sc.scope.kind} ${sc.scope.name ?? sc.scope.id} could not be read completely: ${failures.join('; ')}`,
          evidence: {
            failed: sc.failed.map((f) => ({ api: f.api, dataset: f.dataset, ...(f.status === undefined ? {} : { status: f.status }) })),
          },
        });
      });
  },
});
