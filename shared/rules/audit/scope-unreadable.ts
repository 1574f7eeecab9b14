import type { AirlockConfig } from '../../config/schema.js';
import type { ScopeCoverage } from '../../model/coverage.js';
import { scopeKey, type Scope } from '../../model/scope.js';
import { defineRule } from '../kit.js';

/** GCP service behind an operation name (`container:clusters.list` → container.googleapis.com). */
const GCP_SERVICES: Record<string, string> = {
  container: 'container.googleapis.com',
  compute: 'compute.googleapis.com',
  dns: 'dns.googleapis.com',
  asset: 'cloudasset.googleapis.com',
  resourcemanager: 'cloudresourcemanager.googleapis.com',
};

/** The command that fixes the failures of one scope, with its real names; by how the calls failed. */
function fixFor(scope: Scope, failed: ScopeCoverage['failed'], config: AirlockConfig): string {
  const kinds = new Set(failed.map((f) => f.errorKind ?? (f.status === 401 || f.status === 403 ? 'denied' : undefined)));
  const steps: string[] = [];
  if (kinds.has('api-disabled') && scope.cloud === 'gcp') {
    const services = [...new Set(failed.filter((f) => f.errorKind === 'api-disabled').map((f) => GCP_SERVICES[f.api.split(':')[0] ?? ''] ?? 'container.googleapis.com'))].sort();
    steps.push(`enable the API: gcloud services enable ${services.join(' ')} --project=${scope.id}`);
  } else if (kinds.has('api-disabled') && scope.cloud === 'aws') {
    const region = scope.id.split('/')[1] ?? '';
    steps.push(`enable the opt-in region: aws account enable-region --account-id ${scope.id.split('/')[0] ?? ''} --region-name ${region}`);
  } else if (kinds.has('api-disabled')) {
    steps.push(`register the resource providers: az provider register --subscription ${scope.id} --namespace Microsoft.ContainerService && az provider register --subscription ${scope.id} --namespace Microsoft.Network`);
  }
  if (kinds.has('denied')) {
    if (scope.cloud === 'azure') {
      steps.push(`grant read access ($AIRLOCK_PRINCIPAL_ID is the object id of the identity Airlock runs as): az role assignment create --assignee "$AIRLOCK_PRINCIPAL_ID" --role Reader --scope /subscriptions/${scope.id}`);
    } else if (scope.cloud === 'gcp') {
      steps.push(`grant read access ($AIRLOCK_MEMBER is the identity Airlock runs as, e.g. serviceAccount:airlock@host.iam.gserviceaccount.com; the custom role from airlock permissions --cloud gcp is the least-privilege alternative): for role in roles/container.clusterViewer roles/compute.networkViewer roles/dns.reader; do gcloud projects add-iam-policy-binding ${scope.id} --member="$AIRLOCK_MEMBER" --role="$role"; done`);
    } else {
      const account = scope.id.split('/')[0] ?? scope.id;
      const role = config.clouds.aws?.roleName ?? 'AirlockReadOnly';
      steps.push(`check that role ${role} exists in account ${account}, trusts the audit identity and carries the policy from airlock permissions --cloud aws: aws iam get-role --role-name ${role} (in account ${account}) && aws iam list-attached-role-policies --role-name ${role}`);
    }
  }
  if ([...kinds].some((k) => k === 'throttled' || k === 'timeout' || k === 'server' || k === 'network' || k === 'malformed' || k === undefined)) {
    steps.push('re-run the audit; if the same calls fail again, check connectivity to the cloud endpoint and the call budget (the message names each failed call)');
  }
  return steps.map((s, i) => (steps.length > 1 ? `${i + 1}) ${s}` : s)).join(' ');
}

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
      'Each finding gives the fix for how its calls failed: access denied → grant the audit identity the read role on that subscription, project or account (Azure: az role assignment create --assignee "$AIRLOCK_PRINCIPAL_ID" --role Reader --scope /subscriptions/{subscription}); an API disabled → gcloud services enable {service} --project={project}; throttled, timed out or a server error → re-run, and raise the call budget if it persists.',
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
        // Calls fail in the order their answers came back: sorted, the message and evidence are the
        // same from run to run (drift compares evidence, and a re-ordered list is no change).
        const failed = [...sc.failed].sort((a, b) => a.dataset.localeCompare(b.dataset) || a.api.localeCompare(b.api) || (a.status ?? 0) - (b.status ?? 0) || a.message.localeCompare(b.message));
        const groups = new Map<string, { datasets: Set<string>; example: string }>();
        for (const f of failed) {
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
            failed: failed.map((f) => ({ api: f.api, dataset: f.dataset, ...(f.status === undefined ? {} : { status: f.status }), ...(f.errorKind === undefined ? {} : { errorKind: f.errorKind }) })),
          },
          remediation: fixFor(sc.scope, failed, ctx.config),
        });
      });
  },
});
