import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import type { CallRecord } from '../../model/coverage.js';
import type { KopsCluster, KopsInstanceGroup, KopsSubnet } from '../../model/inventory/aws.js';
import { scopeKey } from '../../model/scope.js';
import { tracked } from '../kit/calls.js';
import { ShapeError } from '../kit/errors.js';
import { AWS_OPS } from './datasets.js';

/**
 * kops clusters from S3 state stores (`s3://bucket[/prefix]`), read-only: the cluster "directories"
 * (ListObjectsV2 with a `/` delimiter), each cluster's `cluster-completed.spec` (else `config`, the
 * user's spec) and its `instancegroup/*` objects, YAML mapped to KopsCluster records.
 */

export interface StateStore {
  url: string;
  bucket: string;
  /** Key prefix without the trailing slash; '' at the bucket root. */
  prefix: string;
}

export function parseStateStore(url: string): StateStore {
  const m = /^s3:\/\/([^/]+)(?:\/(.*?))?\/?$/.exec(url);
  if (!m?.[1]) throw new Error(`not a kops state store: ${url} (expected s3://bucket[/prefix])`);
  const prefix = m[2] ?? '';
  return { url: prefix ? `s3://${m[1]}/${prefix}` : `s3://${m[1]}`, bucket: m[1], prefix };
}

const strList = z.array(z.string()).optional();

const subnetSchema = z.object({
  name: z.string(),
  type: z.string().optional(),
  cidr: z.string().optional(),
  zone: z.string().optional(),
  id: z.string().optional(),
  egress: z.string().optional(),
});

const clusterSchema = z.object({
  kind: z.literal('Cluster').optional(),
  metadata: z.object({ name: z.string().min(1) }),
  spec: z.object({
    networkID: z.string().optional(),
    networkCIDR: z.string().optional(),
    additionalNetworkCIDRs: strList,
    subnets: z.array(subnetSchema).default([]),
    topology: z
      .object({
        masters: z.string().optional(),
        nodes: z.string().optional(),
        dns: z.object({ type: z.string().optional() }).optional(),
      })
      .optional(),
    dnsZone: z.string().optional(),
    api: z
      .object({
        loadBalancer: z.object({ type: z.string().optional() }).nullish(),
        dns: z.unknown().optional(),
      })
      .optional(),
    kubernetesApiAccess: strList,
    networking: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    egressProxy: z.object({ httpProxy: z.object({ host: z.string().optional(), port: z.number().optional() }).optional() }).optional(),
    cloudLabels: z.record(z.string(), z.string()).optional(),
  }),
});

const instanceGroupSchema = z.object({
  kind: z.literal('InstanceGroup').optional(),
  metadata: z.object({ name: z.string().min(1) }),
  spec: z.object({ role: z.string().default('Node'), subnets: z.array(z.string()).default([]), associatePublicIp: z.boolean().optional() }),
});

function yamlDocument(text: string, what: string): unknown {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new ShapeError(`${what}: empty YAML`);
  const first = docs[0];
  if (!first) throw new ShapeError(`${what}: empty YAML`);
  if (first.errors.length > 0) throw new ShapeError(`${what}: YAML does not parse: ${first.errors[0]?.message ?? ''}`);
  return first.toJS() as unknown;
}

