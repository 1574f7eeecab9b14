import { z } from 'zod';
import { parseCidrStrict, type StrictCidrOptions } from '../util/cidr.js';
import { SEVERITIES } from '../model/severity.js';

/**
 * A string the strict parser accepts. The reason (and the network it likely meant) travel in the
 * issue's params, so the problem reads "got 10.10.0.1/16 (it has host bits set; did you mean ...)".
 */
function address(expected: string, options: StrictCidrOptions & { bare?: boolean } = {}) {
  return z.string().superRefine((text, ctx) => {
    const result = options.bare && text.includes('/') ? { ok: false as const, reason: 'write the address without a prefix length' } : parseCidrStrict(text, options);
    if (result.ok) return;
    ctx.addIssue({ code: 'custom', message: `expected ${expected}`, input: text, params: { reason: result.reason, ...(result.network ? { suggestion: result.network } : {}) } });
  });
}

/** Configuration names networks exactly: the prefix written, no host bits, no lenient IPv4 forms. */
const cidr = address('a CIDR block such as 10.0.0.0/8 or fd00::/8').describe('A CIDR block, IPv4 or IPv6');

const ipAddress = address('an IP address such as 10.0.1.4', { bare: true, allowBareAddress: true }).describe('An IPv4 or IPv6 address');

const guid = z
  .string()
  .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'expected a subscription GUID');

const armId = z
  .string()
  .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+/i, 'expected an ARM resource id (/subscriptions/.../resourceGroups/.../providers/...)');

const url = z.url({ message: 'expected an absolute URL' });

const isoDate = z.iso.date({ message: 'expected a date as YYYY-MM-DD' });

/**
 * A reference to a secret, never the secret itself in the file: `env:NAME` reads an environment
 * variable (in Azure an app setting, which can itself be a Key Vault reference).
 */
const secretRef = z
  .string()
  .regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, 'expected a secret reference such as env:SLACK_WEBHOOK_URL')
  .describe('Secret reference: env:<APP_SETTING_NAME> (use a Key Vault reference in the app setting)');

const severity = z.enum(SEVERITIES);

const azureConfig = z
  .object({
    enabled: z.boolean().default(true),
    subscriptions: z.array(guid).default([]).describe('Subscription ids to audit'),
    managementGroups: z.array(z.string().min(1)).default([]).describe('Management groups whose subscriptions are audited'),
    tenantId: guid.optional(),
    /** Resource Graph first; `arm` lists per subscription through the resource providers. */
    inventorySource: z.enum(['resource-graph', 'arm']).default('resource-graph'),
    credential: z
      .enum(['default', 'simulator'])
      .default('default')
      .describe('default: DefaultAzureCredential (managed identity in Azure, developer login locally); simulator: a fixed token for the local simulator'),
    subscriptionsPerQuery: z.number().int().min(1).max(1000).default(1000).describe('Subscriptions per Resource Graph query (one shard); 1,000 is the API maximum'),
    concurrency: z
      .object({
        armPerSubscription: z.number().int().min(1).max(50).default(4).describe('ARM requests in flight per subscription (its own token bucket)'),
        arm: z.number().int().min(1).max(500).default(32).describe('ARM requests in flight across every subscription of the process'),
        resourceGraph: z.number().int().min(1).max(15).default(3).describe('Resource Graph queries in flight for the principal (one quota window, about 15 queries per 5 s)'),
        costManagementPerScope: z.number().int().min(1).max(10).default(1).describe('Cost Management queries in flight per subscription (its own quota)'),
        costManagement: z.number().int().min(1).max(100).default(8).describe('Cost Management queries in flight across every subscription'),
      })
      .strict()
      .default({ armPerSubscription: 4, arm: 32, resourceGraph: 3, costManagementPerScope: 1, costManagement: 8 })
      .describe('Concurrency bounds per throttling bucket, shared by the shards a process audits side by side'),
    endpoints: z
      .object({
        resourceManager: url.optional().describe('ARM endpoint override (simulator, sovereign clouds)'),
        caCertificateFile: z.string().optional().describe('PEM file trusted for the ARM endpoint (simulator)'),
      })
      .strict()
      .default({}),
    costScope: z
      .string()
      .regex(
        /^(management-groups|subscriptions|\/providers\/Microsoft\.Billing\/billingAccounts\/[^/]+(\/billingProfiles\/[^/]+)?)$/i,
        'expected management-groups, subscriptions, or a billing scope such as /providers/Microsoft.Billing/billingAccounts/<id> or /providers/Microsoft.Billing/billingAccounts/<id>/billingProfiles/<id>',
      )
      .default('management-groups')
      .describe(
        'Where peering costs are queried: management-groups (one query per configured management group for the subscriptions found under it; subscriptions listed only in `subscriptions` are queried alone), subscriptions (one query per subscription), or a billing scope (EA billing account, MCA billing account or profile) that bills every audited subscription. A scope the account type does not support (e.g. management groups with MCA subscriptions) falls back to one query per subscription, and a subscription the scope returned no row for is asked alone (a scope leaves out subscriptions it does not cover without an error)',
      ),
    hubVnets: z.array(armId).default([]).describe('Hub VNets (gateway, firewall) of the hub-and-spoke topology'),
    resolverVnets: z.array(armId).default([]).describe('VNets that must resolve the private API zones (DNS resolver / forwarder VNets)'),
    dnsForwarders: z.array(ipAddress).default([]).describe('IP addresses of DNS forwarders that on-prem uses to resolve Azure private zones'),
    allowPublicFqdn: z.boolean().default(false).describe('Accept the public FQDN of private clusters as a deliberate choice'),
  })
  .strict();

