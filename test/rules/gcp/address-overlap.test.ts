import { describe, expect, it } from 'vitest';
import rule from '../../../shared/rules/gcp/address-overlap.js';
import { placeholdersIn, ruleTester } from '../../helpers/rule-tester.js';
import { evaluate, expectFreeSuggestions } from '../suggestions.js';
import { cluster, ONPREM, P, scopeOf, subnet } from './builders.js';
import { body, clusterFromApi, flightBody, realdataCases, subnetworkFromApi } from './fixtures.js';

const mixed = { gcp: { clusters: [cluster('c1', { masterIpv4CidrBlock: '172.22.0.0/28' }), cluster('old', { vpcNative: false, clusterIpv4Cidr: '10.10.128.0/17', servicesIpv4Cidr: '10.200.0.0/20' })], subnetworks: [subnet('mig', { ipCidrRange: '10.10.64.0/20', secondaryIpRanges: [{ rangeName: 'pods', ipCidrRange: '172.21.0.0/16' }] }), subnet()] } };

ruleTester.run(rule, {
  valid: [
    { name: 'nothing overlaps on-prem', inventory: { gcp: { clusters: [cluster('c1')], subnetworks: [subnet()] } }, config: ONPREM },
    { name: 'no on-prem ranges configured', inventory: { gcp: { subnetworks: [subnet('s', { ipCidrRange: '10.10.0.0/24' })] } } },
    { name: 'a range that is not a CIDR: undecided', inventory: { gcp: { subnetworks: [subnet('s', { ipCidrRange: 'ten-dot' })] } }, config: ONPREM, undecided: [scopeOf(P)] },
    ...realdataCases(() => [{ name: 'realdata: KCC subnet 10.2.204.0/22 clear of on-prem', inventory: { gcp: { subnetworks: [subnetworkFromApi(body('k8s-config-connector/compute-subnetworks-get-privateIpGoogleAccess-true.json'))] } }, config: ONPREM }]),
  ],
  invalid: [
    {
      name: 'primary and secondary ranges and a control-plane range: one finding per pair',
      inventory: { gcp: { clusters: [cluster('c1', { masterIpv4CidrBlock: '172.22.0.0/28' })], subnetworks: [subnet('mig', { ipCidrRange: '10.10.64.0/20', secondaryIpRanges: [{ rangeName: 'pods', ipCidrRange: '172.21.0.0/16' }] })] } },
      config: ONPREM,
      findings: [
        { resource: 'projects/acme-gke-prod/regions/europe-west1/subnetworks/mig', severity: 'high', messageIncludes: 'primary range 10.10.64.0/20 overlaps on-prem range 10.10.0.0/16; replacement: 10.0.0.0/20 is the first free /20 in 10.0.0.0/8 (RFC 1918)' },
        { resource: 'projects/acme-gke-prod/regions/europe-west1/subnetworks/mig', messageIncludes: 'secondary range pods 172.21.0.0/16 overlaps on-prem range 172.20.0.0/14; replacement: 172.16.0.0/16 is the first free /16 in 172.16.0.0/12' },
        // The first free /28 once the pods replacement above holds 172.16.0.0/16.
        { resource: 'projects/acme-gke-prod/locations/europe-west1/clusters/c1', messageIncludes: 'control-plane range 172.22.0.0/28 overlaps on-prem range 172.20.0.0/14; replacement: 172.17.0.0/28 is the first free /28' },
      ],
    },
    { name: 'routes-based pod range', inventory: { gcp: { clusters: [cluster('old', { vpcNative: false, clusterIpv4Cidr: '10.10.128.0/17' })] } }, config: ONPREM, findings: [{ resource: 'old', messageIncludes: 'pod range 10.10.128.0/17 overlaps on-prem range 10.10.0.0/16; replacement: 10.0.0.0/17 is the first free /17' }] },
    {
      name: 'the range\'s own space full: the next private space, said in the message',
      inventory: { gcp: { subnetworks: [subnet('mig', { ipCidrRange: '10.10.64.0/20', secondaryIpRanges: [] })] } },
      config: { onPrem: { ranges: ['10.0.0.0/8'] } },
      findings: [{ resource: 'mig', messageIncludes: 'replacement: no /20 is free in 10.0.0.0/8 (RFC 1918), the space of 10.10.64.0/20; 172.16.0.0/20 is the first free /20 in 172.16.0.0/12 (RFC 1918)' }],
    },
    {
      name: 'every private space claimed by on-prem: no range is made up, the remediation says what to free',
      inventory: { gcp: { subnetworks: [subnet('mig', { ipCidrRange: '10.10.64.0/20', secondaryIpRanges: [] })] } },
      config: { onPrem: { ranges: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'] } },
      findings: [{ resource: 'mig', messageIncludes: 'replacement: no block from /20 down to /29 is free in RFC 1918 or RFC 6598 space' }],
    },
    ...realdataCases(() => {
      const items = (flightBody('cloud-custodian/gcp/compute-subnetworks-aggregatedList.flight.json')['items'] ?? {}) as Record<string, { subnetworks?: Record<string, unknown>[] }>;
      const subnets = (items['regions/us-central1']?.subnetworks ?? []).map(subnetworkFromApi);
      const tf = clusterFromApi(body('terraform-google-kubernetes-engine/gke-private-nodes-private-endpoint-vpc-peering.TestSimpleRegionalPrivate.json'));
      return [
        {
          name: 'realdata: recorded us-central1 subnet (secondary 10.52.0.0/14) and TF control plane 172.16.0.0/28 against on-prem 10.52.0.0/16, 172.16.0.0/12',
          inventory: { gcp: { subnetworks: subnets, clusters: [tf] } },
          config: { onPrem: { ranges: ['10.52.0.0/16', '172.16.0.0/12'] } },
          findings: [
            { resource: 'projects/cloud-custodian/regions/us-central1/subnetworks/default', severity: 'high' as const, messageIncludes: ['10.52.0.0/14', 'replacement: 10.4.0.0/14 is the first free /14 in 10.0.0.0/8'] },
            { resource: 'CLUSTER_NAME', messageIncludes: ['172.16.0.0/28', 'replacement: no /28 is free in 172.16.0.0/12 (RFC 1918), the space of 172.16.0.0/28; 10.0.16.0/28 is the first free /28 in 10.0.0.0/8'] },
          ],
        },
      ];
    }),
  ],
});

describe('gcp/address-overlap suggested ranges', () => {
  it('are free, distinct, and filled into the commands', () => {
    const findings = evaluate(rule, mixed, ONPREM);
    expect(expectFreeSuggestions(findings, mixed, ONPREM.onPrem.ranges)).toEqual(['10.0.0.0/20', '172.17.0.0/16', '172.16.0.16/28', '10.0.128.0/17']);
    const old = findings.find((f) => f.resource.name === 'old');
    expect(old?.remediation).toBe(
      'gcloud container clusters create old-v2 --location=europe-west1 --project=acme-gke-prod --network=projects/acme-gke-prod/global/networks/prod-vpc --subnetwork=projects/acme-gke-prod/regions/europe-west1/subnetworks/gke-nodes --enable-ip-alias --enable-private-nodes --master-ipv4-cidr=172.16.0.32/28 --cluster-ipv4-cidr=10.0.128.0/17 --services-ipv4-cidr=10.0.16.0/20, move the workloads, then gcloud container clusters delete old --location=europe-west1 --project=acme-gke-prod',
    );
    const pods = findings.find((f) => f.evidence['rangeKind'] === 'secondary range pods');
    expect(pods?.remediation).toContain('--add-secondary-ranges=pods-v2=172.17.0.0/16');
    expect(pods?.remediation).toContain('--remove-secondary-ranges=pods');
  });

  it('are the same on every run of the same estate', () => {
    expect(evaluate(rule, mixed, ONPREM).map((f) => f.remediation)).toEqual(evaluate(rule, mixed, ONPREM).map((f) => f.remediation));
  });

  it('the old literal placeholder would have been caught', () => {
    expect(placeholdersIn('gcloud compute networks subnets create mig-v2 --range=NON_OVERLAPPING_CIDR, move the workloads')).toEqual(['NON_OVERLAPPING_CIDR']);
  });

  for (const c of realdataCases(() => [{ name: 'realdata', findings: [], inventory: {} }])) {
    it(`${c.name}: recorded us-central1 subnets and the TF control plane get free replacements`, () => {
      const items = (flightBody('cloud-custodian/gcp/compute-subnetworks-aggregatedList.flight.json')['items'] ?? {}) as Record<string, { subnetworks?: Record<string, unknown>[] }>;
      const subnetworks = Object.values(items).flatMap((r) => (r.subnetworks ?? []).map(subnetworkFromApi));
      const inventory = { gcp: { subnetworks, clusters: [clusterFromApi(body('terraform-google-kubernetes-engine/gke-private-nodes-private-endpoint-vpc-peering.TestSimpleRegionalPrivate.json'))] } };
      const onPrem = ['10.128.0.0/9', '172.16.0.0/12'];
      const findings = evaluate(rule, inventory, { onPrem: { ranges: onPrem } });
      expect(subnetworks.length).toBeGreaterThan(10);
      expectFreeSuggestions(findings, inventory, onPrem);
    });
  }
});
