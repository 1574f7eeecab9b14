import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import type { PublicIpAddress } from '../../../shared/model/inventory/azure.js';
import rule from '../../../shared/rules/azure/public-ip-in-node-rg.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { buildInventory, ruleTester } from '../../helpers/rule-tester.js';
import { cluster, lb, nodeRgOf, publicIp, SUB, SUB2 } from './builders.js';
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

describe('azure/public-ip-in-node-rg remediation follows what the IP is attached to', () => {
  const egressCluster = cluster('aks1', { outboundType: 'loadBalancer' });
  const svcIp = { ...publicIp('kubernetes-a1b2', { ipAddress: '20.1.2.4' }), tags: { 'k8s-azure-service': 'shop/storefront' } };
  const untaggedSvcIp = publicIp('kubernetes-c3d4', { ipAddress: '20.1.2.5' });
  const outIp = publicIp('outbound', { ipAddress: '20.1.2.3' });
  const orphan = publicIp('old', { ipAddress: '20.1.2.9' });
  const kube = lb('kubernetes', {
    frontends: [{ name: 'a1b2', publicIp: svcIp }, { name: 'c3d4', publicIp: untaggedSvcIp }, { name: 'fe-outbound', publicIp: outIp }],
    rules: { 'a1b2-TCP-443': ['a1b2'], 'c3d4-TCP-443': ['c3d4'] },
    outboundRules: { aksOutboundRule: ['fe-outbound'] },
  });
  const attach = (ip: PublicIpAddress, fe: number): PublicIpAddress => ({ ...ip, ipConfigurationId: kube.frontends[fe]?.id ?? '' });
  const findings = evaluateRules([rule], {
    inventory: buildInventory({ azure: { clusters: [egressCluster], loadBalancers: [kube], publicIps: [attach(svcIp, 0), attach(untaggedSvcIp, 1), attach(outIp, 2), orphan] } }),
    coverage: emptyCoverage(),
    config: configSchema.parse({}),
    now: new Date('2026-11-22T06:00:00Z'),
  }).findings;
  const of = (name: string): string => findings.find((f) => f.resource.name === name)?.remediation ?? '';

  it('a tagged Service IP: the annotate command for that namespace and Service', () => {
    expect(of('kubernetes-a1b2')).toContain('kubectl annotate service storefront -n shop service.beta.kubernetes.io/azure-load-balancer-internal=true --overwrite');
    expect(findings.find((f) => f.resource.name === 'kubernetes-a1b2')?.message).toContain('created for Service shop/storefront');
  });
  it('an untagged IP behind inbound rules is a Service, not egress', () => {
    expect(of('kubernetes-c3d4')).toContain('grep -w 20.1.2.5');
    expect(of('kubernetes-c3d4')).not.toContain('--outbound-type');
  });
  it('the outbound IP of a loadBalancer-egress cluster: switch the outbound type', () => {
    expect(of('outbound')).toContain(`az aks update --subscription ${SUB} -g rg-aks -n aks1 --outbound-type userDefinedRouting`);
  });
  it('an orphan: delete it by name', () => {
    expect(of('old')).toContain(`az network public-ip delete --subscription ${SUB} -g ${nodeRgOf('aks1')} -n old`);
  });
});
