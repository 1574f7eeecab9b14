import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pushTo } from '../core/multimap.js';
import type { ProviderName, ProviderServer, RoutedCall, SimRequest, SimResponse, ThrottleModelName } from '../core/types.js';

/**
 * Replay mode: serve recorded cloud responses (shared/realdata) at the API paths the SDKs call.
 * The mapping rules are documented in docs/simulator.md ("Replay"); `replayIndex` lists them.
 * Several files at the same method and path are served in order, one per call, the last one
 * repeating (before/after recordings of one resource read as a change over time).
 */

export interface ReplayOptions {
  /** The realdata directory; default ../shared/realdata beside the repository. */
  dir?: string;
}

export interface ReplayEntry {
  provider: ProviderName;
  method: string;
  /** Path the entry answers, e.g. /subscriptions/.../managedClusters/x or /compute/v1/projects/p/global/networks. */
  path: string;
  /** AWS query APIs (EC2, ELBv2): the Action this entry answers on POST /. */
  action?: string;
  /** AWS query API version (ELBv2 2015-12-01 vs EC2 2016-11-15). */
  version?: string;
  status: number;
  contentType: string;
  body: string;
  /** File the body came from, relative to the realdata directory. */
  source: string;
}

function findRepoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'airlock') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

export function defaultRealdataDir(): string {
  return path.resolve(findRepoRoot(), '..', 'shared', 'realdata');
}

function listFiles(dir: string, sub = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

type Json = Record<string, unknown>;

function readJson(dir: string, rel: string): unknown {
  try {
    return JSON.parse(readFileSync(path.join(dir, rel), 'utf8')) as unknown;
  } catch (err) {
    throw new Error(`replay: ${path.join(dir, rel)} is not valid JSON: ${String(err)}`, { cause: err });
  }
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** `${projectId}` → `project-id`: KCC golden logs use placeholders that are not valid in paths. */
function fillPlaceholders(text: string): string {
  return text.replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, name: string) =>
    name
      .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
      .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
      .toLowerCase(),
  );
}

function json(provider: ProviderName, method: string, p: string, body: unknown, source: string, status = 200): ReplayEntry {
  return { provider, method, path: p, status, contentType: 'application/json; charset=utf-8', body: JSON.stringify(body), source };
}

