import rule from '../../../shared/rules/azure/aks-identity.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromArm, readJson, realdataCases, specBody } from './fixtures.js';

const SP = '5f0e2b7c-1111-4222-8333-944445555666';

ruleTester.run(rule, {
  valid: [
    { name: 'clientId msi', inventory: { azure: { clusters: [cluster('a'), cluster('b', { servicePrincipalClientId: 'MSI', identityType: 'UserAssigned' })] } } },
    { name: 'no servicePrincipalProfile, managed identity', inventory: { azure: { clusters: [cluster('c', { servicePrincipalClientId: undefined })] } } },
    ...realdataCases(() => [
      {
        name: 'realdata: azure-cli recorded cluster: SystemAssigned identity beside a sanitised clientId',
        inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'))] } },
      },
    ]),
  ],
  invalid: [
    { name: 'service principal, no managed identity', inventory: { azure: { clusters: [cluster('sp', { servicePrincipalClientId: SP, identityType: undefined })] } }, findings: [{ resource: 'sp', severity: 'medium', messageIncludes: SP }] },
    { name: 'service principal with identity None', inventory: { azure: { clusters: [cluster('sp2', { servicePrincipalClientId: SP, identityType: 'None' })] } }, findings: [{ resource: 'sp2', messageIncludes: 'identity None' }] },
    ...realdataCases(() => [
      { name: 'realdata: spec ManagedClustersGet with servicePrincipalProfile clientid and no identity', inventory: { azure: { clusters: [clusterFromArm(specBody('containerservice/ManagedClustersGet.2024-09-01.json'))] } }, findings: [{ resource: 'clustername1', messageIncludes: 'clientid' }] },
    ]),
  ],
});
