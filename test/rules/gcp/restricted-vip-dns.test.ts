import rule from '../../../shared/rules/gcp/restricted-vip-dns.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { allVipZones, cluster, HOST, netUrl, P, route, router, scopeOf, subnetUrl, vipZone } from './builders.js';
import { dnsZoneFromApi, flightBody, realdataCases } from './fixtures.js';

const NET_ID = 'projects/acme-gke-prod/global/networks/prod-vpc';
const c1 = cluster('c1');
const nat = router('cr-nat', { bgpPeers: [], nats: [{ name: 'nat', sourceSubnetworkIpRangesToNat: 'LIST_OF_SUBNETWORKS', subnetworks: [{ name: subnetUrl(), sourceIpRangesToNat: ['ALL_IP_RANGES'] }] }] });

ruleTester.run(rule, {
  valid: [
    { name: 'all three domains map to the restricted VIP', inventory: { gcp: { clusters: [c1], dnsZones: allVipZones() } } },
    {
      name: 'private.googleapis.com is accepted too',
      inventory: { gcp: { clusters: [c1], dnsZones: [vipZone('gcr.io.'), vipZone('pkg.dev.'), { ...vipZone('googleapis.com.'), records: [{ name: '*.googleapis.com.', type: 'CNAME', rrdatas: ['private.googleapis.com.'] }] }] } },
    },
    { name: 'default route with Cloud NAT for the node subnet: other egress, no VIP needed', inventory: { gcp: { clusters: [c1], routes: [route('default', '0.0.0.0/0')], routers: [nat] } } },
    { name: 'default route and public nodes: other egress', inventory: { gcp: { clusters: [cluster('pub', { privateNodes: false, nodePools: [] })], routes: [route('default', '0.0.0.0/0')] } } },
    { name: 'Shared VPC host not audited: undecided', inventory: { gcp: { clusters: [cluster('svc', { network: `projects/${HOST}/global/networks/prod-vpc` })] } }, undecided: [scopeOf(P)] },
  ],
  invalid: [
    {
      name: 'no zones at all: medium',
      inventory: { gcp: { clusters: [c1] } },
      findings: [{ resource: NET_ID, severity: 'medium', messageIncludes: ['`prod-vpc` (project acme-gke-prod)', 'acme-gke-prod/c1 (europe-west1)', 'no private zone for googleapis.com.', 'pkg.dev.'] }],
    },
    { name: 'zone bound to another network', inventory: { gcp: { clusters: [c1], dnsZones: [...allVipZones().slice(0, 2), vipZone('pkg.dev.', [netUrl('other')])] } }, findings: [{ resource: NET_ID, messageIncludes: 'no private zone for pkg.dev.' }] },
    { name: 'zone without the wildcard record', inventory: { gcp: { clusters: [c1], dnsZones: [...allVipZones().slice(1), { ...vipZone('googleapis.com.'), records: [{ name: 'restricted.googleapis.com.', type: 'A', rrdatas: ['199.36.153.4'] }] }] } }, findings: [{ resource: NET_ID, messageIncludes: 'has no *.googleapis.com. record' }] },
    { name: 'default route without NAT is no other egress', inventory: { gcp: { clusters: [c1], routes: [route('default', '0.0.0.0/0')], routers: [router('cr-nat', { nats: [] })] } }, findings: [{ resource: NET_ID }] },
    ...realdataCases(() => {
      const zones = (flightBody('cloud-custodian/gcp/dns-managedZones-list-private.flight.json')['managedZones'] ?? []) as Record<string, unknown>[];
      return [{ name: 'realdata: cloud-custodian recorded private zone bound to no network', inventory: { gcp: { clusters: [c1], dnsZones: zones.map((z) => dnsZoneFromApi('cloud-custodian', z)) } }, findings: [{ resource: NET_ID, severity: 'medium' as const }] }];
    }),
  ],
});
