import {
  DescribeRegionsCommand,
  paginateDescribeInstances,
  paginateDescribeInternetGateways,
  paginateDescribeNatGateways,
  paginateDescribeRouteTables,
  paginateDescribeSubnets,
  paginateDescribeTransitGatewayAttachments,
  paginateDescribeTransitGateways,
  paginateDescribeVpcEndpoints,
  paginateDescribeVpcs,
} from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, paginateListClusters } from '@aws-sdk/client-eks';
import { DescribeTagsCommand as DescribeClassicTagsCommand, paginateDescribeLoadBalancers as paginateClassic } from '@aws-sdk/client-elastic-load-balancing';
import { DescribeTagsCommand, paginateDescribeLoadBalancers } from '@aws-sdk/client-elastic-load-balancing-v2';
import { paginateListAccounts } from '@aws-sdk/client-organizations';
import { GetHostedZoneCommand, paginateListHostedZones } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { setImmediate } from 'node:timers/promises';
import type { AirlockConfig } from '../../config/schema.js';
import type { CallRecord } from '../../model/coverage.js';
import { emptyAwsInventory, type AwsInventory } from '../../model/inventory/aws.js';
import { emptyInventory } from '../../model/inventory/index.js';
import { scopeKey, type Scope, type ScopeKey } from '../../model/scope.js';
import { tracked } from '../kit/calls.js';
import { classifyError } from '../kit/errors.js';
import { BucketLimiter } from '../kit/limiter.js';
import type { CollectContext, Collector } from '../types.js';
import { createAwsClients, GLOBAL_REGION, type AwsClients, type AwsConfig } from './clients.js';
import { attributeUsage, lastMonth, readTransferUsage } from './cost.js';
import * as D from './datasets.js';
import { AWS_OPS, type AwsDatasetName, type AwsDescriptor, type AwsOrigin, type AwsRawItem } from './datasets.js';
import { parseStateStore, readStateStore } from './kops.js';

function awsConfig(ctx: CollectContext): AwsConfig {
  const c = ctx.config.clouds.aws;
  if (!c) throw new Error('clouds.aws is not configured');
  return c;
}

/**
 * EC2, ELB and EKS throttle per account and region (there is no cross-account quota): every call
 * of one account-region shares its bucket, a few at a time (`concurrency.perAccountRegion`), and
 * the process keeps to a global cap across shards (`concurrency.global`: sockets and memory). One
 * limiter per pair of bounds, shared by the shards a process audits side by side.
 */
const limiters = new Map<string, BucketLimiter>();

export function awsLimiter(cfg: AwsConfig): BucketLimiter {
  const { perAccountRegion, global } = cfg.concurrency;
  const key = `${perAccountRegion}/${global}`;
  let limiter = limiters.get(key);
  if (!limiter) limiters.set(key, (limiter = new BucketLimiter({ perBucket: perAccountRegion, global })));
  return limiter;
}

/**
 * Account-regions start a few per turn of the event loop: starting one builds its four SDK clients
 * and sends its first requests, and the accounts of the shards audited side by side get their
 * AssumeRole answers together, so starting every region at once was one long synchronous block.
 */
const REGIONS_PER_TURN = 4;
let startGate: Promise<void> = Promise.resolve();
let startedThisTurn = 0;
function nextTurn(): Promise<void> {
  if (startedThisTurn < REGIONS_PER_TURN) {
    startedThisTurn += 1;
    return startGate;
  }
  startedThisTurn = 1;
  startGate = startGate.then(() => setImmediate());
  return startGate;
}

/** Regions planned per account (for shardSize: one shard holds one account). */
const plannedRegions = new WeakMap<AirlockConfig, number>();

const accountRegion = (account: string, region: string): Scope => ({ cloud: 'aws', kind: 'account-region', id: `${account}/${region}` });

function failedCopy(record: CallRecord, scope: ScopeKey): CallRecord {
  return { ...record, scope, requests: 0, retries: 0 };
}

interface Fetch {
  api: string;
  run(signal: AbortSignal): Promise<unknown[]>;
}

/** Maps raw items through the descriptor; an item of an unexpected shape fails the call (coverage) and is left out. */
function mapAll<K extends AwsDatasetName>(descriptor: AwsDescriptor<K>, items: readonly unknown[], origin: AwsOrigin): { records: AwsInventory[K]; error?: string } {
  const records: unknown[] = [];
  let error: string | undefined;
  for (const item of items) {
    try {
      records.push(descriptor.map({ origin, item } satisfies AwsRawItem));
    } catch (err) {
      error ??= classifyError('aws', err).message;
    }
  }
  return { records: records as AwsInventory[K], ...(error === undefined ? {} : { error }) };
}

