import rule from '../../../shared/rules/aws/kops-networking.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kops, SCOPE } from './builders.js';
import { kopsFromSpec, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'Calico with a private topology', inventory: { aws: { kopsClusters: [kops()] } } },
    { name: 'kubenet with a public topology', inventory: { aws: { kopsClusters: [kops('p.corp.example.com', { networking: 'kubenet', subnets: [{ name: 'eu-west-1a', type: 'Public' }] })] } } },
    { name: 'private topology naming no plugin is undecided', inventory: { aws: { kopsClusters: [kops('n.corp.example.com', { networking: undefined })] } }, undecided: [SCOPE] },
    ...realdataCases(() => [
      { name: 'realdata: kops privatecilium', inventory: { aws: { kopsClusters: [kopsFromSpec('privatecilium', { completed: true })] } } },
      { name: 'realdata: kops privatekopeio', inventory: { aws: { kopsClusters: [kopsFromSpec('privatekopeio', { completed: true })] } } },
    ]),
  ],
  invalid: [
    {
      name: 'old spec: kubenet with topology nodes private (high)',
      inventory: { aws: { kopsClusters: [kops('old.corp.example.com', { networking: 'kubenet', subnets: [{ name: 'eu-west-1a' }], topologyMasters: 'private', topologyNodes: 'private' })] } },
      findings: [{ resource: 'old.corp.example.com', severity: 'high', messageIncludes: ['uses kubenet networking', 'topology private'] }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: kops privatecalico switched to kubenet (high)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('privatecalico', { edit: (spec) => (spec['networking'] = { kubenet: {} }) })] } },
        findings: [{ resource: 'privatecalico.example.com', severity: 'high', messageIncludes: 'Private subnets us-test-1a' }],
      },
    ]),
  ],
});
