import rule from '../../../shared/rules/gcp/gke-vpc-native.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromApi, flightBody, body, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'VPC-native cluster', inventory: { gcp: { clusters: [cluster('c1')] } } },
    ...realdataCases(() => [{ name: 'realdata: TF safer cluster (useIpAliases)', inventory: { gcp: { clusters: [clusterFromApi(body('terraform-google-kubernetes-engine/gke-safer-private-endpoint.TestSaferCluster.json'))] } } }]),
  ],
  invalid: [
    {
      name: 'routes-based cluster: medium',
      inventory: { gcp: { clusters: [cluster('legacy', { vpcNative: false, clusterIpv4Cidr: '10.204.0.0/14' })] } },
      findings: [{ resource: 'legacy', severity: 'medium', messageIncludes: ['routes-based', '10.204.0.0/14', 'network prod-vpc'] }],
    },
    ...realdataCases(() => {
      const list = (flightBody('cloud-custodian/gcp/container-clusters-list-two-public-clusters.flight.json')['clusters'] ?? []) as Record<string, unknown>[];
      return [{ name: 'realdata: cloud-custodian recorded list, two clusters without useIpAliases', inventory: { gcp: { clusters: list.map(clusterFromApi) } }, findings: [{ resource: 'c7nnode-cluster-1', severity: 'medium' as const }, { resource: 'c7nnode-cluster-2', severity: 'medium' as const }] }];
    }),
  ],
});
