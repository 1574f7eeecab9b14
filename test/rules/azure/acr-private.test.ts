import rule from '../../../shared/rules/azure/acr-private.js';
import { ruleTester } from '../../helpers/rule-tester.js';
import { cluster, registry, SUB2 } from './builders.js';
import { clusterFromArm, readJson, realdataCases } from './fixtures.js';

const priv = cluster('aks1');
const pub = cluster('pub', { privateCluster: false });

ruleTester.run(rule, {
  valid: [
    { name: 'Premium, private, no admin user', inventory: { azure: { clusters: [priv], registries: [registry('acrprod')] } } },
    { name: 'open registry in a subscription with only public clusters', inventory: { azure: { clusters: [pub], registries: [registry('acrpub', { sku: 'Basic', publicNetworkAccess: 'Enabled', adminUserEnabled: true })] } } },
    { name: 'open registry in another subscription than the private cluster', inventory: { azure: { clusters: [priv], registries: [registry('acrother', { sub: SUB2, sku: 'Standard', publicNetworkAccess: 'Enabled' })] } } },
  ],
  invalid: [
    {
      name: 'public network access and admin user: high, one finding listing both',
      inventory: { azure: { clusters: [priv, pub], registries: [registry('acr1', { publicNetworkAccess: 'Enabled', adminUserEnabled: true }), registry('acrok')] } },
      findings: [{ resource: 'acr1', severity: 'high', messageIncludes: ['public network access Enabled', 'admin user enabled', 'acr1.azurecr.io', 'beside private AKS cluster `aks1`:'] }],
    },
    { name: 'publicNetworkAccess absent means the default Enabled', inventory: { azure: { clusters: [priv], registries: [registry('acr2', { publicNetworkAccess: undefined })] } }, findings: [{ resource: 'acr2', severity: 'high', messageIncludes: 'Enabled (default)' }] },
    {
      name: 'Standard SKU, public access disabled: medium',
      inventory: { azure: { clusters: [priv], registries: [registry('acr3', { sku: 'Standard', privateEndpointConnections: 0 })] } },
      findings: [{ resource: 'acr3', severity: 'medium', messageIncludes: 'SKU Standard cannot have private endpoints' }],
    },
    {
      name: 'Basic SKU with public access: high',
      inventory: { azure: { clusters: [priv], registries: [registry('acr4', { sku: 'Basic', publicNetworkAccess: 'Enabled' })] } },
      findings: [{ resource: 'acr4', severity: 'high', messageIncludes: ['SKU Basic', 'public network access'] }],
    },
    ...realdataCases(() => {
      const c = clusterFromArm(readJson('azure-cli/aks-managedClusters-get-PRIVATE-with-publicFQDN-recorded.body.json'));
      return [{ name: 'realdata: azure-cli recorded private cluster makes its subscription private', inventory: { azure: { clusters: [c], registries: [registry('cliacr', { sub: c.subscriptionId, adminUserEnabled: true })] } }, findings: [{ resource: 'cliacr', severity: 'high' as const }] }];
    }),
  ],
});
