import rule from '../../../shared/rules/gcp/gke-authorized-networks.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, ONPREM, P, scopeOf } from './builders.js';
import { clusterFromApi, body, realdataCases } from './fixtures.js';

const TF = 'terraform-google-kubernetes-engine';
const man = (enabled: boolean, cidrBlocks: string[], gcpPublicCidrsAccessEnabled = false) => ({ masterAuthorizedNetworks: { enabled, cidrBlocks, gcpPublicCidrsAccessEnabled } });

ruleTester.run(rule, {
  valid: [
    { name: 'on, on-prem ranges covered', inventory: { gcp: { clusters: [cluster('c1')] } }, config: ONPREM },
    { name: 'a wider block covers an on-prem range', inventory: { gcp: { clusters: [cluster('c2', man(true, ['10.0.0.0/8', '172.16.0.0/12']))] } }, config: ONPREM },
    { name: 'no on-prem configured: only on/open is judged', inventory: { gcp: { clusters: [cluster('c3', man(true, ['192.168.0.0/24']))] } } },
    { name: 'a block that is not a CIDR: undecided', inventory: { gcp: { clusters: [cluster('c4', man(true, ['corp-range']))] } }, config: ONPREM, undecided: [scopeOf(P)] },
    ...realdataCases(() => [
      { name: 'realdata: TF simple_regional_private, authorised 10.0.0.0/17 covers on-prem 10.0.0.0/20', inventory: { gcp: { clusters: [clusterFromApi(body(`${TF}/gke-private-nodes-private-endpoint-vpc-peering.TestSimpleRegionalPrivate.json`))] } }, config: { onPrem: { ranges: ['10.0.0.0/20'] } } },
    ]),
  ],
  invalid: [
    { name: 'off: high', inventory: { gcp: { clusters: [cluster('off', man(false, []))] } }, config: ONPREM, findings: [{ resource: 'off', severity: 'high', messageIncludes: 'authorised networks are off' }] },
    { name: 'open to 0.0.0.0/0: high', inventory: { gcp: { clusters: [cluster('open', { publicEndpointEnabled: true, ...man(true, ['10.10.0.0/16', '172.20.0.0/14', '0.0.0.0/0']) })] } }, config: ONPREM, findings: [{ resource: 'open', severity: 'high', messageIncludes: 'include 0.0.0.0/0' }] },
    { name: 'every Google Cloud IP on a public endpoint: high', inventory: { gcp: { clusters: [cluster('gcp', { publicEndpointEnabled: true, ...man(true, ['10.10.0.0/16', '172.20.0.0/14'], true) })] } }, config: ONPREM, findings: [{ resource: 'gcp', severity: 'high', messageIncludes: 'gcpPublicCidrsAccessEnabled' }] },
    { name: 'missing an on-prem range: medium', inventory: { gcp: { clusters: [cluster('miss', man(true, ['10.10.0.0/16']))] } }, config: ONPREM, findings: [{ resource: 'miss', severity: 'medium', messageIncludes: 'on-prem range 172.20.0.0/14 not authorised (blocks: 10.10.0.0/16)' }] },
    ...realdataCases(() => [
      { name: 'realdata: TF stub_domains_private, public endpoint with authorised networks off', inventory: { gcp: { clusters: [clusterFromApi(body(`${TF}/gke-private-nodes-PUBLIC-endpoint-no-authnets.TestStubDomainsPrivate.json`))] } }, config: ONPREM, findings: [{ resource: 'upstream-nameservers-cluster-RANDOM_STRING', severity: 'high' as const, messageIncludes: 'off' }] },
    ]),
  ],
});