async function all<T, P>(pages: AsyncIterable<P>, pick: (p: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  for await (const page of pages) out.push(...(pick(page) ?? []));
  return out;
}

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

interface ShardState {
  inventory: AwsInventory;
  calls: CallRecord[];
  ctx: CollectContext;
  limiter: BucketLimiter;
}

/** One tracked call (bounded by the account-region's bucket), its items mapped into the inventory. */
async function read<K extends AwsDatasetName>(state: ShardState, bucket: string, origin: AwsOrigin, descriptor: AwsDescriptor<K>, fetch: Fetch): Promise<CallRecord> {
  const spec = (api: string) => ({ cloud: 'aws' as const, api, scope: origin.scope, dataset: descriptor.dataset, ...(state.ctx.signal ? { signal: state.ctx.signal } : {}) });
  const main = await state.limiter.run(bucket, () => tracked(spec(fetch.api), (signal) => fetch.run(signal)));
  if (!main.value) {
    state.calls.push(main.record);
    return main.record;
  }
  const mapped = mapAll(descriptor, main.value, origin);
  const record: CallRecord = mapped.error === undefined ? main.record : { ...main.record, ok: false, errorKind: 'malformed', message: `${fetch.api} for ${origin.scope} (${descriptor.dataset}): ${mapped.error}` };
  state.calls.push(record);
  (state.inventory[descriptor.dataset] as unknown[]).push(...(mapped.records as unknown[]));
  return record;
}

/** Every regional dataset of one account-region. */
async function collectRegion(state: ShardState, clients: AwsClients, credentials: ReturnType<AwsClients['account']>, account: string, region: string): Promise<void> {
  const origin: AwsOrigin = { scope: scopeKey(accountRegion(account, region)), accountId: account, region };
  const bucket = `${account}/${region}`;
  const ec2 = clients.ec2(credentials, region);
  const client = { client: ec2 };
  const simple = <K extends AwsDatasetName>(descriptor: AwsDescriptor<K>, api: string, run: (signal: AbortSignal) => Promise<unknown[]>) => read(state, bucket, origin, descriptor, { api, run });
  const tasks: Promise<unknown>[] = [
    simple(D.vpcs, AWS_OPS.describeVpcs.api, () => all(paginateDescribeVpcs(client, {}), (p) => p.Vpcs)),
    simple(D.subnets, AWS_OPS.describeSubnets.api, () => all(paginateDescribeSubnets(client, {}), (p) => p.Subnets)),
    simple(D.routeTables, AWS_OPS.describeRouteTables.api, () => all(paginateDescribeRouteTables(client, {}), (p) => p.RouteTables)),
    simple(D.internetGateways, AWS_OPS.describeInternetGateways.api, () => all(paginateDescribeInternetGateways(client, {}), (p) => p.InternetGateways)),
    simple(D.natGateways, AWS_OPS.describeNatGateways.api, () => all(paginateDescribeNatGateways(client, {}), (p) => p.NatGateways)),
    simple(D.instances, AWS_OPS.describeInstances.api, () => all(paginateDescribeInstances(client, {}), (p) => (p.Reservations ?? []).flatMap((r) => r.Instances ?? []))),
    simple(D.vpcEndpoints, AWS_OPS.describeVpcEndpoints.api, () => all(paginateDescribeVpcEndpoints(client, {}), (p) => p.VpcEndpoints)),
    collectTransitGateways(state, bucket, origin, ec2),
    collectLoadBalancers(state, bucket, origin, clients, credentials, region),
    collectEks(state, bucket, origin, clients, credentials, region),
  ];
  await Promise.all(tasks);
}

async function collectTransitGateways(state: ShardState, bucket: string, origin: AwsOrigin, ec2: ReturnType<AwsClients['ec2']>): Promise<void> {
  const signalSpec = state.ctx.signal ? { signal: state.ctx.signal } : {};
  const attachments = await state.limiter.run(bucket, () =>
    tracked({ cloud: 'aws', api: AWS_OPS.describeTransitGatewayAttachments.api, scope: origin.scope, dataset: 'transitGateways', ...signalSpec }, () =>
      all(paginateDescribeTransitGatewayAttachments({ client: ec2 }, { Filters: [{ Name: 'resource-type', Values: ['vpc'] }] }), (p) => p.TransitGatewayAttachments),
    ),
  );
  state.calls.push(attachments.record);
  const byTgw = new Map<string, unknown[]>();
  for (const a of attachments.value ?? []) if (a.TransitGatewayId) byTgw.set(a.TransitGatewayId, [...(byTgw.get(a.TransitGatewayId) ?? []), a]);
  await read(state, bucket, origin, D.transitGateways, {
    api: AWS_OPS.describeTransitGateways.api,
    run: async () => (await all(paginateDescribeTransitGateways({ client: ec2 }, {}), (p) => p.TransitGateways)).map((t) => ({ ...t, Attachments: byTgw.get(t.TransitGatewayId ?? '') ?? [] })),
  });
}

/** ELBv2 and classic load balancers, each with its tags (DescribeTags takes 20 at a time). */
async function collectLoadBalancers(state: ShardState, bucket: string, origin: AwsOrigin, clients: AwsClients, credentials: ReturnType<AwsClients['account']>, region: string): Promise<void> {
  const signalSpec = state.ctx.signal ? { signal: state.ctx.signal } : {};
  const tagsCall = async <T>(api: string, keys: string[], fetch: (batch: string[]) => Promise<{ key?: string | undefined; tags: T }[]>): Promise<Map<string, T>> => {
    const map = new Map<string, T>();
    if (keys.length === 0) return map;
    const r = await state.limiter.run(bucket, () =>
      tracked({ cloud: 'aws', api, scope: origin.scope, dataset: 'loadBalancers', ...signalSpec }, async () => {
        for (const batch of chunks(keys, 20)) for (const d of await fetch(batch)) if (d.key) map.set(d.key, d.tags);
        return map;
      }),
    );
    state.calls.push(r.record);
    return map;
  };
  const v2client = clients.elbv2(credentials, region);
  const classicClient = clients.elb(credentials, region);
  const v2 = await state.limiter.run(bucket, () => tracked({ cloud: 'aws', api: AWS_OPS.describeLoadBalancersV2.api, scope: origin.scope, dataset: 'loadBalancers', ...signalSpec }, () => all(paginateDescribeLoadBalancers({ client: v2client }, {}), (p) => p.LoadBalancers)));
  const classic = await state.limiter.run(bucket, () => tracked({ cloud: 'aws', api: AWS_OPS.describeLoadBalancersClassic.api, scope: origin.scope, dataset: 'loadBalancers', ...signalSpec }, () => all(paginateClassic({ client: classicClient }, {}), (p) => p.LoadBalancerDescriptions)));
  const v2Tags = await tagsCall(AWS_OPS.describeTagsV2.api, (v2.value ?? []).map((l) => l.LoadBalancerArn ?? '').filter(Boolean), async (batch) =>
    ((await v2client.send(new DescribeTagsCommand({ ResourceArns: batch }))).TagDescriptions ?? []).map((d) => ({ key: d.ResourceArn, tags: d.Tags ?? [] })),
  );
  const classicTags = await tagsCall(AWS_OPS.describeTagsClassic.api, (classic.value ?? []).map((l) => l.LoadBalancerName ?? '').filter(Boolean), async (batch) =>
    ((await classicClient.send(new DescribeClassicTagsCommand({ LoadBalancerNames: batch }))).TagDescriptions ?? []).map((d) => ({ key: d.LoadBalancerName, tags: d.Tags ?? [] })),
  );
  for (const [call, items] of [
    [v2, (v2.value ?? []).map((l) => ({ ...l, Tags: v2Tags.get(l.LoadBalancerArn ?? '') ?? [] }))],
    [classic, (classic.value ?? []).map((l) => ({ ...l, Classic: true, Tags: classicTags.get(l.LoadBalancerName ?? '') ?? [] }))],
  ] as const) {
    if (!call.value) {
      state.calls.push(call.record);
      continue;
    }
    const mapped = mapAll(D.loadBalancers, items, origin);
    state.calls.push(mapped.error === undefined ? call.record : { ...call.record, ok: false, errorKind: 'malformed', message: `${call.record.api} for ${origin.scope}: ${mapped.error}` });
    state.inventory.loadBalancers.push(...mapped.records);
  }
}

/** ListClusters, then DescribeCluster for each (one after the other inside the region's slot). */
async function collectEks(state: ShardState, bucket: string, origin: AwsOrigin, clients: AwsClients, credentials: ReturnType<AwsClients['account']>, region: string): Promise<void> {
  const eks = clients.eks(credentials, region);
  const signalSpec = state.ctx.signal ? { signal: state.ctx.signal } : {};
  const names = await state.limiter.run(bucket, () => tracked({ cloud: 'aws', api: AWS_OPS.listClusters.api, scope: origin.scope, dataset: 'clusters', ...signalSpec }, () => all(paginateListClusters({ client: eks }, {}), (p) => p.clusters)));
  state.calls.push(names.record);
  if (!names.value || names.value.length === 0) return;
  const list = names.value;
  await read(state, bucket, origin, D.clusters, {
    api: AWS_OPS.describeCluster.api,
    run: async (signal) => {
      const out: unknown[] = [];
      for (const name of list) out.push((await eks.send(new DescribeClusterCommand({ name }), { abortSignal: signal })).cluster);
      return out;
    },
  });
}

/**
 * Hosted zones of one account (Route 53 is global): ListHostedZones, then GetHostedZone for each
 * private zone's VPCs. Every account-region's VPCs are judged against these zones, so a failure is
 * coverage of hostedZones in each of them (`others`), not only in the one that made the call.
 */
async function collectHostedZones(state: ShardState, clients: AwsClients, credentials: ReturnType<AwsClients['account']>, origin: AwsOrigin, others: readonly ScopeKey[]): Promise<void> {
  const route53 = clients.route53(credentials);
  const record = await read(state, `${origin.accountId}/route53`, origin, D.hostedZones, {
    api: AWS_OPS.listHostedZones.api,
    run: async (signal) => {
      const zones = await all(paginateListHostedZones({ client: route53 }, {}), (p) => p.HostedZones);
      const out: unknown[] = [];
      for (const z of zones) {
        if (!z.Config?.PrivateZone || !z.Id) {
          out.push(z);
          continue;
        }
        const detail = await route53.send(new GetHostedZoneCommand({ Id: z.Id }), { abortSignal: signal });
        out.push({ ...z, VPCs: detail.VPCs ?? [] });
      }
      return out;
    },
  });
  if (!record.ok) for (const scope of others) state.calls.push(failedCopy(record, scope));
}

/** Cost Explorer for one account; a failure is coverage of transferCosts in each of its account-regions. */
async function collectTransferCosts(state: ShardState, clients: AwsClients, credentials: ReturnType<AwsClients['account']>, account: string, regions: readonly string[]): Promise<void> {
  const scopes = new Map(regions.map((r) => [r, scopeKey(accountRegion(account, r))]));
  const first = [...scopes.values()][0];
  if (!first) return;
  const window = lastMonth(state.ctx.now);
  const r = await state.limiter.run(`${account}/ce`, () =>
    tracked({ cloud: 'aws', api: AWS_OPS.getCostAndUsage.api, scope: first, dataset: 'transferCosts', ...(state.ctx.signal ? { signal: state.ctx.signal } : {}) }, (signal) => readTransferUsage(clients.costExplorer(credentials), account, window, signal)),
  );
  state.calls.push(r.record);
  if (!r.value) {
    for (const scope of [...scopes.values()].slice(1)) state.calls.push(failedCopy(r.record, scope));
    return;
  }
  const inv = state.inventory;
  state.inventory.transferCosts.push(...attributeUsage(r.value, scopes, { nat: inv.natGateways, tgw: inv.transitGateways }, window));
}

/** The account whose shard reads the kops state stores: the first configured account, else the audit identity's own. */
async function kopsHomeAccount(cfg: AwsConfig, clients: AwsClients): Promise<string | undefined> {
  if (cfg.accounts[0]) return cfg.accounts[0];
  const sts = new STSClient({ region: GLOBAL_REGION, credentials: clients.base, ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}) });
  return (await sts.send(new GetCallerIdentityCommand({}))).Account;
}