function kebab(text: string): string {
  return text
    .replace(/^Test/, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
}

/** The path a GCP body is served at: its selfLink's (compute under /compute/v1, container under /v1). */
function gcpPathOf(selfLink: string): string {
  return new URL(selfLink).pathname;
}

function azureEntries(dir: string, files: string[]): ReplayEntry[] {
  const out: ReplayEntry[] = [];
  for (const rel of files) {
    if (rel.startsWith('azure-rest-api-specs/') && rel.endsWith('.json')) {
      const doc = readJson(dir, rel);
      const responses = isObject(doc) && isObject(doc['responses']) ? doc['responses'] : {};
      const ok = responses['200'];
      const body = isObject(ok) ? ok['body'] : undefined;
      if (rel.includes('/resourcegraph/')) {
        out.push(json('azure', 'POST', '/providers/Microsoft.ResourceGraph/resources', body, rel));
      } else if (isObject(body) && typeof body['id'] === 'string') {
        out.push(json('azure', 'GET', body['id'], body, rel));
      }
    } else if (rel.startsWith('azure-cli/') && rel.endsWith('.body.json')) {
      const body = readJson(dir, rel);
      if (isObject(body) && typeof body['id'] === 'string') out.push(json('azure', 'GET', body['id'], body, rel));
    } else if (rel.startsWith('cloud-custodian/azure/') && rel.endsWith('.cassette.json')) {
      const doc = readJson(dir, rel);
      const interactions = isObject(doc) && Array.isArray(doc['interactions']) ? (doc['interactions'] as unknown[]) : [];
      interactions.forEach((interaction, index) => {
        if (!isObject(interaction) || !isObject(interaction['request']) || !isObject(interaction['response'])) return;
        const uri = interaction['request']['uri'];
        const method = interaction['request']['method'];
        const response = interaction['response'];
        const status = isObject(response['status']) && typeof response['status']['code'] === 'number' ? response['status']['code'] : 200;
        const body = isObject(response['body']) ? response['body']['data'] : undefined;
        if (typeof uri !== 'string' || typeof method !== 'string' || body === undefined) return;
        const parsed = typeof body === 'string' ? (JSON.parse(body) as unknown) : body;
        out.push(json('azure', method.toUpperCase(), new URL(uri).pathname, parsed, `${rel}#${index}`, status));
      });
    }
  }
  return out;
}

/** Flights whose bodies carry no selfLink: the request path recorded in the original flight file name. */
const GCP_FLIGHT_PATHS: Record<string, string[]> = {
  'cloud-custodian/gcp/container-clusters-list-two-public-clusters.flight.json': ['/v1/projects/cloud-custodian/locations/-/clusters'],
  'cloud-custodian/gcp/dns-managedZones-list-private.flight.json': ['/dns/v1beta2/projects/cloud-custodian/managedZones', '/dns/v1/projects/cloud-custodian/managedZones'],
  'cloud-custodian/gcp/dns-rrsets-list.flight.json': ['/dns/v1/projects/cloud-custodian/managedZones/zone-277-green/rrsets'],
};

function gcpEntries(dir: string, files: string[]): ReplayEntry[] {
  const out: ReplayEntry[] = [];
  const tfClusters: unknown[] = [];
  for (const rel of files) {
    if (!rel.endsWith('.json')) continue;
    if (rel.startsWith('cloud-custodian/gcp/')) {
      const doc = readJson(dir, rel);
      const body = isObject(doc) ? doc['body'] : undefined;
      const fixed = GCP_FLIGHT_PATHS[rel];
      if (fixed) for (const p of fixed) out.push(json('gcp', 'GET', p, body, rel));
      else if (isObject(body) && typeof body['selfLink'] === 'string') out.push(json('gcp', 'GET', gcpPathOf(body['selfLink']), body, rel));
    } else if (rel.startsWith('k8s-config-connector/') && !rel.includes('raw-http-logs')) {
      const body = JSON.parse(fillPlaceholders(readFileSync(path.join(dir, rel), 'utf8'))) as unknown;
      if (!isObject(body)) continue;
      if (typeof body['selfLink'] === 'string') {
        // v1beta1 cluster bodies are served at their v1 location path as well, which is what the v1 client asks for.
        const p = gcpPathOf(body['selfLink']);
        out.push(json('gcp', 'GET', p, body, rel));
        const v1 = p.replace(/^\/v1beta1\/projects\/([^/]+)\/zones\//, '/v1/projects/$1/locations/');
        if (v1 !== p) out.push(json('gcp', 'GET', v1, body, rel));
      } else if (body['kind'] === 'dns#managedZone' && typeof body['name'] === 'string') {
        out.push(json('gcp', 'GET', `/dns/v1/projects/project-id/managedZones/${body['name']}`, body, rel));
      } else if (body['kind'] === 'dns#resourceRecordSetsListResponse') {
        out.push(json('gcp', 'GET', '/dns/v1/projects/project-id/managedZones/dnsmanagedzone-unique-id/rrsets', body, rel));
      }
    } else if (rel.startsWith('terraform-google-kubernetes-engine/')) {
      // Every file is CLUSTER_NAME in PROJECT_ID: give each its own name from the test it came from.
      const test = /\.(Test[A-Za-z0-9]+)\.json$/.exec(rel)?.[1] ?? path.basename(rel, '.json');
      const text = readFileSync(path.join(dir, rel), 'utf8').replaceAll('PROJECT_ID', 'tf-project').replaceAll('CLUSTER_NAME', kebab(test)).replaceAll('RANDOM_STRING', 'random-string');
      const body = JSON.parse(text) as unknown;
      if (isObject(body) && typeof body['selfLink'] === 'string') {
        out.push(json('gcp', 'GET', gcpPathOf(body['selfLink']), body, rel));
        tfClusters.push(body);
      }
    }
  }
  if (tfClusters.length > 0) {
    out.push(json('gcp', 'GET', '/v1/projects/tf-project/locations/-/clusters', { clusters: tfClusters }, 'terraform-google-kubernetes-engine/*.json (assembled list)'));
  }
  return out;
}

function awsEntries(dir: string, files: string[]): ReplayEntry[] {
  const out: ReplayEntry[] = [];
  const eksNames: string[] = [];
  for (const rel of files) {
    if (!rel.startsWith('moto-generated/')) continue;
    const name = path.basename(rel);
    const text = readFileSync(path.join(dir, rel), 'utf8');
    const xml = (p: string, extra: Partial<ReplayEntry> = {}): ReplayEntry => ({ provider: 'aws', method: 'POST', path: p, status: 200, contentType: 'text/xml', body: text, source: rel, ...extra });
    let m: RegExpExecArray | null;
    if ((m = /^ec2-(Describe[A-Za-z]+)\.moto\.xml$/.exec(name))) {
      out.push(xml('/', { action: m[1] ?? '', version: '2016-11-15' }));
    } else if ((m = /^elbv2-(Describe[A-Za-z]+)\.moto\.xml$/.exec(name))) {
      out.push(xml('/', { action: m[1] ?? '', version: '2015-12-01' }));
    } else if (name === 'route53-ListHostedZonesByVPC.moto.xml') {
      out.push(xml('/2013-04-01/hostedzonesbyvpc', { method: 'GET' }));
    } else if (name.startsWith('route53-')) {
      const zoneId = /<HostedZoneId>([^<]+)<\/HostedZoneId>|<Id>\/hostedzone\/([^<]+)<\/Id>/.exec(
        readFileSync(path.join(dir, 'moto-generated/route53-ListHostedZonesByVPC.moto.xml'), 'utf8'),
      );
      const id = zoneId?.[1] ?? zoneId?.[2];
      if (!id) continue;
      if (name === 'route53-GetHostedZone.moto.xml') out.push(xml(`/2013-04-01/hostedzone/${id}`, { method: 'GET' }));
      if (name === 'route53-ListResourceRecordSets.moto.xml') out.push(xml(`/2013-04-01/hostedzone/${id}/rrset`, { method: 'GET' }));
    } else if (name.startsWith('eks-DescribeCluster-') && name.endsWith('.json')) {
      const body = JSON.parse(text) as unknown;
      const cluster = isObject(body) && isObject(body['cluster']) ? body['cluster'] : undefined;
      if (cluster && typeof cluster['name'] === 'string') {
        eksNames.push(cluster['name']);
        out.push({ provider: 'aws', method: 'GET', path: `/clusters/${cluster['name']}`, status: 200, contentType: 'application/json', body: text, source: rel });
      }
    }
  }
  if (eksNames.length > 0) {
    out.push({ provider: 'aws', method: 'GET', path: '/clusters', status: 200, contentType: 'application/json', body: JSON.stringify({ clusters: eksNames }), source: 'moto-generated/eks-DescribeCluster-*.moto.json (assembled list)' });
  }
  return out;
}

/** Every replayable response in a realdata directory, with the path it is served at. */
export function replayIndex(options: ReplayOptions = {}): ReplayEntry[] {
  const dir = path.resolve(options.dir ?? defaultRealdataDir());
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new Error(`replay: realdata directory ${dir} does not exist (pass --replay <dir>, or put shared/realdata beside the repository)`);
  }
  const files = listFiles(dir);
  const entries = [...azureEntries(dir, files), ...gcpEntries(dir, files), ...awsEntries(dir, files)];
  if (entries.length === 0) throw new Error(`replay: ${dir} holds no recordings this simulator knows how to serve (see docs/simulator.md)`);
  return entries;
}

function keyOf(method: string, p: string, action?: string, version?: string): string {
  return action ? `${method} ${p} ${action} ${version ?? ''}` : `${method} ${p.toLowerCase()}`;
}

function errorFor(provider: ProviderName, status: number, code: string, message: string): SimResponse {
  if (provider === 'gcp') {
    return {
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: { code: status, message, status: code, errors: [{ message, domain: 'global', reason: code }] } }),
    };
  }
  if (provider === 'aws') {
    return {
      status,
      headers: { 'content-type': 'text/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message.replace(/[<&]/g, ' ')}</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>`,
    };
  }
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ error: { code, message } }) };
}

