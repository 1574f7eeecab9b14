import rule from '../../../shared/rules/gcp/gke-public-endpoint.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromApi, flightBody, body, realdataCases } from './fixtures.js';

const TF = 'terraform-google-kubernetes-engine';
const KCC = 'k8s-config-connector';
const fromFile = (rel: string) => clusterFromApi(body(rel));

ruleTester.run(rule, {
  valid: [
    { name: 'private endpoint only', inventory: { gcp: { clusters: [cluster('c1')] } } },
    {
      name: "REST client's filled-in false on an unpopulated ipEndpointsConfig is no setting: the deprecated field decides",
      inventory: { gcp: { clusters: [clusterFromApi({ name: 'c2', location: 'europe-west1', selfLink: 'https://container.googleapis.com/v1/projects/p1/locations/europe-west1/clusters/c2', privateClusterConfig: { enablePrivateEndpoint: true, enablePrivateNodes: true, peeringName: '' }, controlPlaneEndpointsConfig: { ipEndpointsConfig: { enabled: false, enablePublicEndpoint: false }, dnsEndpointConfig: { allowExternalTraffic: false, endpoint: '' } } })] } },
    },
    ...realdataCases(() => [
      { name: 'realdata: TF PSC cluster, DNS endpoint internal only', inventory: { gcp: { clusters: [fromFile(`${TF}/gke-psc-private-dns-endpoint-no-external.TestGKEStandardCluster.json`)] } } },
      { name: 'realdata: TF VPC-peering private endpoint', inventory: { gcp: { clusters: [fromFile(`${TF}/gke-safer-private-endpoint.TestSaferCluster.json`)] } } },
      { name: 'realdata: KCC v1beta1 after update (enablePublicEndpoint false)', inventory: { gcp: { clusters: [fromFile(`${KCC}/container-v1beta1-clusters-get-private-nodes-private-endpoint-authnets.json`)] } } },
    ]),
  ],
  invalid: [
    {
      name: 'public IP endpoint: high',
      inventory: { gcp: { clusters: [cluster('pub', { publicEndpointEnabled: true, publicEndpoint: '34.76.1.2' })] } },
      findings: [{ resource: 'pub', severity: 'high', messageIncludes: ['public IP endpoint 34.76.1.2 enabled', 'project acme-gke-prod'] }],
    },
    {
      name: 'DNS endpoint open to external traffic, IP endpoint private: high',
      inventory: { gcp: { clusters: [cluster('dns', { dnsEndpointAllowsExternalTraffic: true })] } },
      findings: [{ resource: 'dns', severity: 'high', messageIncludes: 'allowExternalTraffic true' }],
    },
    ...realdataCases(() => [
      { name: 'realdata: TF confidential_safer_cluster, DNS endpoint allows external traffic', inventory: { gcp: { clusters: [fromFile(`${TF}/gke-psc-private-dns-endpoint-EXTERNAL-allowed.TestConfidentialSaferCluster.json`)] } }, findings: [{ resource: 'CLUSTER_NAME', severity: 'high' as const, messageIncludes: 'DNS-based endpoint' }] },
      { name: 'realdata: TF stub_domains_private, private nodes but public endpoint', inventory: { gcp: { clusters: [fromFile(`${TF}/gke-private-nodes-PUBLIC-endpoint-no-authnets.TestStubDomainsPrivate.json`)] } }, findings: [{ resource: 'upstream-nameservers-cluster-RANDOM_STRING', messageIncludes: 'public IP endpoint' }] },
      { name: 'realdata: KCC v1beta1 (no enablePrivateEndpoint, enablePublicEndpoint true)', inventory: { gcp: { clusters: [fromFile(`${KCC}/container-v1beta1-clusters-get-private-nodes-PUBLIC-endpoint-gcpPublicCidrsAccess.json`)] } }, findings: [{ resource: 'projects/project-id/locations/northamerica-northeast1-a/clusters/containercluster-unique-id' }] },
      { name: 'realdata: cloud-custodian recorded public cluster', inventory: { gcp: { clusters: [clusterFromApi(flightBody('cloud-custodian/gcp/container-clusters-get-public-endpoint.flight.json'))] } }, findings: [{ resource: 'standard-cluster-1', messageIncludes: '34.67.207.127' }] },
    ]),
  ],
});
