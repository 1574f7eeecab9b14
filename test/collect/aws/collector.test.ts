import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCollector } from '../../../shared/collect/aws/index.js';
import type { CollectResult } from '../../../shared/collect/types.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import type { CallRecord } from '../../../shared/model/coverage.js';
import { loadScenario, type Scenario } from '../../../sim/index.js';
import { ctxFor, startAwsSim, type AwsSim } from './harness.js';

/**
 * The AWS collector through the real SDK v3 clients against the simulator: paging, throttling
 * retried by the SDK, a denied account-region and a failing call kept as coverage while the rest
 * completes, Cost Explorer and kops state stores (real kops specs) read into the inventory.
 */

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/kops/${name}`, import.meta.url), 'utf8');

/** hybrid-broken plus a kops state store: a real kops cluster, a config-only one, and one whose spec does not parse. */
async function scenarioWithKops(): Promise<Scenario> {
  const scenario = await loadScenario('hybrid-broken');
  const aws = scenario.aws;
  if (!aws) throw new Error('hybrid-broken has no aws estate');
  const docs = parseAllDocuments(fixture('privatecalico.in-v1alpha2.yaml'));
  const groups = (Array.isArray(docs) ? docs : []).map((d) => d.toJS() as { kind: string; metadata: { name: string } }).filter((d) => d.kind === 'InstanceGroup');
  const objects: Record<string, string | Record<string, unknown>> = {
    'clusters/privatecalico.example.com/config': 'apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nmetadata: { name: ignored-when-completed-exists }\nspec: {}\n',
    'clusters/privatecalico.example.com/cluster-completed.spec': fixture('privatecalico.cluster-completed.spec.yaml'),
    'clusters/minimal-aws.example.com/config': fixture('minimal-aws.cluster-completed.spec.yaml'),
    'clusters/broken.example.com/config': 'apiVersion: kops.k8s.io/v1alpha2\nkind: Cluster\nspec: [unclosed\n',
  };
  for (const g of groups) objects[`clusters/privatecalico.example.com/instancegroup/${g.metadata.name}`] = g;
  aws.s3Buckets = [{ name: 'nw-kops-state', objects }];
  return scenario;
}

async function collectAll(config: AirlockConfig): Promise<CollectResult & { scopes: number }> {
  const ctx = ctxFor(config);
  const plan = await awsCollector.plan(ctx);
  const result = await awsCollector.collect(plan.scopes, ctx);
  return { ...result, calls: [...plan.calls, ...result.calls], scopes: plan.scopes.length };
}

const failed = (calls: readonly CallRecord[]): string[] => calls.filter((c) => !c.ok).map((c) => `${c.scope} ${c.api} ${c.dataset} ${c.errorKind ?? ''}`).sort();
const counts = (r: CollectResult): Record<string, number> => Object.fromEntries(Object.entries(r.inventory.aws).map(([k, v]) => [k, (v as unknown[]).length]));

describe('AWS collector against the simulator', () => {
  let sim: AwsSim;
  let baseline: Awaited<ReturnType<typeof collectAll>>;

  beforeAll(async () => {
    sim = await startAwsSim(await scenarioWithKops(), { aws: { kopsStateStores: ['s3://nw-kops-state/clusters'] } });
    baseline = await collectAll(sim.config);
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('reads every dataset of the readable account-regions', () => {
    const aws = baseline.inventory.aws;
    expect(aws.vpcs.map((v) => v.id)).toContain('vpc-0c0ffee0000000001');
    expect(aws.clusters.map((c) => c.id).sort()).toEqual([
      'arn:aws:eks:eu-west-2:222233334444:cluster/legacy-web',
      'arn:aws:eks:eu-west-2:222233334444:cluster/storefront',
      'arn:aws:eks:us-east-1:555566667777:cluster/analytics',
      'arn:aws:eks:us-east-1:555566667777:cluster/data-api',
    ]);
    const legacy = aws.clusters.find((c) => c.name === 'legacy-web');
    expect(legacy).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'], subnetIds: ['subnet-0c0ffee0000000031', 'subnet-0c0ffee0000000032'] });
    const lbs = new Map(aws.loadBalancers.map((l) => [l.name, l]));
    expect(lbs.get('storefront-public')).toMatchObject({ kind: 'application', scheme: 'internet-facing', tags: { 'kubernetes.io/cluster/storefront': 'owned' } });
    expect(lbs.get('legacy-web-elb')).toMatchObject({ kind: 'classic', id: 'arn:aws:elasticloadbalancing:eu-west-2:222233334444:loadbalancer/legacy-web-elb' });
    const prodZone = aws.hostedZones.find((z) => z.zoneName === 'prod.aws.northwind.internal.');
    expect(prodZone).toMatchObject({ privateZone: true, vpcIds: ['vpc-0c0ffee0000000001'], accountId: '222233334444' });
    expect(aws.hostedZones.find((z) => z.zoneName === 'northwind-shop.com.')?.privateZone).toBe(false);
    expect(aws.transitGateways.find((t) => t.id === 'tgw-0d47a0000000001')?.attachedVpcIds.sort()).toEqual(['vpc-0d47a0000000001', 'vpc-0d47a0000000002']);
    const publicTable = aws.routeTables.find((t) => t.subnetIds.includes('subnet-0c0ffee0000000021'));
    expect(publicTable?.routes).toContainEqual(expect.objectContaining({ destinationCidrBlock: '0.0.0.0/0', gatewayId: 'igw-0c0ffee0000000001' }));
    expect(aws.instances.find((i) => i.id === 'i-0c0ffee0000000201')?.publicIpAddress).toBe('18.130.44.12');
  });

  it('turns Cost Explorer usage types into per-gateway monthly transfer costs', () => {
    const byId = new Map(baseline.inventory.aws.transferCosts.map((c) => [c.resourceId, c]));
    expect(byId.get('tgw-0c0ffee0000000001')).toMatchObject({ kind: 'transit-gateway', quantityGb: 48000, cost: 960, currency: 'USD', periodStart: '2026-10-01', periodEnd: '2026-10-31', scope: 'aws/account-region/222233334444/eu-west-2' });
    expect(byId.get('nat-0d47a0000000001')).toMatchObject({ kind: 'nat-gateway', quantityGb: 6000, cost: 270 });
    expect(byId.get('tgw-0d47a0000000001')).toMatchObject({ quantityGb: 300, cost: 6 });
    const ce = baseline.calls.filter((c) => c.api === 'ce:GetCostAndUsage');
    expect(ce.map((c) => c.scope.split('/')[2]).sort()).toEqual(['111111111111', '222233334444', '555566667777', '888899990000']);
  });

  it('maps kops specs from the state store, and a spec that does not parse is coverage for that cluster only', () => {
    const kops = new Map(baseline.inventory.aws.kopsClusters.map((k) => [k.name, k]));
    expect([...kops.keys()].sort()).toEqual(['minimal-aws.example.com', 'privatecalico.example.com']);
    const calico = kops.get('privatecalico.example.com');
    expect(calico).toMatchObject({
      id: 's3://nw-kops-state/clusters/privatecalico.example.com',
      stateStore: 's3://nw-kops-state/clusters',
      region: 'us-test-1',
      networkCidrs: ['172.20.0.0/16'],
      apiLoadBalancerType: 'Public',
      apiDns: false,
      dnsType: 'Public',
      dnsZone: 'Z1AFAKE1ZON3YO',
      networking: 'calico',
      kubernetesApiAccess: ['0.0.0.0/0', '::/0'],
    });
    expect(calico?.subnets).toEqual([
      { name: 'us-test-1a', type: 'Private', cidr: '172.20.32.0/19', zone: 'us-test-1a' },
      { name: 'utility-us-test-1a', type: 'Utility', cidr: '172.20.4.0/22', zone: 'us-test-1a' },
    ]);
    expect(calico?.instanceGroups.map((g) => [g.name, g.role, g.subnets.join(',')])).toEqual([
      ['bastion', 'Bastion', 'utility-us-test-1a'],
      ['master-us-test-1a', 'Master', 'us-test-1a'],
      ['nodes', 'Node', 'us-test-1a'],
    ]);
    expect(kops.get('minimal-aws.example.com')).toMatchObject({ apiDns: true, networking: 'cni' });
    const broken = baseline.calls.filter((c) => !c.ok && c.dataset === 'kopsClusters');
    expect(broken).toHaveLength(1);
    expect(broken[0]).toMatchObject({ errorKind: 'malformed', api: 's3:GetObject' });
    expect(broken[0]?.message).toContain('s3://nw-kops-state/clusters/broken.example.com');
  });

  it('keeps a denied account-region as coverage while every other completes', () => {
    expect(failed(baseline.calls).filter((f) => !f.includes('kopsClusters'))).toEqual(
      failed(baseline.calls).filter((f) => f.startsWith('aws/account-region/888899990000/ap-southeast-2 ')),
    );
    const denied = baseline.calls.filter((c) => c.scope === 'aws/account-region/888899990000/ap-southeast-2' && !c.ok);
    expect(denied.length).toBeGreaterThanOrEqual(8);
    expect(denied.every((c) => c.errorKind === 'denied' && c.status === 403)).toBe(true);
  });

  it('pages with small pages and reads the same inventory', async () => {
    sim.sim.setBehaviour({ pageSize: { default: 1 } });
    try {
      const paged = await collectAll(sim.config);
      expect(counts(paged)).toEqual(counts(baseline));
      const subnetCalls = paged.calls.filter((c) => c.api === 'ec2:DescribeSubnets' && c.scope === 'aws/account-region/222233334444/eu-west-2');
      expect(subnetCalls[0]?.requests).toBeGreaterThanOrEqual(6);
      expect(sim.sim.counts().providers.aws.operations['s3:ListObjectsV2']?.calls).toBeGreaterThan(3);
    } finally {
      sim.sim.setBehaviour({ pageSize: { default: 100 } });
    }
  });

  it('retries RequestLimitExceeded through the SDK and still reads everything', async () => {
    sim.sim.resetCounts();
    sim.sim.setBehaviour({ throttle: { enabled: true, ec2: { bucket: 3, refillPerSecond: 40 } } });
    try {
      const throttled = await collectAll(sim.config);
      expect(counts(throttled)).toEqual(counts(baseline));
      const ec2Throttled = Object.entries(sim.sim.counts().providers.aws.operations).filter(([op]) => op.startsWith('ec2:')).reduce((n, [, c]) => n + c.throttled, 0);
      expect(ec2Throttled).toBeGreaterThan(0);
      expect(throttled.calls.some((c) => c.api.startsWith('ec2:') && (c.retries ?? 0) > 0 && c.ok)).toBe(true);
      expect(failed(throttled.calls)).toEqual(failed(baseline.calls));
    } finally {
      sim.sim.setBehaviour({ throttle: { enabled: false } });
    }
  });

  it('a failing call is coverage for its dataset and scope only', async () => {
    sim.sim.setBehaviour({ faults: { calls: [{ kind: 'server-error', operation: 'eks:DescribeCluster', bucket: '555566667777/us-east-1' }] } });
    try {
      const r = await collectAll(sim.config);
      const extra = failed(r.calls).filter((f) => !failed(baseline.calls).includes(f));
      expect(extra).toEqual(['aws/account-region/555566667777/us-east-1 eks:DescribeCluster clusters server']);
      expect(r.inventory.aws.clusters.map((c) => c.name).sort()).toEqual(['legacy-web', 'storefront']);
      expect(r.inventory.aws.vpcs.length).toBe(baseline.inventory.aws.vpcs.length);
    } finally {
      sim.sim.setBehaviour({ faults: { calls: [] } });
    }
  });
});
