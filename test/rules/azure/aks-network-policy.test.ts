import rule from '../../../shared/rules/azure/aks-network-policy.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromArm, readJson, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'azure network policy', inventory: { azure: { clusters: [cluster('a', { networkPolicy: 'azure' })] } } },
    { name: 'calico and cilium', inventory: { azure: { clusters: [cluster('b', { networkPolicy: 'calico' }), cluster('c', { networkPolicy: 'cilium' })] } } },
  ],
  invalid: [
    { name: 'networkPolicy none', inventory: { azure: { clusters: [cluster('a', { networkPolicy: 'none' })] } }, findings: [{ resource: 'a', severity: 'medium', messageIncludes: 'networkPolicy none' }] },
    { name: 'networkPolicy absent', inventory: { azure: { clusters: [cluster('b', { networkPolicy: undefined }), cluster('c')] } }, findings: [{ resource: 'b', messageIncludes: 'not set' }] },
    ...realdataCases(() => [
      {
        name: 'realdata: azure-cli recorded kubenet cluster without networkPolicy',
        inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json'))] } },
        findings: [{ resource: 'cliakstest000001' }],
      },
    ]),
  ],
});
