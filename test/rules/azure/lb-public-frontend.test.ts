import { describe, expect, it } from 'vitest';
import { configSchema } from '../../../shared/config/schema.js';
import { emptyCoverage } from '../../../shared/model/coverage.js';
import rule from '../../../shared/rules/azure/lb-public-frontend.js';
import { evaluateRules } from '../../../shared/rules/kit.js';
import { buildInventory, ruleTester } from '../../helpers/rule-tester.js';
import { AKS_SUBNET_ID, cluster, lb, nodeRgOf, pool, publicIp, SUB, subnetId } from './builders.js';
import { clusterFromArm, listValues, loadBalancerFromArm, publicIpFromArm, readJson, realdataCases, specBody } from './fixtures.js';

const aks1 = cluster('aks1');
const outboundIp = publicIp('kubernetes-outbound', { ipAddress: '20.1.2.3' });
const serviceIp = publicIp('kubernetes-a1b2c3', { ipAddress: '20.1.2.4' });
// What AKS builds for outboundType loadBalancer: a public frontend used only by the outbound rule.
const egressOnly = lb('kubernetes', { frontends: [{ name: 'fe-outbound', publicIp: outboundIp }], outboundRules: { aksOutboundRule: ['fe-outbound'] } });

const C7N = 'cloud-custodian/azure/derived-bodies';

ruleTester.run(rule, {
  valid: [
    { name: 'outbound-only public frontend of the kubernetes LB (aks-egress-bypass covers it)', inventory: { azure: { clusters: [aks1], loadBalancers: [egressOnly], publicIps: [outboundIp] } } },
    {
      name: 'internal LB in the cluster subnet with rules',
      inventory: { azure: { clusters: [aks1], loadBalancers: [lb('kubernetes-internal', { frontends: [{ name: 'fe-int', subnetId: AKS_SUBNET_ID, privateIpAddress: '10.20.1.100' }], rules: { 'a1b2-TCP-443': ['fe-int'] } })] } },
    },
    {
      name: 'public LB with rules that serves no cluster',
      inventory: { azure: { clusters: [aks1], loadBalancers: [lb('web', { rg: 'rg-web', frontends: [{ name: 'fe', publicIp: publicIp('web-ip', { rg: 'rg-web' }) }], rules: { http: ['fe'] } })] } },
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n public frontends without any inbound rule, in the node RG',
        inventory: {
          azure: {
            clusters: [cluster('acs', { sub: 'ea42f556-5106-4743-99b0-c129bfa71a47', nodeResourceGroup: 'test_load-balancer', agentPools: [pool('system', { vnetSubnetId: undefined })] })],
            loadBalancers: listValues(readJson(`${C7N}/loadBalancers-list-public-frontend-plus-publicIP-get.interaction0.body.json`)).map(loadBalancerFromArm),
            publicIps: [publicIpFromArm(readJson(`${C7N}/loadBalancers-list-public-frontend-plus-publicIP-get.interaction2.body.json`))],
          },
        },
      },
      {
        name: 'realdata: spec LoadBalancerGet, internal frontend in the cluster subnet with LB and NAT rules',
        inventory: {
          azure: {
            clusters: [cluster('c', { sub: 'subid', agentPools: [pool('system', { vnetSubnetId: '/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/virtualNetworks/vnetlb/subnets/subnetlb' })] })],
            loadBalancers: [loadBalancerFromArm(specBody('network/LoadBalancerGet.2024-03-01.json'))],
          },
        },
      },
    ]),
  ],
  invalid: [
    {
      name: 'tenant Service of type LoadBalancer adds a public frontend with a rule to the kubernetes LB',
      inventory: {
        azure: {
          clusters: [aks1],
          publicIps: [outboundIp, serviceIp],
          loadBalancers: [
            lb('kubernetes', {
              frontends: [{ name: 'fe-outbound', publicIp: outboundIp }, { name: 'a1b2c3', publicIp: serviceIp }],
              outboundRules: { aksOutboundRule: ['fe-outbound'] },
              rules: { 'a1b2c3-TCP-80': ['a1b2c3'], 'a1b2c3-TCP-443': ['a1b2c3'] },
            }),
          ],
        },
      },
      findings: [{ resource: 'kubernetes', severity: 'critical', messageIncludes: [`\`kubernetes\` in \`${nodeRgOf('aks1')}\``, 'public frontend a1b2c3 (20.1.2.4) with 2 inbound rules', 'aks1'] }],
    },
    {
      name: 'inbound NAT rule on a public LB outside the node RG but with a frontend in the cluster VNet',
      inventory: {
        azure: {
          clusters: [aks1],
          loadBalancers: [
            lb('lb-jump', {
              rg: 'rg-net',
              frontends: [{ name: 'fe-priv', subnetId: subnetId('rg-net', 'vnet-spoke', 'snet-other') }, { name: 'fe-pub', publicIp: publicIp('jump', { rg: 'rg-net' }) }],
              natRules: { ssh: ['fe-pub'] },
            }),
          ],
        },
      },
      findings: [{ resource: 'lb-jump', messageIncludes: ['fe-pub', '1 inbound rule (ssh)', '/publicIPAddresses/jump'] }],
    },
    ...realdataCases(() => [
      {
        name: 'realdata: c7n ACS k8s master behind a public LB frontend (40.84.199.78), internal LB beside it',
        inventory: {
          azure: {
            clusters: [cluster('acs', { sub: 'ea42f556-5106-4743-99b0-c129bfa71a47', nodeResourceGroup: 'test_containerservice', agentPools: [pool('system', { vnetSubnetId: undefined })] })],
            loadBalancers: listValues(readJson(`${C7N}/loadBalancers-list-internal-and-public.interaction0.body.json`)).map(loadBalancerFromArm),
            publicIps: listValues(readJson(`${C7N}/publicIPAddresses-list.interaction0.body.json`)).map(publicIpFromArm),
          },
        },
        findings: [{ resource: 'k8s-master-lb-C02B7042', severity: 'critical' as const, messageIncludes: ['k8s-master-lbFrontEnd-C02B7042 (40.84.199.78) with 2 inbound rules', 'LBRuleHTTPS', 'SSH-k8s-master-C02B7042-0'] }],
      },
      {
        name: 'realdata: azure-cli recorded private cluster whose node RG gets a public Service',
        inventory: (() => {
          const c = clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'));
          const rg = c.nodeResourceGroup ?? '';
          const ip = publicIp('kubernetes-svc', { rg, sub: c.subscriptionId, ipAddress: '20.9.9.9' });
          return { azure: { clusters: [c], publicIps: [ip], loadBalancers: [lb('kubernetes', { rg, sub: c.subscriptionId, frontends: [{ name: 'svc', publicIp: ip }], rules: { 'svc-TCP-80': ['svc'] } })] } };
        })(),
        findings: [{ resource: 'kubernetes', messageIncludes: 'MC_clitest000001_cliakstest000001_westus2' }],
      },
    ]),
  ],
});

