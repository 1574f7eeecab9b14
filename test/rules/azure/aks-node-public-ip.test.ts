import rule from '../../../shared/rules/azure/aks-node-public-ip.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, pool } from './builders.js';
import { clusterFromArm, readJson, realdataCases, specBody } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'no node public IPs', inventory: { azure: { clusters: [cluster('aks1', { agentPools: [pool('system'), pool('user', { mode: 'User' })] })] } } },
    ...realdataCases(() => [{ name: 'realdata: azure-cli recorded cluster (enableNodePublicIP false)', inventory: { azure: { clusters: [clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'))] } } }]),
  ],
  invalid: [
    {
      name: 'one finding per pool with node public IPs',
      inventory: { azure: { clusters: [cluster('aks1', { agentPools: [pool('system'), pool('gpu', { enableNodePublicIp: true }), pool('edge', { enableNodePublicIp: true })] })] } },
      findings: [
        { resource: 'aks1', severity: 'high', messageIncludes: 'agent pool `gpu`' },
        { resource: 'aks1', severity: 'high', messageIncludes: 'agent pool `edge`' },
      ],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: spec PrivateClusterPublicFQDN with enableNodePublicIP',
        inventory: { azure: { clusters: [clusterFromArm(specBody('containerservice/ManagedClustersCreate_PrivateClusterPublicFQDN.2024-09-01.json'))] } },
        findings: [{ resource: 'clustername1', messageIncludes: 'agent pool `nodepool1`' }],
      },
    ]),
  ],
});
