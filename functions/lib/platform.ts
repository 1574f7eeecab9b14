/**
 * What the Function App needs from its platform, created once per process: the credential (the
 * user-assigned managed identity), the queue clients of the fan-out, the progress table and the
 * findings store. Storage is the app's own account, through the same connection the queue
 * triggers use (`AzureWebJobsStorage`): a connection string locally (Azurite), identity-based
 * settings in Azure (`AzureWebJobsStorage__accountName` or `__queueServiceUri`/`__tableServiceUri`,
 * `__credential=managedidentity`, `__clientId`).
 */
import type { InvocationContext } from '@azure/functions';
import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { QueueServiceClient, type QueueClient } from '@azure/storage-queue';
import type { AirlockConfig } from '../../shared/config/schema.js';
import type { LogFields, Logger } from '../../shared/log.js';
import { openStore, type FindingStore } from '../../shared/store/index.js';
import { ProgressStore } from '../../shared/store/progress.js';

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
}

function storageSettings(env: Env): StorageSettings {
  const prefix = `${STORAGE_CONNECTION}__`;
  const connectionString = env[STORAGE_CONNECTION];
  if (connectionString) return { connectionString };
  const account = env[`${prefix}accountName`];
  const queueServiceUri = env[`${prefix}queueServiceUri`] ?? (account ? `https://${account}.queue.core.windows.net` : undefined);
  const tableServiceUri = env[`${prefix}tableServiceUri`] ?? (account ? `https://${account}.table.core.windows.net` : undefined);
  if (!queueServiceUri || !tableServiceUri) {
    throw new Error(`app settings: set ${STORAGE_CONNECTION} (a connection string) or ${prefix}accountName (identity-based, with ${prefix}credential=managedidentity and ${prefix}clientId)`);
  }
  return { queueServiceUri, tableServiceUri };
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
 * Application Insights can filter on them.
 */
export function invocationLogger(context: InvocationContext, base: LogFields = {}): Logger {
  const line = (level: 'debug' | 'info' | 'warn' | 'error') => (message: string, fields?: LogFields) => {
    const dims = render({ ...base, ...fields });
    if (Object.keys(dims).length === 0) context[level](message);
    else context[level](message, dims);
  };
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
}
