import { describe, expect, it } from 'vitest';
import { generateGcpEstate } from '../../../sim/gcp/generate.js';
import { createGcpProvider } from '../../../sim/gcp/index.js';
import { buildEstate } from '../../../sim/gcp/model.js';
import { gcpEstateSchema, type GcpEstate } from '../../../sim/gcp/scenario.js';
import { loadScenarioEstate, truthKeys, UNSERVED_ENV } from '../scenario-estates.js';
import { gcpOracle } from './oracle.js';

// The catalog's gcp/* rules (docs: /work/shared/domain.md, "Rule catalog").
const GCP_RULES = [
  'gcp/gke-private-nodes',
  'gcp/gke-public-endpoint',
  'gcp/gke-authorized-networks',
  'gcp/gke-vpc-native',
  'gcp/gke-peering-export',
  'gcp/router-advertises-master',
  'gcp/private-google-access',
  'gcp/restricted-vip-dns',
  'gcp/restricted-vip-route',
  'gcp/restricted-vip-egress',
  'gcp/node-external-ip',
  'gcp/address-overlap',
];

const load = (name: string): GcpEstate => loadScenarioEstate('gcp', name);

/** Every resource id a finding may name in the estate (finding-resources.md), lower-cased. */
function resourceIds(estate: GcpEstate): Set<string> {
  const ids = new Set<string>();
  for (const p of buildEstate(estate).values()) {
    if (p.denied) ids.add(`gcp/project/${p.id}`);
    for (const items of [p.clusters, p.networks, p.subnetworks, p.instances]) {
      for (const item of items) ids.add(String(item.body['selfLink']).replace(/^https:\/\/[^/]+\/(compute\/)?v1\//, '').toLowerCase());
    }
  }
  return ids;
}

describe('GCP scenarios', () => {
  it.each(['conformant', 'hybrid-broken', 'demo'])('%s parses, serves, and names only resources it has', (name) => {
    const estate = load(name);
    expect(() => createGcpProvider(estate, UNSERVED_ENV)).not.toThrow();
    const ids = resourceIds(estate);
    const missing = estate.truth.filter((t) => !ids.has(t.resourceId.toLowerCase()));
    expect(missing).toEqual([]);
    const keys = estate.truth.map((t) => `${t.ruleId} ${t.resourceId.toLowerCase()}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it.each(['conformant', 'hybrid-broken', 'demo'])('%s truth is what a reference reading of the catalog finds', (name) => {
    const estate = load(name);
    expect(truthKeys(gcpOracle(estate))).toEqual(truthKeys(estate.truth));
  });

  it('conformant has no ground-truth findings', () => {
    expect(load('conformant').truth).toEqual([]);
  });

  it('hybrid-broken has every gcp/* failure of the catalog, and an unreadable project', () => {
    const rules = new Set(load('hybrid-broken').truth.map((t) => t.ruleId));
    expect(GCP_RULES.filter((r) => !rules.has(r))).toEqual([]);
    expect(rules.has('audit/scope-unreadable')).toBe(true);
  });

  it('demo has a handful of findings', () => {
    const n = load('demo').truth.length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(n).toBeLessThanOrEqual(10);
  });

  it('rejects a cluster that names a network the project lacks, saying where', () => {
    const estate = gcpEstateSchema.parse({ projects: [{ id: 'acme-broken', clusters: [{ name: 'c1', location: 'europe-west1', network: 'nope', subnetwork: 's', masterIpv4CidrBlock: '172.16.0.0/28' }] }] });
    expect(() => createGcpProvider(estate, UNSERVED_ENV)).toThrow(/acme-broken\/c1.*"nope"/);
  });
});

describe('generateGcpEstate', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = JSON.stringify(generateGcpEstate({ projects: 40, seed: 7 }));
    expect(JSON.stringify(generateGcpEstate({ projects: 40, seed: 7 }))).toBe(a);
    expect(JSON.stringify(generateGcpEstate({ projects: 40, seed: 8 }))).not.toBe(a);
  });

  it('produces a valid estate whose truth names existing resources and covers the failure kinds', () => {
    const estate = generateGcpEstate({ projects: 500, seed: 42 });
    expect(estate.projects).toHaveLength(500);
    const reparsed = gcpEstateSchema.parse(JSON.parse(JSON.stringify(estate)));
    expect(reparsed.projects).toHaveLength(500);
    const ids = resourceIds(estate);
    expect(estate.truth.filter((t) => !ids.has(t.resourceId.toLowerCase()))).toEqual([]);
    const rules = new Set(estate.truth.map((t) => t.ruleId));
    for (const r of ['gcp/gke-public-endpoint', 'gcp/gke-peering-export', 'gcp/router-advertises-master', 'gcp/private-google-access', 'gcp/restricted-vip-dns', 'gcp/restricted-vip-route', 'gcp/restricted-vip-egress', 'gcp/node-external-ip', 'gcp/address-overlap', 'audit/scope-unreadable']) {
      expect(rules.has(r), r).toBe(true);
    }
    expect(truthKeys(gcpOracle(estate))).toEqual(truthKeys(estate.truth));
    // Roughly one project in four carries a failure.
    expect(estate.truth.length).toBeGreaterThan(60);
    expect(estate.truth.length).toBeLessThan(200);
    expect(() => createGcpProvider(estate, UNSERVED_ENV)).not.toThrow();
  });
});
