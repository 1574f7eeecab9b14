import rule from '../../../shared/rules/gcp/private-google-access.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { audited, cluster, HOST, P, scopeOf, subnet } from './builders.js';
import { body, clusterFromApi, flightBody, realdataCases, subnetworkFromApi } from './fixtures.js';

const SUBNET_ID = 'projects/acme-gke-prod/regions/europe-west1/subnetworks/gke-nodes';

ruleTester.run(rule, {
  valid: [
    { name: 'node subnet with Private Google Access', inventory: { gcp: { clusters: [cluster('c1')], subnetworks: [subnet()] } } },
    { name: 'subnet without PGA that carries no GKE nodes', inventory: { gcp: { clusters: [cluster('c1')], subnetworks: [subnet(), subnet('build-agents', { privateIpGoogleAccess: false })] } } },
    { name: 'cluster with public nodes only: PGA not needed', inventory: { gcp: { clusters: [cluster('pub', { privateNodes: false })], subnetworks: [subnet('gke-nodes', { privateIpGoogleAccess: false })] } } },
    { name: 'Shared VPC host not audited: undecided', inventory: { gcp: { clusters: [cluster('svc', { subnetwork: `projects/${HOST}/regions/europe-west1/subnetworks/gke-nodes`, network: `projects/${HOST}/global/networks/prod-vpc` })] } }, undecided: [scopeOf(P)] },
    ...realdataCases(() => {
      const s = subnetworkFromApi(body('k8s-config-connector/compute-subnetworks-get-privateIpGoogleAccess-true.json'));
      return [{ name: 'realdata: KCC subnet with privateIpGoogleAccess true', inventory: { gcp: { clusters: [cluster('kcc', { projectId: 'project-id', scope: scopeOf('project-id'), network: 'projects/project-id/global/networks/network-id', subnetwork: s.selfLink })], subnetworks: [s] } } }];
    }),
  ],
  invalid: [
    {
      name: 'node subnet without PGA: one finding for two clusters',
      inventory: { gcp: { clusters: [cluster('c1'), cluster('c2')], subnetworks: [subnet('gke-nodes', { privateIpGoogleAccess: false })] } },
      findings: [{ resource: SUBNET_ID, severity: 'high', messageIncludes: ['`gke-nodes` (project acme-gke-prod, region europe-west1, network prod-vpc)', 'acme-gke-prod/c1, acme-gke-prod/c2'] }],
    },
    {
      name: "a node pool's own subnetwork",
      inventory: { gcp: { clusters: [cluster('c1', { nodePools: [{ name: 'p2', subnetwork: 'projects/acme-gke-prod/regions/europe-west1/subnetworks/pool2' }] })], subnetworks: [subnet(), subnet('pool2', { privateIpGoogleAccess: false })] } },
      findings: [{ resource: 'pool2' }],
    },
    {
      name: 'Shared VPC: the host subnetwork, in the host scope',
      inventory: { gcp: { clusters: [cluster('svc', { subnetwork: `projects/${HOST}/regions/europe-west1/subnetworks/gke-nodes`, network: `projects/${HOST}/global/networks/prod-vpc` })], subnetworks: [subnet('gke-nodes', { privateIpGoogleAccess: false }, HOST)] } },
      scopes: [audited(P), audited(HOST)],
      findings: [{ resource: `projects/${HOST}/regions/europe-west1/subnetworks/gke-nodes`, messageIncludes: `project ${HOST}` }],
    },
    ...realdataCases(() => {
      // The recorded custodian cluster sits on the recorded us-central1 `default` subnet; taken as private nodes to make PGA matter.
      const c = { ...clusterFromApi(flightBody('cloud-custodian/gcp/container-clusters-get-public-endpoint.flight.json')), privateNodes: true, nodePools: [] };
      const items = (flightBody('cloud-custodian/gcp/compute-subnetworks-aggregatedList.flight.json')['items'] ?? {}) as Record<string, { subnetworks?: Record<string, unknown>[] }>;
      const subnets = Object.values(items).flatMap((i) => i.subnetworks ?? []).map(subnetworkFromApi);
      return [{ name: 'realdata: cloud-custodian recorded aggregated subnets, all without PGA', inventory: { gcp: { clusters: [c], subnetworks: subnets } }, findings: [{ resource: 'projects/cloud-custodian/regions/us-central1/subnetworks/default', severity: 'high' as const, messageIncludes: 'standard-cluster-1' }] }];
    }),
  ],
});
