import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * What can be checked of the infrastructure without the Bicep CLI (docs/deploy.md says how to
 * validate with it): parameters declared and used, identity-based storage, no secret in plain
 * text, built-in role ids, and every app setting the code reads set by the template.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const read = (p: string): string => readFileSync(path.join(ROOT, p), 'utf8');
const main = read('infra/main.bicep');
const mg = read('infra/modules/mg-roles.bicep');
/** Without comments, so that a name mentioned in a comment does not count as used. */
const code = (text: string): string => text.replace(/\/\/.*$/gm, '');

function params(text: string): string[] {
  return [...text.matchAll(/^param (\w+) /gm)].map((m) => m[1] ?? '');
}

function appSettingNames(text: string): string[] {
  return [...text.matchAll(/\{ name: '([A-Za-z0-9_]+)', value:/g)].map((m) => m[1] ?? '').concat([...text.matchAll(/setting: '([A-Z_]+)'/g)].map((m) => m[1] ?? ''));
}

function functionSources(): string {
  return readdirSync(path.join(ROOT, 'functions'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => read(path.join('functions', f)))
    .join('\n');
}

describe('infra/main.bicep', () => {
  it('uses every parameter it declares', () => {
    for (const text of [main, mg]) {
      for (const p of params(text)) {
        const uses = code(text).match(new RegExp(`\\b${p}\\b`, 'g')) ?? [];
        expect(uses.length, `param ${p}`).toBeGreaterThan(1);
      }
    }
    expect(params(main)).toEqual(expect.arrayContaining(['name', 'location', 'airlockConfigYaml', 'shardSize', 'shardParallelism', 'maximumInstanceCount']));
  });

  it('runs a Flex Consumption app on Node 22 as a user-assigned identity, with identity-based storage and no shared key', () => {
    expect(main).toMatch(/sku: \{ name: 'FC1', tier: 'FlexConsumption' \}/);
    expect(main).toMatch(/runtime: \{ name: 'node', version: '22' \}/);
    expect(main).toContain("type: 'UserAssigned'");
    expect(main).toContain('allowSharedKeyAccess: false');
    expect(main).toContain("{ name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }");
    expect(main).toContain("{ name: 'AzureWebJobsStorage__clientId', value: identity.properties.clientId }");
    expect(main).toContain('keyVaultReferenceIdentity: identity.id');
    // Settings Flex Consumption refuses.
    for (const banned of ['FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', 'AzureWebJobsStorage\'']) {
      expect(code(main)).not.toContain(banned);
    }
  });

  it('keeps secrets out of plain text: secure parameters go to Key Vault only, settings hold references', () => {
    const secure = [...main.matchAll(/@secure\(\)\n(?:@description\([^\n]*\)\n)?param (\w+)/g)].map((m) => m[1] ?? '');
    expect(secure.sort()).toEqual(['slackWebhookUrl', 'teamsWebhookUrl', 'webhookSigningSecret']);
    for (const p of secure) {
      // Used once: in the list of Key Vault secrets, never in an app setting.
      expect(code(main).match(new RegExp(`\\b${p}\\b`, 'g'))?.length, p).toBe(2);
      expect(main).toMatch(new RegExp(`value: ${p} \\}`));
    }
    expect(main).toContain("'@Microsoft.KeyVault(SecretUri=https://${vault.name}${environment().suffixes.keyvaultDns}/secrets/${s.name})'");
    expect(main).not.toMatch(/AccountKey=|listKeys\(|hooks\.slack\.com|webhook\.office\.com|InstrumentationKey=/);
    // Secret parameters come from the azd environment, never from the file.
    expect(read('infra/main.parameters.json')).not.toMatch(/"value": "https:/);
  });

  it('grants the built-in roles by their real definition ids', () => {
    const expected: Record<string, string> = {
      storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
      storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
      storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
      keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
      monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
    };
    for (const [role, id] of Object.entries(expected)) expect(main, role).toContain(`${role}: '${id}'`);
    expect(mg).toContain("targetScope = 'managementGroup'");
    expect(mg).toContain("var reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'");
    expect(mg).toContain("var costManagementReader = '72fafb9e-0641-4937-9268-a91bfd8191a3'");
    expect(read('azure.yaml')).toContain('infra/modules/mg-roles.bicep');
  });

  it('sets every app setting the code reads', () => {
    const src = functionSources();
    const read = new Set<string>([
      ...[...src.matchAll(/env\['([A-Za-z0-9_]+)'\]/g)].map((m) => m[1] ?? ''),
      ...[...src.matchAll(/%([A-Z0-9_]+)%/g)].map((m) => m[1] ?? ''),
      ...[...src.matchAll(/\$\{prefix\}(\w+)|\$\{STORAGE_CONNECTION\}__(\w+)/g)].map((m) => `AzureWebJobsStorage__${m[1] ?? m[2] ?? ''}`),
    ]);
    expect(read.size).toBeGreaterThan(5);
    // Alternatives the template does not need: a connection string (Azurite), explicit service URIs, a config file.
    const alternatives = new Set(['AzureWebJobsStorage__queueServiceUri', 'AzureWebJobsStorage__tableServiceUri', 'AzureWebJobsStorage__blobServiceUri', 'AIRLOCK_CONFIG_FILE']);
    const set = new Set(appSettingNames(main));
    const missing = [...read].filter((s) => !alternatives.has(s) && !set.has(s));
    expect(missing).toEqual([]);
    // The webhook settings the example configuration refers to are Key Vault-backed.
    for (const s of ['SLACK_WEBHOOK_URL', 'TEAMS_WEBHOOK_URL', 'WEBHOOK_SIGNING_SECRET']) expect(set.has(s), s).toBe(true);
  });

  it('sends the reports to the report container, keeps per-run copies for reportRetentionDays, and links messages to the latest', () => {
    expect(main).toContain("{ name: 'AIRLOCK_REPORT_CONTAINER', value: reportContainer }");
    expect(main).toMatch(/resource reports '[^']+' = \{\n {2}parent: blobService\n {2}name: reportContainer/);
    // The lifecycle rule deletes what the Functions write under runs/ (functions/lib/reports.ts), never latest.*.
    expect(read('functions/lib/reports.ts')).toContain('`runs/${runId}/report.html`');
    expect(main).toContain("prefixMatch: ['${reportContainer}/runs/']");
    expect(main).toContain('delete: { daysAfterModificationGreaterThan: reportRetentionDays }');
    expect(main).toContain("'${storage.properties.primaryEndpoints.blob}${reportContainer}/latest.html'");
  });
});

describe('GCP and AWS setup', () => {
  it('federates without keys and derives the role from airlock permissions', () => {
    const gcp = read('infra/gcp/setup.sh');
    expect(gcp).toContain('gcloud iam workload-identity-pools create');
    expect(gcp).toContain('providers create-oidc');
    expect(gcp).toContain('airlock permissions --cloud gcp');
    expect(gcp).not.toMatch(/service-accounts keys create/);
    const aws = read('infra/aws/setup.sh');
    expect(aws).toContain('create-open-id-connect-provider');
    expect(aws).toContain('airlock permissions --cloud aws');
    expect(aws).not.toMatch(/create-access-key/);
    const trust = JSON.parse(read('infra/aws/trust-policy.json')) as { Statement: { Action: string; Condition: { StringEquals: Record<string, string> } }[] };
    expect(trust.Statement[0]?.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(Object.keys(trust.Statement[0]?.Condition.StringEquals ?? {}).sort()).toEqual(['sts.windows.net/${TENANT_ID}/:aud', 'sts.windows.net/${TENANT_ID}/:sub']);
  });
});
