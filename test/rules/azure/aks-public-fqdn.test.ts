import rule from '../../../shared/rules/azure/aks-public-fqdn.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromArm, readJson, realdataCases, specBody } from './fixtures.js';

const withFqdn = cluster('aks1', { publicFqdnEnabled: true, fqdn: 'aks1-ee788a1f.hcp.westeurope.azmk8s.io' });

ruleTester.run(rule, {
  valid: [
    { name: 'private cluster without public FQDN', inventory: { azure: { clusters: [cluster('aks1')] } } },
    { name: 'public cluster: public FQDN is its only name (aks-private-api covers it)', inventory: { azure: { clusters: [cluster('pub', { privateCluster: false, publicFqdnEnabled: true, fqdn: 'pub.hcp.westeurope.azmk8s.io' })] } } },
    { name: 'allowed by configuration', inventory: { azure: { clusters: [withFqdn] } }, config: { clouds: { azure: { allowPublicFqdn: true } } } },
    ...realdataCases(() => [
      {
        name: 'realdata: azure-cli recorded cluster after --disable-public-fqdn',
        inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json'))] } },
      },
    ]),
  ],
  invalid: [
    {
      name: 'private cluster with public FQDN',
      inventory: { azure: { clusters: [withFqdn, cluster('aks2')] } },
      config: { clouds: { azure: { allowPublicFqdn: false } } },
      findings: [{ resource: 'aks1', severity: 'low', messageIncludes: ['public FQDN aks1-ee788a1f.hcp.westeurope.azmk8s.io', '`aks1` in `rg-aks`'] }],
    },
    {
      name: 'privateDNSZone none relies on the public FQDN: still visible',
      inventory: { azure: { clusters: [cluster('aks-none', { privateDnsZone: 'none', publicFqdnEnabled: true, fqdn: 'aks-none.hcp.westeurope.azmk8s.io' })] } },
      findings: [{ resource: 'aks-none' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: azure-cli recorded private cluster with public FQDN',
        inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'))] } },
        findings: [{ resource: 'cliakstest000001', messageIncludes: 'cliakstest-clitestarhqathbb-8ecadf-076102c2.hcp.westus2.azmk8s.io' }],
      },
      {
        name: 'realdata: spec PrivateClusterPublicFQDN',
        inventory: { azure: { clusters: [clusterFromArm(specBody('containerservice/ManagedClustersCreate_PrivateClusterPublicFQDN.2024-09-01.json'))] } },
        findings: [{ resource: 'clustername1', messageIncludes: 'dnsprefix1-ee788a1f.hcp.location1.azmk8s.io' }],
      },
    ]),
  ],
});
