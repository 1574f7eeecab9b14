/**
 * What the Function App needs from its platform, created once per process: the credential (the
 * user-assigned managed identity), the queue clients of the fan-out, the report container, the
 * progress table and the findings store. Storage is the app's own account, through the same
 * connection the queue triggers use (`AzureWebJobsStorage`): a connection string locally
 * (Azurite), identity-based settings in Azure (`AzureWebJobsStorage__accountName` or
 * `__queueServiceUri`/`__tableServiceUri`/`__blobServiceUri`, `__credential=managedidentity`,
 * `__clientId`).
 *
 * Every line the handlers log goes through the project's redaction (shared/util/redact.ts), and a
 * handler that throws is logged as one line (guardTrigger, guardHttp): no stack, no secret.
 */
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import { ConfigError, loadConfigFromEnv } from '../../shared/config/load.js';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { LogFields, Logger } from '../../shared/log.js';
import { openStore, type FindingStore } from '../../shared/store/index.js';
import { ProgressStore } from '../../shared/store/progress.js';
import { StoreError } from '../../shared/store/types.js';
import { redact, redactingLogger, registerSecret } from '../../shared/util/redact.js';

export const STORAGE_CONNECTION = 'AzureWebJobsStorage';
export const PLAN_QUEUE = 'airlock-plan';
export const SHARD_QUEUE = 'airlock-shards';
export const FINALIZE_QUEUE = 'airlock-finalize';
const PROGRESS_TABLE = 'airlockProgress';

type Env = NodeJS.ProcessEnv;

interface StorageSettings {
  connectionString?: string;
  queueServiceUri?: string;
  tableServiceUri?: string;
  blobServiceUri?: string;
}

/** App settings that hold secrets whatever the configuration says (Key Vault references in Azure). */
const SECRET_SETTINGS = [STORAGE_CONNECTION, 'APPLICATIONINSIGHTS_CONNECTION_STRING', 'SLACK_WEBHOOK_URL', 'TEAMS_WEBHOOK_URL', 'WEBHOOK_SIGNING_SECRET'];

/**
 * Registers the secret app settings with the redaction before anything can log them: the storage
 * connection string, the Key Vault-backed webhook settings, and every setting the configuration
 * refers to as `env:NAME` (channel URLs, signing secrets, a store connection string).
 */
export function registerSettingSecrets(env: Env, config?: unknown): void {
  for (const name of SECRET_SETTINGS) {
    const value = env[name];
    if (value) registerSecret(value);
  }
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      const name = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value)?.[1];
      const secret = name === undefined ? undefined : env[name];
      if (secret) registerSecret(secret);
    } else if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(config);
}

/** The configuration from app settings (loadConfigFromEnv), with every secret it refers to registered for redaction. */
export async function loadConfig(env: Env): Promise<AirlockConfig> {
  registerSettingSecrets(env);
  const config = await loadConfigFromEnv(env);
  registerSettingSecrets(env, config);
  return config;
}

function storageSettings(env: Env): StorageSettings {
  const prefix = `${STORAGE_CONNECTION}__`;
  const connectionString = env[STORAGE_CONNECTION];
  if (connectionString) {
    registerSecret(connectionString);
    return { connectionString };
  }
  const account = env[`${prefix}accountName`];
  const queueServiceUri = env[`${prefix}queueServiceUri`] ?? (account ? `https://${account}.queue.core.windows.net` : undefined);
  const tableServiceUri = env[`${prefix}tableServiceUri`] ?? (account ? `https://${account}.table.core.windows.net` : undefined);
  const blobServiceUri = env[`${prefix}blobServiceUri`] ?? (account ? `https://${account}.blob.core.windows.net` : undefined);
  if (!queueServiceUri || !tableServiceUri) {
    throw new Error(`app settings: set ${STORAGE_CONNECTION} (a connection string) or ${prefix}accountName (identity-based, with ${prefix}credential=managedidentity and ${prefix}clientId)`);
  }
  return { queueServiceUri, tableServiceUri, ...(blobServiceUri ? { blobServiceUri } : {}) };
}

let credential: TokenCredential | undefined;

/** One credential per process: the user-assigned identity named by `__clientId` or AZURE_CLIENT_ID. */
export function processCredential(env: Env = process.env): TokenCredential {
  if (!credential) {
    const clientId = env[`${STORAGE_CONNECTION}__clientId`] ?? env['AZURE_CLIENT_ID'];
    credential =
      env[`${STORAGE_CONNECTION}__credential`] === 'managedidentity'
        ? new ManagedIdentityCredential(clientId ? { clientId } : {})
        : new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
  }
  return credential;
}

const queues = new Map<string, Promise<QueueClient>>();
const containers = new Map<string, ContainerClient>();
const progressStores = new Map<string, Promise<ProgressStore>>();
const findingStores = new Map<string, Promise<FindingStore>>();

