import { stringify } from 'yaml';
import type { Cloud } from '../model/scope.js';
import { AWS_OPERATIONS } from './aws/datasets.js';
import { AZURE_OPERATIONS_LIST } from './azure/datasets.js';
import { GCP_OPERATIONS_LIST } from './gcp/datasets.js';
import type { Operation } from './kit/descriptor.js';

/**
 * What each collector's descriptors declare it calls, per cloud: the one source of the permissions
 * document, of `airlock permissions` and of the allow-list tests. A collector adds itself here
 * with its operations list (derived with operationsOf from its descriptors).
 */
export const CLOUD_OPERATIONS: Readonly<Record<Cloud, readonly (Operation & { role?: string })[]>> = {
  azure: AZURE_OPERATIONS_LIST,
  gcp: GCP_OPERATIONS_LIST,
  aws: AWS_OPERATIONS,
};

const CLOUD_NAMES: Record<Cloud, string> = { azure: 'Azure', gcp: 'GCP', aws: 'AWS' };

/** The distinct permissions of a cloud's operations, sorted. */
export function requiredPermissions(cloud: Cloud): string[] {
  return [...new Set(CLOUD_OPERATIONS[cloud].map((o) => o.permission))].sort();
}

/**
 * True for a permission that only reads: Azure `*\/read` (and Cost Management's query action,
 * a read modelled as POST), GCP `*.get` / `*.list`, AWS `Describe*` / `List*` / `Get*`.
 */
export function isReadOnlyPermission(cloud: Cloud, permission: string): boolean {
  switch (cloud) {
    case 'azure':
      return /^Microsoft\.[A-Za-z]+\/[A-Za-z/]+\/read$/.test(permission) || permission === 'Microsoft.CostManagement/query/action';
    case 'gcp':
      return /^[a-z]+\.[A-Za-z.]+\.(get|list|listResource)$/.test(permission);
    case 'aws':
      return /^[a-z0-9-]+:(Describe|List|Get)[A-Za-z0-9]*$/.test(permission);
  }
}

/** No role can be produced for a cloud whose collector declares nothing yet. */
export class NoOperationsError extends Error {
  override name = 'NoOperationsError';
}

const ROLE_NAME = 'Airlock Reader';
const ROLE_DESCRIPTION = 'Read-only access for the Airlock auditor: exactly the operations its collectors perform';

/**
 * The least-privilege role for a cloud, in the form its CLI takes: an Azure custom role definition
 * (`az role definition create --role-definition @file`), a GCP custom role
 * (`gcloud iam roles create --file`), an AWS IAM policy document.
 */
export function renderRole(cloud: Cloud, options: { scope?: string; permissions?: readonly string[] } = {}): string {
  const permissions = options.permissions ?? requiredPermissions(cloud);
  if (permissions.length === 0) throw new NoOperationsError(`the ${CLOUD_NAMES[cloud]} collector declares no operations yet`);
  switch (cloud) {
    case 'azure':
      return `${JSON.stringify(
        {
          Name: ROLE_NAME,
          IsCustom: true,
          Description: ROLE_DESCRIPTION,
          Actions: permissions,
          NotActions: [],
          DataActions: [],
          NotDataActions: [],
          AssignableScopes: [options.scope ?? '/subscriptions/<subscription-id>'],
        },
        null,
        2,
      )}\n`;
    case 'gcp':
      return stringify({ title: ROLE_NAME, description: ROLE_DESCRIPTION, stage: 'GA', includedPermissions: permissions });
    case 'aws':
      return `${JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'AirlockRead', Effect: 'Allow', Action: permissions, Resource: '*' }] }, null, 2)}\n`;
  }
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

const INTRO: Record<Cloud, string[]> = {
  azure: [
    'Grant the identity Airlock runs as (managed identity, workload identity or service principal):',
    '',
    '- **Reader** on each audited subscription, or on the management groups listed in `clouds.azure.managementGroups` (their subscriptions are found through Resource Graph). Reader grants every `*/read` action below, including Resource Graph and the ARM fallback listings.',
    '- **Cost Management Reader** on the same subscriptions or management groups, for the peering cost of spokes of a hub (`Microsoft.CostManagement/query/action`, which Reader does not include). With `clouds.azure.costScope` set to a billing account or billing profile, a billing role on that scope instead (Azure RBAC roles do not apply to billing scopes): for an Enterprise Agreement, read-only enterprise administrator or Billing account reader; for a Microsoft Customer Agreement, Billing account reader or Billing profile reader. When the billing scope refuses the query, Airlock falls back to one query per subscription, which needs Cost Management Reader on the subscriptions.',
    '',
    'A subscription Resource Graph cannot read is listed through ARM, so both paths need the same scope of Reader. Resource Graph returns only the resources the caller may read, so a custom role needs the resource `read` actions on the Resource Graph path too.',
  ],
  gcp: ['Grant the service account Airlock impersonates the custom role below on each audited project, folder or organisation.'],
  aws: ['Attach the policy below to the role Airlock assumes in each audited account.'],
};

const ROLE_FORMAT: Record<Cloud, { lang: string; how: string }> = {
  azure: { lang: 'json', how: 'A custom role definition (`airlock permissions --cloud azure --scope <scope>`, then `az role definition create --role-definition @role.json`):' },
  gcp: { lang: 'yaml', how: 'A custom role (`airlock permissions --cloud gcp`, then `gcloud iam roles create airlockReader --project <project> --file role.yaml`):' },
  aws: { lang: 'json', how: 'An IAM policy (`airlock permissions --cloud aws`, then `aws iam create-policy --policy-name AirlockRead --policy-document file://policy.json`):' },
};

function renderCloud(cloud: Cloud): string[] {
  const ops = CLOUD_OPERATIONS[cloud];
  const lines = [`## ${CLOUD_NAMES[cloud]}`, ''];
  if (ops.length === 0) return [...lines, `The ${CLOUD_NAMES[cloud]} collector declares no operations yet.`, ''];
  const withRole = ops.some((o) => o.role !== undefined);
  lines.push(...INTRO[cloud], '', '### Operations', '');
  lines.push(withRole ? '| Operation | Permission | Built-in role | Purpose |' : '| Operation | Permission | Purpose |');
  lines.push(withRole ? '| --- | --- | --- | --- |' : '| --- | --- | --- |');
  for (const o of ops) lines.push(`| \`${o.api}\` | \`${o.permission}\` |${withRole ? ` ${o.role ?? ''} |` : ''} ${cell(o.description)} |`);
  const format = ROLE_FORMAT[cloud];
  lines.push('', '### Least-privilege role', '', format.how, '', `\`\`\`${format.lang}`, renderRole(cloud).trimEnd(), '```', '');
  return lines;
}

/** docs/permissions.md: per cloud, what to grant, every operation with its permission, and the role. */
export function renderPermissionsMarkdown(): string {
  return [
    '# Permissions',
    '',
    '<!-- Generated from the collectors\' dataset descriptors by `npm run permissions`; do not edit by hand. -->',
    '',
    'Airlock only reads. Every permission below is declared next to the call that needs it (the collectors\' dataset descriptors), and a test runs a full audit against the simulator with exactly these operations allowed.',
    '',
    ...(['azure', 'gcp', 'aws'] as const).flatMap(renderCloud),
  ].join('\n');
}
