import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { generateAwsEstate } from '../../../sim/aws/generate.js';
import { awsTransferFigures, createAwsProvider } from '../../../sim/aws/index.js';
import { buildAwsModel } from '../../../sim/aws/model.js';
import { awsEstateSchema, type AwsEstate } from '../../../sim/aws/scenario.js';
import { loadScenarioEstate, truthKeys, UNSERVED_ENV } from '../scenario-estates.js';
import { awsOracle } from './oracle.js';

// The catalog's aws/* rules (docs: /work/shared/domain.md, "Rule catalog").
const AWS_RULES = [
  'aws/eks-public-endpoint',
  'aws/eks-private-endpoint',
  'aws/lb-internet-facing',
  'aws/subnet-igw-route',
  'aws/subnet-auto-public-ip',
  'aws/instance-public-ip',
  'aws/vpc-endpoints',
  'aws/route53-private-zone',
  'aws/address-overlap',
  'aws/transit-cost',
];

const KOPS_RULES = ['aws/kops-api-internal', 'aws/kops-networking', 'aws/kops-private-topology', 'aws/kops-egress'];

const load = (name: string): AwsEstate => loadScenarioEstate('aws', name);

/** The kops state stores the scenario's config points the written airlock.yaml at (scenario.yaml, clouds.aws.kopsStateStores). */
function kopsStores(name: string): string[] {
  const meta = parse(readFileSync(new URL(`../../../sim/scenarios/${name}/scenario.yaml`, import.meta.url), 'utf8')) as { config?: { clouds?: { aws?: { kopsStateStores?: string[] } } } };
  return meta.config?.clouds?.aws?.kopsStateStores ?? [];
}

/** Every resource id a finding may name in the estate (finding-resources.md), lower-cased. */
function resourceIds(estate: AwsEstate, kopsStateStores: readonly string[] = []): Set<string> {
  const ids = new Set<string>();
  // kops clusters: `<store>/<cluster>` for each cluster directory holding a spec (finding-resources.md).
  for (const store of kopsStateStores) {
    const [bucket = '', ...prefix] = store.slice('s3://'.length).split('/');
    const root = prefix.length > 0 ? `${prefix.join('/')}/` : '';
    for (const key of Object.keys(estate.s3Buckets.find((b) => b.name === bucket)?.objects ?? {})) {
      const m = /^([^/]+)\/(cluster-completed\.spec|config)$/.exec(key.startsWith(root) ? key.slice(root.length) : '');
      if (m?.[1]) ids.add(`${store}/${m[1]}`.toLowerCase());
    }
  }
  const model = buildAwsModel(estate);
  for (const a of model.accounts.values()) {
    for (const r of a.regions.values()) {
      if (a.denied || r.denied) ids.add(`aws/account-region/${a.id}/${r.region}`);
      for (const list of [r.vpcs, r.subnets, r.instances, r.natGateways, r.transitGateways]) for (const x of list) ids.add(x.id.toLowerCase());
      for (const lb of [...r.elbv2, ...r.elb]) ids.add(lb.arn.toLowerCase());
      for (const c of r.clusters) ids.add(String(c.body['arn']).toLowerCase());
    }
  }
  return ids;
}