/** Caches a promise; a rejected one is forgotten so the next invocation tries again. */
function once<T>(cache: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let p = cache.get(key);
  if (!p) {
    p = make();
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

function queueClient(name: string, env: Env): Promise<QueueClient> {
  const s = storageSettings(env);
  return once(queues, `${JSON.stringify(s)}|${name}`, async () => {
    const service = s.connectionString ? QueueServiceClient.fromConnectionString(s.connectionString) : new QueueServiceClient(s.queueServiceUri ?? '', processCredential(env));
    const client = service.getQueueClient(name);
    await client.createIfNotExists();
    return client;
  });
}

/** The container named by AIRLOCK_REPORT_CONTAINER on the app's storage account (one client per process), or undefined when the setting is empty. */
export function reportContainer(env: Env = process.env): ContainerClient | undefined {
  const name = env['AIRLOCK_REPORT_CONTAINER'];
  if (!name) return undefined;
  const s = storageSettings(env);
  const key = `${JSON.stringify(s)}|${name}`;
  let client = containers.get(key);
  if (!client) {
    let service: BlobServiceClient;
    if (s.connectionString) service = BlobServiceClient.fromConnectionString(s.connectionString);
    else if (s.blobServiceUri) service = new BlobServiceClient(s.blobServiceUri, processCredential(env));
    else throw new Error(`app setting AIRLOCK_REPORT_CONTAINER: the report container needs ${STORAGE_CONNECTION}__blobServiceUri or __accountName`);
    client = service.getContainerClient(name);
    containers.set(key, client);
  }
  return client;
}

/** Sends a JSON message the way the queue trigger reads it (host.json messageEncoding base64). */
export async function sendMessage(queue: string, message: unknown, env: Env = process.env): Promise<void> {
  const client = await queueClient(queue, env);
  await client.sendMessage(Buffer.from(JSON.stringify(message), 'utf8').toString('base64'));
}

export function progressStore(env: Env = process.env): Promise<ProgressStore> {
  const s = storageSettings(env);
  return once(progressStores, JSON.stringify(s), () =>
    s.connectionString !== undefined
      ? ProgressStore.open({ tableName: PROGRESS_TABLE, connectionString: s.connectionString })
      : ProgressStore.open({ tableName: PROGRESS_TABLE, endpoint: s.tableServiceUri ?? '', credential: processCredential(env) }),
  );
}

/** The findings store of the configuration, opened (tables created) once per process. */
export function findingStore(config: AirlockConfig, env: Env = process.env): Promise<FindingStore> {
  const ref = config.store.kind === 'table' ? config.store.connectionString : undefined;
  const key = `${JSON.stringify(config.store)}|${ref?.startsWith('env:') ? (env[ref.slice(4)] ?? '') : ''}`;
  return once(findingStores, key, () => openStore(config.store, { env, credential: processCredential(env) }));
}

/** App settings of the fan-out, read and checked once per invocation. */
export function shardSizeSetting(env: Env = process.env): number | undefined {
  const raw = env['AIRLOCK_SHARD_SIZE'];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`app setting AIRLOCK_SHARD_SIZE: expected a whole number of scopes per shard (1 or more), got "${raw}"`);
  return n;
}

function render(fields: LogFields | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(fields ?? {})) if (v !== undefined) out[k] = v;
  return out;
}

/**
 * The pipeline's Logger on an invocation: the message stays a sentence; the fields (run id,
 * shard, cloud, scope, counts) go as a second argument, which the worker sends with the trace, so
 * Application Insights can filter on them. Messages and fields are scrubbed of every registered secret.
 */
export function invocationLogger(context: InvocationContext, base: LogFields = {}): Logger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
    const dims = render({ ...base, ...fields });
    if (Object.keys(dims).length === 0) context[level](message);
    else context[level](message, dims);
  };
  return redactingLogger({ debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') });
}

/** An error as one line, scrubbed: a configuration error's problems joined with "; ", else the message (never a stack). */
export function errorLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // A configuration error is a header ("... (2 problems):") and one problem a line: header, then the problems joined by "; ".
  const [first = '', ...rest] = text.split('\n').map((l) => l.replace(/\s+/g, ' ').trim()).filter(Boolean);
  return redact(rest.length === 0 ? first : `${first}${first.endsWith(':') ? ' ' : '; '}${rest.join('; ')}`);
}

/** What a guarded handler rethrows: the one scrubbed line, so the host's own failure log carries no stack and no secret. */
class HandlerFailure extends Error {
  constructor(line: string) {
    super(line);
    this.name = 'HandlerFailure';
    this.stack = `${this.name}: ${line}`;
  }
}

/**
 * A timer or queue handler that logs its failure as one scrubbed line (with the run id of a
 * queue message as a dimension) and rethrows it stripped of stack and secrets, so the host still
 * retries the message (and dead-letters it after maxDequeueCount).
 */
export function guardTrigger<T>(handler: (input: T, context: InvocationContext) => Promise<void>): (input: T, context: InvocationContext) => Promise<void> {
  return async (input, context) => {
    registerSettingSecrets(process.env);
    try {
      await handler(input, context);
    } catch (err) {
      const line = errorLine(err);
      const runId = (input as { runId?: unknown } | null)?.runId;
      invocationLogger(context, typeof runId === 'string' ? { runId: runId.slice(0, 64) } : {}).error(`${context.functionName} failed: ${line}`);
      throw new HandlerFailure(line);
    }
  };
}

/** An HTTP handler whose failure is logged as one scrubbed line and answered 500 as problem details (never the error text). */
export function guardHttp(handler: (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>): (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit> {
  return async (request, context) => {
    registerSettingSecrets(process.env);
    try {
      return await handler(request, context);
    } catch (err) {
      invocationLogger(context).error(`${context.functionName} failed: ${errorLine(err)}`);
      if (err instanceof StoreError) {
        // The store is down or refusing us, not the request wrong: say so, and when to ask again.
        const res = problem(503, 'Store unavailable', `The finding store could not be used; try again later; see the function log (invocation ${context.invocationId}).`);
        return { ...res, headers: { ...(res.headers as Record<string, string>), 'Retry-After': '30' } };
      }
      const config = err instanceof ConfigError;
      return problem(500, config ? 'Configuration is invalid' : 'Internal error', `${config ? 'The app configuration does not load' : 'The request failed'}; see the function log (invocation ${context.invocationId}).`);
    }
  };
}

const PROBLEM_TYPE = 'https://github.com/airlock/airlock/blob/main/docs/operations.md#api-errors';

/** RFC 9457 problem details. */
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}): HttpResponseInit {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: PROBLEM_TYPE, title, status, detail, ...extra }),
  };
}
