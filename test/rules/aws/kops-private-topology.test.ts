import rule from '../../../shared/rules/aws/kops-private-topology.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kops, SCOPE } from './builders.js';
import { kopsFromSpec, realdataCases } from './fixtures.js';

const ID = 's3://corp-kops-state/k8s.corp.example.com';

ruleTester.run(rule, {
  valid: [
    { name: 'control plane and nodes in Private subnets, bastion in Utility', inventory: { aws: { kopsClusters: [kops()] } } },
    {
      name: 'old spec: untyped subnets with topology masters/nodes private',
      inventory: { aws: { kopsClusters: [kops('old.corp.example.com', { subnets: [{ name: 'eu-west-1a', zone: 'eu-west-1a' }], topologyMasters: 'private', topologyNodes: 'private' })] } },
    },
    {
      name: 'a group naming an untyped subnet with no topology is undecided',
      inventory: { aws: { kopsClusters: [kops('x.corp.example.com', { subnets: [{ name: 'eu-west-1a' }] })] } },
      undecided: [SCOPE],
    },
    ...realdataCases(() => [
      { name: 'realdata: kops privatecalico', inventory: { aws: { kopsClusters: [kopsFromSpec('privatecalico')] } } },
      { name: 'realdata: kops private-shared-subnet (bastion in the utility subnet)', inventory: { aws: { kopsClusters: [kopsFromSpec('private-shared-subnet', { completed: true })] } } },
    ]),
  ],
  invalid: [
    {
      name: 'nodes moved to the Utility subnet (high), fix lists the Private subnet',
      inventory: { aws: { kopsClusters: [kops('k8s.corp.example.com', { instanceGroups: [{ name: 'nodes-eu-west-1a', role: 'Node', subnets: ['utility-eu-west-1a'], associatePublicIp: true }] })] } },
      findings: [{ resource: ID, severity: 'high', messageIncludes: ['Node instance group nodes-eu-west-1a', 'utility-eu-west-1a (Utility)', 'associatePublicIp true'] }],
    },
    {
      name: 'old spec with topology masters public (high)',
      inventory: { aws: { kopsClusters: [kops('old.corp.example.com', { subnets: [{ name: 'eu-west-1a', zone: 'eu-west-1a' }], topologyMasters: 'public', topologyNodes: 'private' })] } },
      findings: [{ resource: 'old.corp.example.com', severity: 'high', messageIncludes: ['ControlPlane instance group control-plane-eu-west-1a', 'topology ControlPlane public'] }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: kops minimal-aws runs control plane and nodes in its Public subnet (high)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('minimal-aws')] } },
        findings: [
          { resource: 'minimal-aws.example.com', severity: 'high', messageIncludes: ['Master instance group master-us-test-1a', 'us-test-1a (Public)'] },
          { resource: 'minimal-aws.example.com', severity: 'high', messageIncludes: 'Node instance group nodes' },
        ],
      },
      {
        name: 'realdata: kops complex puts master and nodes in the Public subnet beside a Private one (high)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('complex')] } },
        findings: [
          { resource: 's3://clusters.example.com/complex.example.com', severity: 'high', messageIncludes: 'Master instance group master-us-test-1a' },
          { resource: 's3://clusters.example.com/complex.example.com', severity: 'high', messageIncludes: 'Node instance group nodes' },
        ],
      },
    ]),
  ],
});