describe('AWS scenarios', () => {
  it.each(['conformant', 'hybrid-broken', 'demo'])('%s parses, serves, and names only resources it has', (name) => {
    const estate = load(name);
    expect(() => createAwsProvider(estate, UNSERVED_ENV)).not.toThrow();
    const ids = resourceIds(estate, kopsStores(name));
    expect(estate.truth.filter((t) => !ids.has(t.resourceId.toLowerCase()))).toEqual([]);
    const keys = estate.truth.map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(['conformant', 'hybrid-broken', 'demo'])('%s truth is what a reference reading of the catalog finds', (name) => {
    const estate = load(name);
    expect(truthKeys(awsOracle(estate, { kopsStateStores: kopsStores(name) }))).toEqual(truthKeys(estate.truth));
  });

  it('hybrid-broken and conformant each hold a kops state store their config points at', () => {
    for (const name of ['hybrid-broken', 'conformant']) {
      const stores = kopsStores(name);
      expect(stores).toHaveLength(1);
      const bucket = load(name).s3Buckets.find((b) => `s3://${b.name}` === stores[0]?.split('/').slice(0, 3).join('/'));
      expect(Object.keys(bucket?.objects ?? {}).filter((k) => k.endsWith('/config')).length, name).toBeGreaterThan(0);
    }
  });

  it('the reference reading judges conformant\'s kops cluster: a Public API load balancer and kubenet there are findings', () => {
    const estate = load('conformant');
    const bucket = estate.s3Buckets[0];
    if (!bucket) throw new Error('conformant has no state store');
    const id = `${kopsStores('conformant')[0] ?? ''}/orders.prod.aws.acme.internal`;
    const objects = { ...bucket.objects };
    for (const key of ['orders.prod.aws.acme.internal/cluster-completed.spec', 'orders.prod.aws.acme.internal/config']) {
      const doc = structuredClone(objects[key]) as { spec: { api: { loadBalancer: { type: string } }; networking: unknown } };
      doc.spec.api.loadBalancer.type = 'Public';
      doc.spec.networking = { kubenet: {} };
      objects[key] = doc;
    }
    const broken = { ...estate, s3Buckets: [{ ...bucket, objects }] };
    expect(truthKeys(awsOracle(broken, { kopsStateStores: kopsStores('conformant') }))).toEqual(truthKeys([
      { ruleId: 'aws/kops-api-internal', resourceId: id },
      { ruleId: 'aws/kops-networking', resourceId: id },
    ]));
  });

  it('conformant has no ground-truth findings and stays under the transit cost threshold', () => {
    const estate = load('conformant');
    expect(estate.truth).toEqual([]);
    expect(awsTransferFigures(estate).every((f) => f.cost < 100)).toBe(true);
  });

  it('hybrid-broken has every aws/* failure of the catalog, and an unreadable account-region', () => {
    const estate = load('hybrid-broken');
    const rules = new Set(estate.truth.map((t) => t.ruleId));
    expect([...AWS_RULES, ...KOPS_RULES].filter((r) => !rules.has(r))).toEqual([]);
    expect(rules.has('audit/scope-unreadable')).toBe(true);
    // transit-cost truth is exactly the figures above the default USD 100 threshold.
    const expensive = awsTransferFigures(estate).filter((f) => f.cost > 100).map((f) => f.resourceId).sort();
    expect(estate.truth.filter((t) => t.ruleId === 'aws/transit-cost').map((t) => t.resourceId).sort()).toEqual(expensive);
  });

  it('demo has a handful of findings', () => {
    const n = load('demo').truth.length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(10);
  });

  it('rejects a route to "igw" in a VPC without one, saying where', () => {
    const estate = awsEstateSchema.parse({
      accounts: [{ id: '123456789012', name: 'x', regions: [{ name: 'eu-west-1', vpcs: [{ name: 'v', cidr: '10.0.0.0/16', routeTables: [{ name: 'rt', routes: [{ destination: '0.0.0.0/0', target: 'igw' }] }] }] }] }],
    });
    expect(() => createAwsProvider(estate, UNSERVED_ENV)).toThrow(/123456789012\/eu-west-1\/rt.*internet gateway/);
  });
});

describe('generateAwsEstate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = JSON.stringify(generateAwsEstate({ accountRegions: 30, seed: 3 }));
    expect(JSON.stringify(generateAwsEstate({ accountRegions: 30, seed: 3 }))).toBe(a);
    expect(JSON.stringify(generateAwsEstate({ accountRegions: 30, seed: 4 }))).not.toBe(a);
  });

  it('produces a valid estate whose truth names existing resources and covers the failure kinds', () => {
    const estate = generateAwsEstate({ accountRegions: 200, seed: 42 });
    const pairs = estate.accounts.reduce((n, a) => n + a.regions.length, 0);
    expect(pairs).toBe(200);
    const reparsed = awsEstateSchema.parse(JSON.parse(JSON.stringify(estate)));
    expect(reparsed.accounts).toHaveLength(estate.accounts.length);
    const ids = resourceIds(estate);
    expect(estate.truth.filter((t) => !ids.has(t.resourceId.toLowerCase()))).toEqual([]);
    const rules = new Set(estate.truth.map((t) => t.ruleId));
    expect([...AWS_RULES, 'audit/scope-unreadable'].filter((r) => !rules.has(r))).toEqual([]);
    const expensive = awsTransferFigures(estate).filter((f) => f.cost > 100).map((f) => f.resourceId).sort();
    expect(estate.truth.filter((t) => t.ruleId === 'aws/transit-cost').map((t) => t.resourceId).sort()).toEqual(expensive);
    expect(truthKeys(awsOracle(estate))).toEqual(truthKeys(estate.truth));
    expect(() => createAwsProvider(estate, UNSERVED_ENV)).not.toThrow();
  });
});