function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new ShapeError(`${what}: unexpected shape at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return r.data;
}

/** `us-east-1a` → `us-east-1`. */
export function regionOfZone(zone: string): string | undefined {
  return /^([a-z]{2}(?:-[a-z]+)+-\d+)[a-z]$/.exec(zone)?.[1];
}

export interface KopsSource {
  store: StateStore;
  /** The account whose shard reads the store, and the cluster's scope is built from. */
  accountId: string;
  /** Region when the spec's zones name none. */
  fallbackRegion: string;
}

/** Maps a Cluster spec and its InstanceGroups (parsed YAML) to the inventory record; throws ShapeError. */
export function mapKopsCluster(specDoc: unknown, groupDocs: readonly { key: string; doc: unknown }[], source: KopsSource, path: string): KopsCluster {
  const c = checked(clusterSchema, specDoc, `${path}: kops Cluster`);
  const spec = c.spec;
  const subnets: KopsSubnet[] = spec.subnets.map((s) => {
    const out: KopsSubnet = { name: s.name };
    if (s.type !== undefined) out.type = s.type;
    if (s.cidr !== undefined) out.cidr = s.cidr;
    if (s.zone !== undefined) out.zone = s.zone;
    if (s.id !== undefined) out.id = s.id;
    if (s.egress !== undefined) out.egress = s.egress;
    return out;
  });
  const region = subnets.map((s) => (s.zone ? regionOfZone(s.zone) : undefined)).find((r) => r !== undefined) ?? source.fallbackRegion;
  const instanceGroups: KopsInstanceGroup[] = groupDocs.map(({ key, doc }) => {
    const g = checked(instanceGroupSchema, doc, `${key}: kops InstanceGroup`);
    return { name: g.metadata.name, role: g.spec.role, subnets: g.spec.subnets, ...(g.spec.associatePublicIp === undefined ? {} : { associatePublicIp: g.spec.associatePublicIp }) };
  });
  const networking = typeof spec.networking === 'string' ? spec.networking : spec.networking ? Object.keys(spec.networking)[0] : undefined;
  const proxy = spec.egressProxy?.httpProxy;
  const id = `${source.store.url}/${c.metadata.name}`;
  const record: KopsCluster = {
    id,
    name: c.metadata.name,
    scope: scopeKey({ cloud: 'aws', kind: 'account-region', id: `${source.accountId}/${region}` }),
    accountId: source.accountId,
    region,
    tags: spec.cloudLabels ?? {},
    stateStore: source.store.url,
    networkCidrs: [...(spec.networkCIDR ? [spec.networkCIDR] : []), ...(spec.additionalNetworkCIDRs ?? [])],
    subnets,
    apiDns: spec.api?.dns !== undefined && spec.api.dns !== null,
    instanceGroups,
  };
  if (spec.networkID) record.networkId = spec.networkID;
  if (spec.topology?.masters) record.topologyMasters = spec.topology.masters;
  if (spec.topology?.nodes) record.topologyNodes = spec.topology.nodes;
  if (spec.topology?.dns?.type) record.dnsType = spec.topology.dns.type;
  if (spec.dnsZone) record.dnsZone = spec.dnsZone;
  if (spec.api?.loadBalancer?.type) record.apiLoadBalancerType = spec.api.loadBalancer.type;
  if (spec.kubernetesApiAccess) record.kubernetesApiAccess = spec.kubernetesApiAccess;
  if (networking) record.networking = networking;
  if (proxy?.host) record.egressProxy = proxy.port === undefined ? proxy.host : `${proxy.host}:${proxy.port}`;
  return record;
}

const isMissing = (err: unknown): boolean => {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
};

async function getText(s3: S3Client, bucket: string, key: string, signal: AbortSignal): Promise<string | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return (await out.Body?.transformToString('utf8')) ?? '';
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

async function listKeys(s3: S3Client, bucket: string, prefix: string, delimiter?: string): Promise<{ keys: string[]; prefixes: string[] }> {
  const keys: string[] = [];
  const prefixes: string[] = [];
  for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}) })) {
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix);
  }
  return { keys, prefixes };
}

/**
 * Reads every cluster of one state store. A listing that fails is one failed call for the store; a
 * cluster whose spec is missing, does not parse or has an unexpected shape is a failed call for that
 * cluster (dataset kopsClusters), and the others are still read.
 */
export async function readStateStore(s3: S3Client, source: KopsSource, signal?: AbortSignal): Promise<{ clusters: KopsCluster[]; calls: CallRecord[] }> {
  const { store } = source;
  const homeScope = scopeKey({ cloud: 'aws', kind: 'account-region', id: `${source.accountId}/${source.fallbackRegion}` });
  const root = store.prefix ? `${store.prefix}/` : '';
  const calls: CallRecord[] = [];
  const clusters: KopsCluster[] = [];
  const spec = (api: string) => ({ cloud: 'aws' as const, api, scope: homeScope, dataset: 'kopsClusters', ...(signal ? { signal } : {}) });
  const listing = await tracked(spec(AWS_OPS.listStateStore.api), () => listKeys(s3, store.bucket, root, '/'));
  calls.push(listing.record.ok ? listing.record : { ...listing.record, message: `kops state store ${store.url}: ${listing.record.message ?? 'listing failed'}` });
  const names = (listing.value?.prefixes ?? []).map((p) => p.slice(root.length).replace(/\/$/, '')).filter((n) => n.length > 0);
  for (const name of names) {
    const path = `${store.url}/${name}`;
    const r = await tracked(spec(AWS_OPS.getStateStoreObject.api), async (abort) => {
      const completed = await getText(s3, store.bucket, `${root}${name}/cluster-completed.spec`, abort);
      const specText = completed ?? (await getText(s3, store.bucket, `${root}${name}/config`, abort));
      // A prefix with neither object is not a cluster (kops keeps nothing else at the top level).
      if (specText === undefined) return undefined;
      const groupKeys = (await listKeys(s3, store.bucket, `${root}${name}/instancegroup/`)).keys;
      const groups: { key: string; doc: unknown }[] = [];
      for (const key of groupKeys) {
        const text = await getText(s3, store.bucket, key, abort);
        if (text !== undefined) groups.push({ key: `s3://${store.bucket}/${key}`, doc: yamlDocument(text, `s3://${store.bucket}/${key}`) });
      }
      const file = `${path}/${completed === undefined ? 'config' : 'cluster-completed.spec'}`;
      return mapKopsCluster(yamlDocument(specText, file), groups, source, file);
    });
    const scope = r.value?.scope ?? homeScope;
    calls.push(r.record.ok ? { ...r.record, scope } : { ...r.record, message: `kops cluster ${path}: ${r.record.message ?? 'failed'}` });
    if (r.value) clusters.push(r.value);
  }
  return { clusters, calls };
}
