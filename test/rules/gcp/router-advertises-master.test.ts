import rule from '../../../shared/rules/gcp/router-advertises-master.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { audited, cluster, HOST, P, router, scopeOf } from './builders.js';
import { body, flightBody, realdataCases, routerFromApi } from './fixtures.js';

const c1 = cluster('c1', { location: 'europe-west1-b' });
const peer = [{ name: 'onprem-1', peerIpAddress: '169.254.10.2' }];

ruleTester.run(rule, {
  valid: [
    { name: 'CUSTOM router with peers advertises the exact range (zonal cluster, regional router)', inventory: { gcp: { clusters: [c1], routers: [router('cr1')] } } },
    { name: 'a wider advertised range covers it', inventory: { gcp: { clusters: [c1], routers: [router('cr1', { advertisedIpRanges: ['172.16.0.0/16'] })] } } },
    { name: 'a CUSTOM peer on a DEFAULT router advertises it', inventory: { gcp: { clusters: [c1], routers: [router('cr1', { advertiseMode: 'DEFAULT', advertisedIpRanges: [], bgpPeers: [{ name: 'p', advertiseMode: 'CUSTOM', advertisedIpRanges: ['172.16.0.0/28'] }] })] } } },
    { name: 'cluster without a control-plane range', inventory: { gcp: { clusters: [cluster('psc', { masterIpv4CidrBlock: '' })] } } },
    { name: 'Shared VPC host not audited: undecided', inventory: { gcp: { clusters: [cluster('svc', { network: `projects/${HOST}/global/networks/prod-vpc` })] } }, undecided: [scopeOf(P)] },
    ...realdataCases(() => [
      {
        name: 'realdata: KCC CUSTOM router (with a BGP peer added) advertising the bare address 1.2.3.4 covers a /32 control plane',
        inventory: { gcp: { clusters: [cluster('c32', { projectId: 'project-id', scope: scopeOf('project-id'), location: 'us-west1', network: 'projects/project-id/global/networks/network-id', masterIpv4CidrBlock: '1.2.3.4/32' })], routers: [{ ...routerFromApi(body('k8s-config-connector/compute-routers-get-bgp-CUSTOM-advertisedIpRanges.json')), bgpPeers: peer }] } },
      },
    ]),
  ],
  invalid: [
    {
      name: 'range not advertised: high, names router and its ranges',
      inventory: { gcp: { clusters: [c1], routers: [router('cr1', { advertisedIpRanges: ['172.16.0.16/28'] })] } },
      findings: [{ resource: 'c1', severity: 'high', messageIncludes: ['172.16.0.0/28', 'network prod-vpc (project acme-gke-prod), region europe-west1', 'cr1'] }],
    },
    { name: 'DEFAULT mode never advertises the control-plane range', inventory: { gcp: { clusters: [c1], routers: [router('cr1', { advertiseMode: 'DEFAULT' })] } }, findings: [{ resource: 'c1', messageIncludes: 'DEFAULT (subnets only)' }] },
    { name: 'router without BGP peers does not count', inventory: { gcp: { clusters: [c1], routers: [router('cr1', { bgpPeers: [] })] } }, findings: [{ resource: 'c1', messageIncludes: 'no Cloud Router with BGP peers' }] },
    { name: 'router in another region does not count', inventory: { gcp: { clusters: [c1], routers: [router('cr1', { region: 'europe-west2' })] } }, findings: [{ resource: 'c1', messageIncludes: 'no Cloud Router' }] },
    {
      name: 'Shared VPC: judged on the host routers',
      inventory: { gcp: { clusters: [cluster('svc', { network: `projects/${HOST}/global/networks/prod-vpc` })], routers: [router('cr1', { advertisedIpRanges: [] }, HOST)] } },
      scopes: [audited(P), audited(HOST)],
      findings: [{ resource: 'svc', messageIncludes: `project ${HOST}` }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: cloud-custodian recorded DEFAULT router (with a BGP peer added)',
        inventory: { gcp: { clusters: [cluster('c7n', { projectId: 'cloud-custodian', scope: scopeOf('cloud-custodian'), location: 'us-central1', network: 'projects/cloud-custodian/global/networks/default' })], routers: [{ ...routerFromApi(flightBody('cloud-custodian/gcp/compute-routers-get-bgp-default-advertise.flight.json')), bgpPeers: peer }] } },
        findings: [{ resource: 'c7n', severity: 'high' as const, messageIncludes: 'test-router-2' }],
      },
      {
        name: 'realdata: KCC CUSTOM router advertising 1.2.3.4 (a /32) does not cover a /28',
        inventory: { gcp: { clusters: [cluster('c28', { projectId: 'project-id', scope: scopeOf('project-id'), location: 'us-west1', network: 'projects/project-id/global/networks/network-id' })], routers: [{ ...routerFromApi(body('k8s-config-connector/compute-routers-get-bgp-CUSTOM-advertisedIpRanges.json')), bgpPeers: peer }] } },
        findings: [{ resource: 'c28', messageIncludes: 'CUSTOM 1.2.3.4' }],
      },
    ]),
  ],
});
