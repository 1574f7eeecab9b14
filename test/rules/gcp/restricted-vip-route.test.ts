import rule from '../../../shared/rules/gcp/restricted-vip-route.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { audited, cluster, HOST, P, route, scopeOf, vipRoute } from './builders.js';
import { body, flightBody, realdataCases, routeFromApi } from './fixtures.js';

const NET_ID = 'projects/acme-gke-prod/global/networks/prod-vpc';
const c1 = cluster('c1');
const svc = cluster('svc', { network: `projects/${HOST}/global/networks/prod-vpc` });

ruleTester.run(rule, {
  valid: [
    { name: 'route for the restricted VIP', inventory: { gcp: { clusters: [c1], routes: [vipRoute()] } } },
    { name: 'route for the private VIP', inventory: { gcp: { clusters: [c1], routes: [route('private', '199.36.153.8/30')] } } },
    { name: 'Shared VPC: host network has the route', inventory: { gcp: { clusters: [svc], routes: [vipRoute(HOST)] } }, scopes: [audited(P), audited(HOST)] },
    { name: 'Shared VPC host routes unreadable: undecided', inventory: { gcp: { clusters: [svc] } }, scopes: [audited(P), audited(HOST, ['routes'])], undecided: [scopeOf(P), scopeOf(HOST)] },
  ],
  invalid: [
    { name: 'no VIP route: high', inventory: { gcp: { clusters: [c1] } }, findings: [{ resource: NET_ID, severity: 'high', messageIncludes: ['no route for 199.36.153.4/30 or 199.36.153.8/30', 'acme-gke-prod/c1 (europe-west1)'] }] },
    { name: 'VIP route through an appliance, not the internet gateway', inventory: { gcp: { clusters: [c1], routes: [route('vip', '199.36.153.4/30', { nextHopIp: '10.0.0.5', nextHopGateway: undefined as never })] } }, findings: [{ resource: NET_ID }] },
    { name: 'Shared VPC: host network lacks the route', inventory: { gcp: { clusters: [svc] } }, scopes: [audited(P), audited(HOST)], findings: [{ resource: `projects/${HOST}/global/networks/prod-vpc`, messageIncludes: `project ${HOST}` }] },
    ...realdataCases(() => {
      const kcc = routeFromApi(body('k8s-config-connector/compute-routes-get-default-route-via-nextHopIp.json'));
      const c7n = ((flightBody('cloud-custodian/gcp/compute-routes-list.flight.json')['items'] ?? []) as Record<string, unknown>[]).map(routeFromApi);
      const onNet = (r: typeof kcc) => ({ ...r, network: 'https://www.googleapis.com/compute/v1/projects/acme-gke-prod/global/networks/prod-vpc' });
      return [{ name: 'realdata: KCC default route via an appliance IP and the recorded subnet route', inventory: { gcp: { clusters: [c1], routes: [onNet(kcc), ...c7n.map(onNet)] } }, findings: [{ resource: NET_ID, severity: 'high' as const }] }];
    }),
  ],
});