async function collectAccount(state: ShardState, clients: AwsClients, account: string, regions: readonly string[]): Promise<void> {
  const credentials = clients.account(account);
  const scopes = regions.map((r) => scopeKey(accountRegion(account, r)));
  const firstScope = scopes[0];
  if (!firstScope) return;
  // One AssumeRole per account up front: a refused role is one failure per account-region, not one per call.
  const assumed = await tracked({ cloud: 'aws', api: AWS_OPS.assumeRole.api, scope: firstScope, dataset: '*', ...(state.ctx.signal ? { signal: state.ctx.signal } : {}) }, () => credentials());
  if (!assumed.value) {
    state.calls.push(assumed.record, ...scopes.slice(1).map((s) => failedCopy(assumed.record, s)));
    return;
  }
  state.calls.push(assumed.record);
  const home = regions[0] ?? GLOBAL_REGION;
  const region = async (name: string): Promise<void> => {
    await nextTurn();
    await collectRegion(state, clients, credentials, account, name);
  };
  await Promise.all([...regions.map(region), collectHostedZones(state, clients, credentials, { scope: firstScope, accountId: account, region: home }, scopes.slice(1))]);
  await collectTransferCosts(state, clients, credentials, account, regions);
}

export const awsCollector: Collector = {
  cloud: 'aws',

  async plan(ctx) {
    const cfg = awsConfig(ctx);
    const clients = createAwsClients(cfg, ctx.env);
    const calls: CallRecord[] = [];
    const accounts = [...cfg.accounts];
    if (cfg.useOrganizations) {
      const orgClient = clients.organizations(clients.base);
      const listed = await tracked({ cloud: 'aws', api: AWS_OPS.listAccounts.api, scope: 'aws/organization/*', dataset: '*', ...(ctx.signal ? { signal: ctx.signal } : {}) }, () => all(paginateListAccounts({ client: orgClient }, {}), (p) => p.Accounts));
      calls.push(listed.record);
      if (!listed.value && accounts.length === 0) throw new Error(`AWS Organizations ListAccounts failed and no accounts are configured: ${listed.record.message ?? ''}`);
      for (const a of listed.value ?? []) if (a.Id && (a.State ?? a.Status ?? 'ACTIVE') === 'ACTIVE' && !accounts.includes(a.Id)) accounts.push(a.Id);
    }
    const scopes: Scope[] = [];
    const counts = new Set<number>();
    for (const account of accounts) {
      let regions = cfg.regions;
      if (regions.length === 0) {
        // Enabled regions differ per account (opt-in regions): ask each account.
        const home = scopeKey(accountRegion(account, GLOBAL_REGION));
        const r = await tracked({ cloud: 'aws', api: AWS_OPS.describeRegions.api, scope: home, dataset: '*', ...(ctx.signal ? { signal: ctx.signal } : {}) }, async () => {
          const out = await clients.ec2(clients.account(account), GLOBAL_REGION).send(new DescribeRegionsCommand({}));
          return (out.Regions ?? []).map((x) => x.RegionName).filter((n): n is string => n !== undefined).sort();
        });
        calls.push(r.record);
        // An account whose regions cannot be listed stays visible as its us-east-1 scope, which fails alike.
        regions = r.value && r.value.length > 0 ? r.value : [GLOBAL_REGION];
      }
      counts.add(regions.length);
      for (const region of regions) scopes.push(accountRegion(account, region));
    }
    plannedRegions.set(ctx.config, counts.size === 1 ? ([...counts][0] ?? 1) : 1);
    return { scopes, calls };
  },

  shardSize(ctx) {
    const cfg = awsConfig(ctx);
    // One shard per account: one AssumeRole, one Route 53 listing and one Cost Explorer call each.
    return cfg.regions.length > 0 ? cfg.regions.length : (plannedRegions.get(ctx.config) ?? 1);
  },

  async collect(scopes, ctx) {
    const cfg = awsConfig(ctx);
    const clients = createAwsClients(cfg, ctx.env);
    const state: ShardState = { inventory: emptyAwsInventory(), calls: [], ctx, limiter: awsLimiter(cfg) };
    const byAccount = new Map<string, string[]>();
    for (const s of scopes) {
      const [account = '', region = ''] = s.id.split('/');
      byAccount.set(account, [...(byAccount.get(account) ?? []), region]);
    }
    await Promise.all([...byAccount].map(([account, regions]) => collectAccount(state, clients, account, regions)));
    if (cfg.kopsStateStores.length > 0) {
      const home = await kopsHomeAccount(cfg, clients).catch(() => undefined);
      const regions = home === undefined ? undefined : byAccount.get(home);
      if (home !== undefined && regions?.[0] !== undefined) {
        const s3 = clients.s3(clients.base, GLOBAL_REGION);
        for (const url of cfg.kopsStateStores) {
          const read = await readStateStore(s3, { store: parseStateStore(url), accountId: home, fallbackRegion: regions[0] }, ctx.signal);
          state.inventory.kopsClusters.push(...read.clusters);
          // A call for a region this shard does not hold is reported on the shard's first region of the home account.
          const held = new Set(regions.map((r) => scopeKey(accountRegion(home, r))));
          state.calls.push(...read.calls.map((c) => (held.has(c.scope) ? c : { ...c, scope: scopeKey(accountRegion(home, regions[0] ?? GLOBAL_REGION)) })));
        }
      }
    }
    for (const c of state.calls.filter((x) => !x.ok)) ctx.log.debug(c.message ?? `${c.api} failed for ${c.scope}`, { cloud: c.cloud, scope: c.scope, operation: c.api });
    return { inventory: { ...emptyInventory(), aws: state.inventory }, calls: state.calls };
  },
};
