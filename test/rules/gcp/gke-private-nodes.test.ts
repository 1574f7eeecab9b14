import rule from '../../../shared/rules/gcp/gke-private-nodes.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromApi, flightBody, body, realdataCases } from './fixtures.js';

const TF = 'terraform-google-kubernetes-engine';

ruleTester.run(rule, {
  valid: [
    { name: 'private cluster, pool inherits', inventory: { gcp: { clusters: [cluster('c1')] } } },
    { name: 'public cluster default, but every pool private', inventory: { gcp: { clusters: [cluster('c2', { privateNodes: false, nodePools: [{ name: 'p1', enablePrivateNodes: true }] })] } } },
    ...realdataCases(() => [
      { name: 'realdata: TF simple_regional_private (enablePrivateNodes)', inventory: { gcp: { clusters: [clusterFromApi(body(`${TF}/gke-private-nodes-private-endpoint-vpc-peering.TestSimpleRegionalPrivate.json`))] } } },
      { name: 'realdata: TF PSC cluster (defaultEnablePrivateNodes, pool enablePrivateNodes)', inventory: { gcp: { clusters: [clusterFromApi(body(`${TF}/gke-psc-private-dns-endpoint-no-external.TestGKEStandardCluster.json`))] } } },
    ]),
  ],
  invalid: [
    {
      name: 'private nodes off: high',
      inventory: { gcp: { clusters: [cluster('pub', { privateNodes: false })] } },
      findings: [{ resource: 'projects/acme-gke-prod/locations/europe-west1/clusters/pub', severity: 'high', messageIncludes: ['`pub` (project acme-gke-prod, location europe-west1, region europe-west1, network prod-vpc)', 'private nodes are off'] }],
    },
    {
      name: 'a pool overrides a private cluster',
      inventory: { gcp: { clusters: [cluster('mix', { nodePools: [{ name: 'default-pool' }, { name: 'gpu', enablePrivateNodes: false }] })] } },
      findings: [{ resource: 'mix', severity: 'high', messageIncludes: 'node pool gpu overrides' }],
    },
    ...realdataCases(() => [
      { name: 'realdata: TF simple_regional public cluster', inventory: { gcp: { clusters: [clusterFromApi(body(`${TF}/gke-public-cluster.TestSimpleRegional.json`))] } }, findings: [{ resource: 'projects/PROJECT_ID/locations/us-west1/clusters/CLUSTER_NAME', severity: 'high' as const }] },
      { name: 'realdata: cloud-custodian recorded public cluster', inventory: { gcp: { clusters: [clusterFromApi(flightBody('cloud-custodian/gcp/container-clusters-get-public-endpoint.flight.json'))] } }, findings: [{ resource: 'standard-cluster-1', severity: 'high' as const, messageIncludes: 'project cloud-custodian' }] },
    ]),
  ],
});
