import rule from '../../../shared/rules/azure/aks-egress-bypass.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, lb, publicIp } from './builders.js';
import { clusterFromArm, readJson, realdataCases, specBody } from './fixtures.js';

const outboundIp = publicIp('kubernetes-outbound', { ipAddress: '20.1.2.3' });

ruleTester.run(rule, {
  valid: [
    { name: 'userDefinedRouting through the firewall', inventory: { azure: { clusters: [cluster('a')] } } },
    { name: 'NAT gateway variants', inventory: { azure: { clusters: [cluster('b', { outboundType: 'managedNATGateway' }), cluster('c', { outboundType: 'userAssignedNATGateway' })] } } },
  ],
  invalid: [
    {
      name: 'outboundType loadBalancer, egress IP named from the kubernetes LB outbound rule',
      inventory: {
        azure: {
          clusters: [cluster('aks1', { outboundType: 'loadBalancer' })],
          loadBalancers: [lb('kubernetes', { frontends: [{ name: 'fe-outbound', publicIp: outboundIp }], outboundRules: { aksOutboundRule: ['fe-outbound'] } })],
          publicIps: [outboundIp],
        },
      },
      findings: [{ resource: 'aks1', severity: 'high', messageIncludes: ['via public IP 20.1.2.3', 'outboundType loadBalancer'] }],
    },
    { name: 'outboundType absent: API default loadBalancer', inventory: { azure: { clusters: [cluster('aks2', { outboundType: undefined })] } }, findings: [{ resource: 'aks2', messageIncludes: 'defaults to loadBalancer' }] },
    ...realdataCases(() => [
      { name: 'realdata: azure-cli recorded private cluster with outboundType loadBalancer', inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'))] } }, findings: [{ resource: 'cliakstest000001' }] },
      { name: 'realdata: spec ManagedClustersGet', inventory: { azure: { clusters: [clusterFromArm(specBody('containerservice/ManagedClustersGet.2024-09-01.json'))] } }, findings: [{ resource: 'clustername1' }] },
    ]),
  ],
});
