import rule from '../../../shared/rules/azure/virtual-nodes.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromArm, readJson, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'no ACI connector', inventory: { azure: { clusters: [cluster('a')] } } },
    ...realdataCases(() => [{ name: 'realdata: azure-cli recorded cluster without addon profiles', inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'))] } } }]),
  ],
  invalid: [
    { name: 'virtual nodes enabled', inventory: { azure: { clusters: [cluster('burst', { virtualNodesEnabled: true }), cluster('b')] } }, findings: [{ resource: 'burst', severity: 'info', messageIncludes: 'virtual nodes' }] },
    ...realdataCases(() => {
      // The recorded body with the add-on as `az aks enable-addons --addons virtual-node` sets it (key case as some tools write it).
      const body = readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json') as { properties: Record<string, unknown> };
      const withAddon = { ...body, properties: { ...body.properties, addonProfiles: { ACIConnectorLinux: { enabled: true, config: { SubnetName: 'virtual-node-aci' } } } } };
      return [{ name: 'realdata: recorded cluster with the aciConnectorLinux add-on added', inventory: { azure: { clusters: [clusterFromArm(withAddon)] } }, findings: [{ resource: 'cliakstest000001' }] }];
    }),
  ],
});