const gcpConfig = z
  .object({
    enabled: z.boolean().default(true),
    projects: z.array(z.string().regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'expected a GCP project id')).default([]),
    folders: z.array(z.string().regex(/^\d+$/, 'expected a numeric folder id')).default([]),
    organization: z.string().regex(/^\d+$/, 'expected a numeric organisation id').optional(),
    inventorySource: z
      .enum(['asset-inventory', 'api'])
      .optional()
      .describe('asset-inventory: Cloud Asset Inventory over the organisation, folders or projects (few calls); api: per-project listing. Default: asset-inventory when folders or an organization are configured, else api'),
    projectsPerShard: z.number().int().min(1).max(5000).default(500).describe('Projects audited together on the asset-inventory path (one shard); the api path audits one project per shard'),
    credential: z
      .enum(['default', 'simulator'])
      .default('default')
      .describe('default: workload identity federation when workloadIdentityAudience is set (Azure Functions), else Application Default Credentials; simulator: no auth'),
    workloadIdentityAudience: z
      .string()
      .regex(/^\/\/iam\.googleapis\.com\/projects\/\d+\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/, 'expected //iam.googleapis.com/projects/<number>/locations/global/workloadIdentityPools/<pool>/providers/<provider>')
      .optional()
      .describe('//iam.googleapis.com/projects/<n>/locations/global/workloadIdentityPools/<pool>/providers/<provider>'),
    entraAppIdUri: z
      .string()
      .min(1)
      .optional()
      .describe('Application ID URI the managed identity requests its token for (the provider\'s allowed audience), e.g. api://airlock-gcp'),
    serviceAccountEmail: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+\.iam\.gserviceaccount\.com$/, 'expected a service account email such as airlock-reader@<project>.iam.gserviceaccount.com')
      .optional()
      .describe('Service account impersonated after federation; omit to grant roles to the federated principal directly'),
    endpoints: z
      .object({
        container: url.optional(),
        compute: url.optional(),
        dns: url.optional(),
        asset: url.optional(),
        resourceManager: url.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

const awsConfig = z
  .object({
    enabled: z.boolean().default(true),
    accounts: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id')).default([]),
    roleName: z.string().default('AirlockReadOnly').describe('Role assumed in each account'),
    regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'expected an AWS region such as eu-west-1')).default([]),
    useOrganizations: z.boolean().default(false).describe('List accounts from AWS Organizations'),
    credential: z.enum(['default', 'simulator']).default('default').describe('default: web identity federation / SDK chain; simulator: static test keys'),
    webIdentityRoleArn: z.string().optional(),
    endpoint: url.optional().describe('One endpoint for every AWS service (simulator, moto)'),
    kopsStateStores: z
      .array(z.string().regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s]*[^\s/])?$/, 'expected a kops state store such as s3://bucket or s3://bucket/prefix'))
      .default([])
      .describe('kops state stores (s3://bucket[/prefix]) whose clusters are audited like EKS clusters'),
    egressProxyVpcs: z
      .array(z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'expected a VPC id such as vpc-0a1b2c3d'))
      .default([])
      .describe('VPCs whose clusters reach the internet through a corporate HTTP(S) proxy: an egress path for aws/vpc-endpoints and aws/kops-egress'),
    concurrency: z
      .object({
        accounts: z.number().int().min(1).max(64).default(16).describe('Accounts (one shard each) a process audits side by side; AWS has no cross-account quota'),
        perAccountRegion: z.number().int().min(1).max(20).default(4).describe('Requests in flight per account-region (EC2, ELB and EKS throttle per account and region)'),
        global: z.number().int().min(1).max(1000).default(64).describe('Requests in flight across every account-region of the process (sockets and memory, not an AWS quota)'),
      })
      .strict()
      .default({ accounts: 16, perAccountRegion: 4, global: 64 })
      .describe('Concurrency bounds of the AWS collector, shared by the shards a process audits side by side'),
  })
  .strict();

