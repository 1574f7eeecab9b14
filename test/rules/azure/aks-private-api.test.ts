import rule from '../../../shared/rules/azure/aks-private-api.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster } from './builders.js';
import { clusterFromArm, readJson, realdataCases, specBody } from './fixtures.js';

const publicCluster = (name: string, authorizedIpRanges: string[] = []) =>
  cluster(name, { privateCluster: false, privateDnsZone: undefined, fqdn: `${name}-abcd.hcp.westeurope.azmk8s.io`, authorizedIpRanges });

ruleTester.run(rule, {
  valid: [
    { name: 'no clusters', inventory: { azure: { clusters: [] } } },
    { name: 'private cluster', inventory: { azure: { clusters: [cluster('aks1')] } } },
    { name: 'private cluster with public FQDN is another rule', inventory: { azure: { clusters: [cluster('aks1', { publicFqdnEnabled: true })] } } },
    ...realdataCases(() => [
      {
        name: 'realdata: azure-cli recorded private cluster (publicFQDN disabled)',
        inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-private-publicFQDN-disabled-recorded.body.json'))] } },
      },
    ]),
  ],
  invalid: [
    {
      name: 'public API server without authorized ranges: high',
      inventory: { azure: { clusters: [publicCluster('aks-pub')] } },
      findings: [{ resource: 'aks-pub', severity: 'high', messageIncludes: ['`aks-pub` in `rg-aks`', 'no authorized IP ranges', 'aks-pub-abcd.hcp'] }],
    },
    {
      name: 'authorized ranges that include 0.0.0.0/0: high',
      inventory: { azure: { clusters: [publicCluster('aks-open', ['203.0.113.0/24', '0.0.0.0/0'])] } },
      findings: [{ resource: 'aks-open', severity: 'high', messageIncludes: 'include 0.0.0.0/0' }],
    },
    {
      name: 'authorized ranges limited to on-prem egress: medium',
      inventory: { azure: { clusters: [publicCluster('aks-lim', ['203.0.113.0/24']), cluster('aks-priv')] } },
      findings: [{ resource: 'aks-lim', severity: 'medium', messageIncludes: 'limited to authorized IP ranges 203.0.113.0/24' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: spec ManagedClustersGet, public cluster with no apiServerAccessProfile',
        inventory: { azure: { clusters: [clusterFromArm(specBody('containerservice/ManagedClustersGet.2024-09-01.json'))] } },
        findings: [{ resource: '/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1', severity: 'high' as const, messageIncludes: 'dnsprefix1-abcd1234.hcp.eastus.azmk8s.io' }],
      },
    ]),
  ],
});