function throttleModel(provider: ProviderName, entry: ReplayEntry): ThrottleModelName {
  if (provider === 'gcp') return 'gcp';
  if (provider === 'aws') return entry.version === '2016-11-15' ? 'ec2' : 'aws-other';
  return entry.path.toLowerCase().startsWith('/providers/microsoft.resourcegraph') ? 'resource-graph' : 'arm';
}

function bucketOf(provider: ProviderName, p: string): string {
  const sub = /^\/subscriptions\/([^/]+)/i.exec(p)?.[1];
  if (provider === 'azure') return sub?.toLowerCase() ?? 'tenant';
  if (provider === 'gcp') return /\/projects\/([^/]+)/.exec(p)?.[1] ?? 'replay';
  return '123456789012/us-east-1';
}

function replayProvider(provider: ProviderName, entries: readonly ReplayEntry[]): ProviderServer {
  const byKey = new Map<string, ReplayEntry[]>();
  for (const e of entries) {
    if (e.provider !== provider) continue;
    pushTo(byKey, keyOf(e.method, e.path, e.action, e.version), e);
  }
  const served = new Map<string, number>();
  const mine = entries.filter((e) => e.provider === provider);
  const subscriptions = new Set<string>();
  const projects = new Set<string>();
  for (const e of mine) {
    const sub = /^\/subscriptions\/([0-9a-f-]{36})(\/|$)/i.exec(e.path)?.[1];
    if (sub) subscriptions.add(sub.toLowerCase());
    const project = /\/projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\//.exec(e.path)?.[1];
    if (project) projects.add(project);
  }
  return {
    provider,
    // The scopes the recordings cover, so `writeConfig` audits them (moto recorded one account in us-east-1).
    scopes: () =>
      provider === 'azure'
        ? { subscriptions: [...subscriptions].sort() }
        : provider === 'gcp'
          ? { projects: [...projects].sort() }
          : mine.length > 0
            ? { accounts: ['123456789012'], regions: ['us-east-1'] }
            : {},
    route(req: SimRequest): RoutedCall | undefined {
      let key = keyOf(req.method, req.url.pathname);
      if (provider === 'aws' && req.method === 'POST' && req.url.pathname === '/') {
        const form = new URLSearchParams(req.body);
        key = keyOf('POST', '/', form.get('Action') ?? '', form.get('Version') ?? '');
      }
      const list = byKey.get(key);
      const first = list?.[0];
      if (!list || !first) return undefined;
      return {
        operation: `replay:${first.action ?? `${first.method} ${first.path}`}`,
        bucket: bucketOf(provider, first.path),
        throttle: throttleModel(provider, first),
        handle(): SimResponse {
          const n = served.get(key) ?? 0;
          served.set(key, n + 1);
          const entry = list[Math.min(n, list.length - 1)] ?? first;
          return { status: entry.status, headers: { 'content-type': entry.contentType, 'x-airlock-replay-source': entry.source }, body: entry.body };
        },
      };
    },
    notFound: (req) => errorFor(provider, 404, provider === 'aws' ? 'InvalidAction' : provider === 'gcp' ? 'notFound' : 'ResourceNotFound', `replay has no recording for ${req.method} ${req.url.pathname}`),
    throttled: (_call, retryAfterSeconds) =>
      provider === 'gcp'
        ? errorFor('gcp', 403, 'rateLimitExceeded', 'Rate Limit Exceeded')
        : provider === 'aws'
          ? errorFor('aws', 503, 'RequestLimitExceeded', 'Request limit exceeded.')
          : { ...errorFor('azure', 429, 'TooManyRequests', 'Too many requests'), headers: { 'content-type': 'application/json', 'retry-after': String(retryAfterSeconds) } },
    fault: (_call, kind) =>
      kind === 'denied'
        ? errorFor(provider, 403, provider === 'aws' ? 'UnauthorizedOperation' : provider === 'gcp' ? 'forbidden' : 'AuthorizationFailed', 'denied by the simulator')
        : errorFor(provider, provider === 'aws' ? 503 : 500, provider === 'aws' ? 'InternalError' : provider === 'gcp' ? 'backendError' : 'InternalServerError', 'injected server error'),
  };
}

/** Recorded bodies are served as recorded: no paging, so no ProviderEnv is needed. */
export function loadReplayProviders(options: ReplayOptions): Promise<Record<ProviderName, ProviderServer>> {
  const entries = replayIndex(options);
  return Promise.resolve({ azure: replayProvider('azure', entries), gcp: replayProvider('gcp', entries), aws: replayProvider('aws', entries) });
}
