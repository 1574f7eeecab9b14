import rule from '../../../shared/rules/gcp/node-external-ip.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, instance } from './builders.js';

// No GCE instance body is recorded in realdata (see test/docs/rule-docs.ts WITHOUT_REALDATA).
ruleTester.run(rule, {
  valid: [
    { name: 'GKE node without external IP', inventory: { gcp: { clusters: [cluster('c1')], instances: [instance('gke-c1-default-pool-1a2b-x1', 'c1')] } } },
    { name: 'non-GKE instance with an external IP is another matter', inventory: { gcp: { instances: [instance('bastion', undefined, ['34.76.0.9'])] } } },
  ],
  invalid: [
    {
      name: 'GKE node with an external IP: high, pool remediation',
      inventory: { gcp: { clusters: [cluster('c1')], instances: [instance('gke-c1-default-pool-1a2b-x1', 'c1', ['34.76.0.10'])] } },
      findings: [{ resource: 'projects/acme-gke-prod/zones/europe-west1-b/instances/gke-c1-default-pool-1a2b-x1', severity: 'high', messageIncludes: ['project acme-gke-prod, zone europe-west1-b, region europe-west1', 'cluster c1, node pool default-pool', '34.76.0.10 on network prod-vpc'] }],
    },
    {
      name: 'node of a cluster not in the inventory, no location label: region from the zone',
      inventory: { gcp: { instances: [instance('gke-gone-pool-1', 'gone', ['34.76.0.11'], { labels: { 'goog-k8s-cluster-name': 'gone' } })] } },
      findings: [{ resource: 'gke-gone-pool-1', messageIncludes: 'of cluster gone has external IP' }],
    },
  ],
});