const remediationOf = (inventory: Parameters<typeof buildInventory>[0]): string[] =>
  evaluateRules([rule], { inventory: buildInventory(inventory), coverage: emptyCoverage(), config: configSchema.parse({}), now: new Date('2026-11-22T06:00:00Z') }).findings.map((f) => f.remediation);

describe('azure/lb-public-frontend remediation', () => {
  it('names the Service from the k8s-azure-service tag and gives the exact annotate command', () => {
    const tagged = { ...serviceIp, tags: { 'k8s-azure-service': 'shop/storefront' } };
    const [text] = remediationOf({
      azure: { clusters: [aks1], publicIps: [tagged], loadBalancers: [lb('kubernetes', { frontends: [{ name: 'a1b2c3', publicIp: tagged }], rules: { 'a1b2c3-TCP-443': ['a1b2c3'] } })] },
    });
    expect(text).toContain(`az aks get-credentials --subscription ${SUB} -g rg-aks -n aks1`);
    expect(text).toContain('kubectl annotate service storefront -n shop service.beta.kubernetes.io/azure-load-balancer-internal=true --overwrite');
    expect(text).toContain('kubernetes-a1b2c3');
  });

  it('without the tag, finds the owner by address and names the rules to delete', () => {
    const [text] = remediationOf({
      azure: { clusters: [aks1], publicIps: [serviceIp], loadBalancers: [lb('kubernetes', { frontends: [{ name: 'a1b2c3', publicIp: serviceIp }], natRules: { ssh: ['a1b2c3'] } })] },
    });
    expect(text).toContain('grep -w 20.1.2.4');
    expect(text).toContain(`az network lb inbound-nat-rule delete --subscription ${SUB} -g ${nodeRgOf('aks1')} --lb-name kubernetes -n ssh`);
    expect(text).not.toContain('kubectl annotate');
  });
});
