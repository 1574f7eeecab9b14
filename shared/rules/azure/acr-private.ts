import type { Severity } from '../../model/severity.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { lc, ref, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'azure/acr-private',
    title: 'Registries used by private clusters are private',
    severity: 'high',
    category: 'exposure',
    cloud: 'azure',
    resource: 'Microsoft.ContainerRegistry/registries',
    description:
      'Considers each container registry in a subscription that holds at least one private AKS cluster. Fires high when `publicNetworkAccess` is Enabled (or absent: the API default) or the admin user is enabled; medium when the only problem is a SKU without private endpoints (Basic or Standard; private endpoints need Premium). One finding per registry listing every problem.',
    risk: 'Images are pulled from, and can be pushed to, a registry reachable from the internet; an admin user is a shared static credential. Either defeats the private cluster that trusts the images.',
    remediation:
      'az acr update -n <registry> --sku Premium --admin-enabled false --public-network-enabled false, then add a private endpoint in the cluster VNet: az network private-endpoint create -g <rg> -n <registry>-pe --vnet-name <vnet> --subnet <subnet> --private-connection-resource-id <registry-id> --group-id registry --connection-name <registry>-pe (with a privatelink.azurecr.io zone linked to the VNet).',
    references: [
      'https://learn.microsoft.com/azure/container-registry/container-registry-private-link',
      'https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account',
      'https://learn.microsoft.com/azure/container-registry/container-registry-skus',
    ],
    needs: ['azure.registries', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const privateBySub = new Map<string, string[]>();
    for (const c of inv.azure.clusters.filter((x) => x.privateCluster)) privateBySub.set(lc(c.subscriptionId), [...(privateBySub.get(lc(c.subscriptionId)) ?? []), c.name]);
    for (const reg of inv.azure.registries) {
      const users = privateBySub.get(lc(reg.subscriptionId));
      if (users === undefined) continue;
      const problems: { text: string; severity: Severity }[] = [];
      const publicAccess = reg.publicNetworkAccess ?? 'Enabled';
      if (lc(publicAccess) === 'enabled') problems.push({ text: `public network access ${reg.publicNetworkAccess ?? 'Enabled (default)'}`, severity: 'high' });
      if (reg.adminUserEnabled) problems.push({ text: 'admin user enabled', severity: 'high' });
      if (lc(reg.sku) !== 'premium') problems.push({ text: `SKU ${reg.sku} cannot have private endpoints`, severity: 'medium' });
      if (problems.length === 0) continue;
      out.push(
        ctx.finding({
          scope: reg.scope,
          resource: ref(reg, 'Microsoft.ContainerRegistry/registries'),
          severity: problems.some((p) => p.severity === 'high') ? 'high' : 'medium',
          message: `container registry ${where(reg)}${reg.loginServer ? ` (${reg.loginServer})` : ''}, beside private AKS cluster${users.length === 1 ? '' : 's'} ${users.map((n) => `\`${n}\``).join(', ')}: ${problems.map((p) => p.text).join('; ')}`,
          evidence: {
            sku: reg.sku,
            publicNetworkAccess: reg.publicNetworkAccess ?? null,
            adminUserEnabled: reg.adminUserEnabled,
            privateEndpointConnections: reg.privateEndpointConnections,
          },
        }),
      );
    }
    return out;
  },
});
