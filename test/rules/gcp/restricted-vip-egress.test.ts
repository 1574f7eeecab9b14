import rule from '../../../shared/rules/gcp/restricted-vip-egress.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, firewall } from './builders.js';
import { firewallFromApi, flightBody, realdataCases } from './fixtures.js';

const NET_ID = 'projects/acme-gke-prod/global/networks/prod-vpc';
const c1 = cluster('c1');
const denyAll = (priority: number) => firewall('deny-egress-all', { priority, denied: [{ IPProtocol: 'all', ports: [] }] });
const allowVip = (priority = 1000, ports = ['443']) => firewall('allow-vip', { priority, destinationRanges: ['199.36.153.4/30'], allowed: [{ IPProtocol: 'tcp', ports }] });

ruleTester.run(rule, {
  valid: [
    { name: 'no egress deny: the implied allow', inventory: { gcp: { clusters: [c1], firewalls: [] } } },
    { name: 'allow at 1000 beats deny-all at 65534', inventory: { gcp: { clusters: [c1], firewalls: [allowVip(), denyAll(65534)] } } },
    { name: 'allow by port range', inventory: { gcp: { clusters: [c1], firewalls: [allowVip(1000, ['400-500']), denyAll(65534)] } } },
    { name: 'disabled deny', inventory: { gcp: { clusters: [c1], firewalls: [{ ...denyAll(10), disabled: true }] } } },
    ...realdataCases(() => [{ name: 'realdata: cloud-custodian recorded firewalls (ingress only)', inventory: { gcp: { clusters: [c1], firewalls: ((flightBody('cloud-custodian/gcp/compute-firewalls-list.flight.json')['items'] ?? []) as Record<string, unknown>[]).map(firewallFromApi).map((f) => ({ ...f, network: 'https://www.googleapis.com/compute/v1/projects/acme-gke-prod/global/networks/prod-vpc' })) } } }]),
  ],
  invalid: [
    { name: 'deny-all with no allow: high', inventory: { gcp: { clusters: [c1], firewalls: [denyAll(65534)] } }, findings: [{ resource: NET_ID, severity: 'high', messageIncludes: ['deny deny-egress-all (priority 65534), no allow', 'acme-gke-prod/c1 (europe-west1)'] }] },
    { name: 'a deny at 500 beats the allow at 1000', inventory: { gcp: { clusters: [c1], firewalls: [allowVip(), denyAll(500)] } }, findings: [{ resource: NET_ID, messageIncludes: 'beats allow allow-vip (priority 1000)' }] },
    { name: 'a deny wins a tie', inventory: { gcp: { clusters: [c1], firewalls: [allowVip(1000), denyAll(1000)] } }, findings: [{ resource: NET_ID }] },
    { name: 'allow for port 80 only does not count', inventory: { gcp: { clusters: [c1], firewalls: [allowVip(1000, ['80']), denyAll(65534)] } }, findings: [{ resource: NET_ID }] },
    ...realdataCases(() => {
      const recorded = ((flightBody('cloud-custodian/gcp/compute-firewalls-list.flight.json')['items'] ?? []) as Record<string, unknown>[]).map(firewallFromApi);
      return [{ name: 'realdata: recorded firewall list plus a deny-all egress', inventory: { gcp: { clusters: [c1], firewalls: [...recorded, denyAll(65534)] } }, findings: [{ resource: NET_ID, severity: 'high' as const }] }];
    }),
  ],
});
