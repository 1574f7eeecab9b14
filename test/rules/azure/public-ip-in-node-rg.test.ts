import rule from '../../../shared/rules/azure/public-ip-in-node-rg.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, nodeRgOf, publicIp, SUB2 } from './builders.js';
import { clusterFromArm, publicIpFromArm, readJson, realdataCases, specBody } from './fixtures.js';

const aks1 = cluster('aks1');
const lbFe = `/subscriptions/1b2c3d4e-0000-4000-8000-000000000001/resourceGroups/${nodeRgOf('aks1')}/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/fe-outbound`;

ruleTester.run(rule, {
  valid: [
    { name: 'no public IPs', inventory: { azure: { clusters: [aks1] } } },
    { name: 'public IP in a hub RG (gateway)', inventory: { azure: { clusters: [aks1], publicIps: [publicIp('vpngw-pip', { rg: 'rg-hub', ipAddress: '51.1.1.1' })] } } },
    { name: 'same RG name in another subscription', inventory: { azure: { clusters: [aks1], publicIps: [publicIp('x', { sub: SUB2, ipAddress: '51.1.1.2' })] } } },
    ...realdataCases(() => [
      { name: 'realdata: spec PublicIpAddressGet in rg1, not a node RG', inventory: { azure: { clusters: [cluster('c', { sub: 'subid', rg: 'rg1' })], publicIps: [publicIpFromArm(specBody('network/PublicIpAddressGet.2024-05-01.json'))] } } },
    ]),
  ],
  invalid: [
    {
      name: 'attached to the kubernetes LB frontend',
      inventory: { azure: { clusters: [aks1], publicIps: [publicIp('kubernetes-outbound', { ipAddress: '20.1.2.3', ipConfigurationId: lbFe })] } },
      findings: [{ resource: 'kubernetes-outbound', severity: 'high', messageIncludes: ['20.1.2.3', 'attached to load balancer `kubernetes` (fe-outbound)', '`aks1`'] }],
    },
    {
      name: 'orphaned (left behind by a deleted Service); node RG name compared case-insensitively',
      inventory: { azure: { clusters: [aks1], publicIps: [publicIp('kubernetes-old', { rg: nodeRgOf('aks1').toLowerCase(), ipAddress: '20.1.2.5' })] } },
      findings: [{ resource: 'kubernetes-old', messageIncludes: 'orphaned' }],
    },
    ...realdataCases(() => {
      const body = specBody('network/PublicIpAddressGet.2024-05-01.json');
      return [
        {
          name: 'realdata: spec PublicIpAddressGet on a NIC, no address allocated, in a node RG',
          inventory: { azure: { clusters: [cluster('c', { sub: 'subid', nodeResourceGroup: 'rg1' })], publicIps: [publicIpFromArm(body)] } },
          findings: [{ resource: 'testDNS-ip', messageIncludes: ['no address allocated', 'network interface `testDNS649` (ipconfig1)'] }],
        },
        {
          name: 'realdata: azure-cli recorded cluster with its managed outbound IP in the node RG',
          inventory: (() => {
            const c = clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'));
            return { azure: { clusters: [c], publicIps: [publicIp('fa392809-e604-4429-ab8b-624aae1deaa9', { rg: c.nodeResourceGroup ?? '', sub: c.subscriptionId, ipAddress: '20.3.4.5' })] } };
          })(),
          findings: [{ resource: 'fa392809-e604-4429-ab8b-624aae1deaa9', messageIncludes: 'orphaned' }],
        },
      ];
    }),
  ],
});
