import rule from '../../../shared/rules/gcp/address-overlap.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, ONPREM, P, scopeOf, subnet } from './builders.js';
import { body, clusterFromApi, flightBody, realdataCases, subnetworkFromApi } from './fixtures.js';

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
        { resource: 'projects/acme-gke-prod/regions/europe-west1/subnetworks/mig', severity: 'high', messageIncludes: 'primary range 10.10.64.0/20 overlaps on-prem range 10.10.0.0/16' },
        { resource: 'projects/acme-gke-prod/regions/europe-west1/subnetworks/mig', messageIncludes: 'secondary range pods 172.21.0.0/16 overlaps on-prem range 172.20.0.0/14' },
        { resource: 'projects/acme-gke-prod/locations/europe-west1/clusters/c1', messageIncludes: 'control-plane range 172.22.0.0/28' },
      ],
    },
    { name: 'routes-based pod range', inventory: { gcp: { clusters: [cluster('old', { vpcNative: false, clusterIpv4Cidr: '10.10.128.0/17' })] } }, config: ONPREM, findings: [{ resource: 'old', messageIncludes: 'pod range 10.10.128.0/17' }] },
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
            { resource: 'projects/cloud-custodian/regions/us-central1/subnetworks/default', severity: 'high' as const, messageIncludes: '10.52.0.0/14' },
            { resource: 'CLUSTER_NAME', messageIncludes: '172.16.0.0/28' },
          ],
        },
      ];
    }),
  ],
});