const exception = z
  .object({
    rule: z.string().regex(/^[a-z]+\/[a-z0-9-]+$|^\*$/, 'expected a rule id such as azure/aks-public-fqdn, or *'),
    resource: z.string().min(1).describe('Resource id, or a glob with * (case-insensitive)'),
    reason: z.string().min(3, 'expected a reason of at least 3 characters saying why the exception exists'),
    expires: isoDate.describe('Date after which the exception no longer applies (YYYY-MM-DD)'),
    owner: z.string().optional(),
  })
  .strict();

const notification = z
  .object({
    name: z.string().min(1),
    kind: z.enum(['slack', 'teams', 'webhook']),
    url: secretRef,
    signingSecret: secretRef.optional().describe('For kind webhook: Standard Webhooks secret (whsec_...)'),
    minSeverity: severity.default('medium'),
    clouds: z.array(z.enum(['azure', 'gcp', 'aws'])).optional(),
    mode: z.enum(['changes', 'digest']).default('changes'),
  })
  .strict()
  .refine((n) => n.kind !== 'webhook' || n.signingSecret !== undefined, {
    message: 'expected signingSecret: a webhook channel signs what it sends',
    path: ['signingSecret'],
  });

const store = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('file'), path: z.string().default('.airlock/state') }).strict(),
    z
      .object({
        kind: z.literal('table'),
        endpoint: url.optional().describe('Table service endpoint, e.g. https://<account>.table.core.windows.net (managed identity)'),
        connectionString: secretRef.optional().describe('Connection string reference (Azurite, local runs)'),
        tablePrefix: z
          .string()
          .regex(/^[A-Za-z][A-Za-z0-9]{0,40}$/, 'expected a table prefix: a letter, then up to 40 letters or digits')
          .default('airlock'),
      })
      .strict()
      .refine((s) => s.endpoint !== undefined || s.connectionString !== undefined, {
        message: 'expected endpoint or connectionString: a table store needs one of them',
      }),
  ])
  .default({ kind: 'file', path: '.airlock/state' });

export const configSchema = z
  .object({
    $schema: z.string().optional(),
    clouds: z
      .object({ azure: azureConfig.optional(), gcp: gcpConfig.optional(), aws: awsConfig.optional() })
      .strict()
      .default({}),
    onPrem: z
      .object({ ranges: z.array(cidr).default([]).describe('Address ranges of the corporate network') })
      .strict()
      .default({ ranges: [] }),
    cost: z
      .object({
        hubPeeringMonthlyThreshold: z.number().nonnegative().default(50).describe('USD per month below which hub peering cost is not reported'),
        transitMonthlyThreshold: z.number().nonnegative().default(100),
        windowDays: z.number().int().min(1).max(92).optional().describe('Cost window in days; default: last full month'),
        prices: z.record(z.string(), z.number().nonnegative()).default({}).describe('Overrides of the price table (USD), keyed as in docs/prices'),
      })
      .strict()
      .default({ hubPeeringMonthlyThreshold: 50, transitMonthlyThreshold: 100, prices: {} }),
    calls: z
      .object({
        timeoutSeconds: z.number().positive().max(3600).default(120).describe('Deadline of one cloud call, its pages and retries included; past it the call is coverage (timeout)'),
        retryBudget: z
          .object({
            min: z.number().int().min(0).default(200).describe('Retries always allowed in one run'),
            perRequest: z.number().min(0).max(10).default(0.5).describe('Further retries allowed per request of the run (0.5: at most 1.5 attempts per request on average)'),
          })
          .strict()
          .default({ min: 200, perRequest: 0.5 })
          .describe('Retries across the whole run (or one Functions shard); past it a call that would retry is coverage at once'),
        breakerFailures: z
          .number()
          .int()
          .min(1)
          .max(1000)
          .default(3)
          .describe('Consecutive connection failures (refused, reset, DNS, timeout) to one endpoint after which its calls fail fast for the rest of the run'),
      })
      .strict()
      .default({ timeoutSeconds: 120, retryBudget: { min: 200, perRequest: 0.5 }, breakerFailures: 3 })
      .describe('Deadlines, retry budget and circuit breaker of the cloud calls'),
    rules: z
      .object({
        disabled: z.array(z.string()).default([]),
      })
      .strict()
      .default({ disabled: [] }),
    exceptions: z.array(exception).default([]),
    notifications: z.array(notification).default([]),
    reportUrl: url.optional().describe('Where the latest report is published; linked from messages'),
    store,
  })
  .strict();

export type AirlockConfig = z.output<typeof configSchema>;
export type AirlockConfigInput = z.input<typeof configSchema>;
export type AzureConfig = z.output<typeof azureConfig>;
export type ExceptionConfig = z.output<typeof exception>;
export type NotificationConfig = z.output<typeof notification>;
export type StoreConfig = z.output<typeof store>;
