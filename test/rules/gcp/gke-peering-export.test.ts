import rule from '../../../shared/rules/gcp/gke-peering-export.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { audited, cluster, HOST, network, P, peering, scopeOf } from './builders.js';
import { body, clusterFromApi, flightBody, networkFromApi, realdataCases } from './fixtures.js';

const c1 = cluster('c1');
const shared = cluster('svc', { projectId: 'acme-svc', scope: scopeOf('acme-svc'), id: 'projects/acme-svc/locations/europe-west1/clusters/svc', network: `projects/${HOST}/global/networks/prod-vpc`, peeringName: 'gke-nsvc-peer' });
const hostNet = (exportCustomRoutes: boolean) => network('prod-vpc', { peerings: [peering('gke-nsvc-peer', exportCustomRoutes)] }, HOST);

ruleTester.run(rule, {
  valid: [
    { name: 'peering exports custom routes', inventory: { gcp: { clusters: [c1], networks: [network('prod-vpc', { peerings: [peering('gke-nc1-peer')] })] } } },
    { name: 'Private Service Connect cluster (empty peeringName) needs no peering', inventory: { gcp: { clusters: [cluster('psc', { peeringName: '' })], networks: [] } } },
    { name: 'Shared VPC: host peering exports', inventory: { gcp: { clusters: [shared], networks: [hostNet(true)] } }, scopes: [audited('acme-svc'), audited(HOST)] },
    { name: 'Shared VPC host project not audited: undecided, not a pass', inventory: { gcp: { clusters: [shared] } }, scopes: [audited('acme-svc')], undecided: [scopeOf('acme-svc')] },
    { name: 'Shared VPC host networks unreadable: undecided in both projects', inventory: { gcp: { clusters: [shared] } }, scopes: [audited('acme-svc'), audited(HOST, ['networks'])], undecided: [scopeOf('acme-svc'), scopeOf(HOST)] },
    { name: 'network not in the inventory: undecided', inventory: { gcp: { clusters: [c1] } }, undecided: [scopeOf(P)] },
    ...realdataCases(() => [{ name: 'realdata: TF PSC cluster (no peeringName)', inventory: { gcp: { clusters: [clusterFromApi(body('terraform-google-kubernetes-engine/gke-psc-private-dns-endpoint-no-external.TestGKEStandardCluster.json'))] } } }]),
  ],
  invalid: [
    {
      name: 'peering without export: high',
      inventory: { gcp: { clusters: [c1], networks: [network('prod-vpc', { peerings: [peering('gke-nc1-peer', false)] })] } },
      findings: [{ resource: 'projects/acme-gke-prod/locations/europe-west1/clusters/c1', severity: 'high', messageIncludes: ['gke-nc1-peer', 'does not export custom routes', 'network prod-vpc (project acme-gke-prod)'] }],
    },
    { name: 'peering missing from the network', inventory: { gcp: { clusters: [c1], networks: [network()] } }, findings: [{ resource: 'c1', messageIncludes: 'missing from network prod-vpc' }] },
    { name: 'Shared VPC: judged on the host network', inventory: { gcp: { clusters: [shared], networks: [hostNet(false)] } }, scopes: [audited('acme-svc'), audited(HOST)], findings: [{ resource: 'svc', messageIncludes: `project ${HOST}` }] },
    ...realdataCases(() => {
      // The TF cluster's peering, shaped as the recorded cloud-custodian network gives peerings (exportCustomRoutes false).
      const c = clusterFromApi(body('terraform-google-kubernetes-engine/gke-private-nodes-private-endpoint-vpc-peering.TestSimpleRegionalPrivate.json'));
      const items = (flightBody('cloud-custodian/gcp/compute-networks-list-with-servicenetworking-peerings.flight.json')['items'] ?? []) as Record<string, unknown>[];
      const recorded = networkFromApi(items.find((n) => Array.isArray(n['peerings'])) ?? {});
      const net = { ...recorded, id: 'projects/project-id/global/networks/cft-gke-test-6anh', selfLink: 'https://www.googleapis.com/compute/v1/projects/project-id/global/networks/cft-gke-test-6anh', peerings: recorded.peerings.map((p, i) => (i === 0 ? { ...p, name: c.peeringName ?? '' } : p)) };
      return [{ name: 'realdata: TF peering cluster + recorded peering without custom-route export', inventory: { gcp: { clusters: [{ ...c, network: 'projects/project-id/global/networks/cft-gke-test-6anh', projectId: 'project-id' }], networks: [net] } }, findings: [{ resource: 'CLUSTER_NAME', severity: 'high' as const, messageIncludes: 'gke-n1295bf45f3d8b003b5f-0162-9128-peer' }] }];
    }),
  ],
});
