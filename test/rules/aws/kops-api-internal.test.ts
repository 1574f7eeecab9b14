import rule from '../../../shared/rules/aws/kops-api-internal.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { kops, SCOPE } from './builders.js';
import { kopsFromSpec, realdataCases } from './fixtures.js';

ruleTester.run(rule, {
  valid: [
    { name: 'Internal API load balancer', inventory: { aws: { kopsClusters: [kops()] } } },
    { name: 'api.dns with a private DNS topology', inventory: { aws: { kopsClusters: [kops('d.corp.example.com', { apiLoadBalancerType: undefined, apiDns: true, dnsType: 'Private' })] } } },
    { name: 'spec without any API section is undecided', inventory: { aws: { kopsClusters: [kops('n.corp.example.com', { apiLoadBalancerType: undefined })] } }, undecided: [SCOPE] },
    ...realdataCases(() => [
      { name: 'realdata: kops minimal-aws uses api.dns with a public topology (kops-private-topology covers it)', inventory: { aws: { kopsClusters: [kopsFromSpec('minimal-aws', { completed: true })] } } },
    ]),
  ],
  invalid: [
    {
      name: 'Public API load balancer limited to on-prem (medium)',
      inventory: { aws: { kopsClusters: [kops('k8s.corp.example.com', { apiLoadBalancerType: 'Public' })] } },
      findings: [{ resource: 'k8s.corp.example.com', severity: 'medium', messageIncludes: ['Public API load balancer', 'limited to 10.10.0.0/16', 'state store s3://corp-kops-state'] }],
    },
    {
      name: 'api.dns in the public zone of a private topology (medium)',
      inventory: { aws: { kopsClusters: [kops('d.corp.example.com', { apiLoadBalancerType: undefined, apiDns: true, dnsType: 'Public' })] } },
      findings: [{ resource: 'd.corp.example.com', severity: 'medium', messageIncludes: 'publishes its API through spec.api.dns in the public zone corp.example.com' }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: kops privatecalico puts a Public NLB open to 0.0.0.0/0 in front of the private control plane (high)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('privatecalico', { completed: true })] } },
        findings: [{ resource: 's3://clusters.example.com/privatecalico.example.com', severity: 'high', messageIncludes: 'open to 0.0.0.0/0' }],
      },
      {
        name: 'realdata: kops complex Public NLB limited to 1.1.1.0/24 and a prefix list (medium)',
        inventory: { aws: { kopsClusters: [kopsFromSpec('complex')] } },
        findings: [{ resource: 'complex.example.com', severity: 'medium', messageIncludes: 'limited to 1.1.1.0/24, pl-44444444' }],
      },
    ]),
  ],
});
