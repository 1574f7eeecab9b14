import type { AksCluster, ContainerRegistry } from '../../model/inventory/azure.js';
import type { Severity } from '../../model/severity.js';
import type { RuleContext, RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { azureIndex, clusterVnetIds, lc, ref, where } from './topology.js';

const TEMPLATE =
  'Upgrade to Premium, give the registry a private endpoint in the cluster VNet, then close public access and the admin user: az acr update --subscription {subscription} -g {resourceGroup} -n {registry} --sku Premium && az network private-endpoint create --subscription {subscription} -g {resourceGroup} -n {registry}-pe --subnet {subnetId} --private-connection-resource-id {registryId} --group-id registry --connection-name {registry}-pe (with a privatelink.azurecr.io zone linked to the VNet) && az acr update --subscription {subscription} -g {resourceGroup} -n {registry} --public-network-enabled false --admin-enabled false';

/** A subnet of a private cluster's VNet to put the registry's private endpoint in: its node subnet, else a subnet of its VNet. */
function endpointSubnet(ctx: RuleContext, inv: Parameters<typeof clusterVnetIds>[1], clusters: readonly AksCluster[]): string {
  for (const c of clusters) {
    const nodeSubnet = c.agentPools.find((p) => p.vnetSubnetId !== undefined)?.vnetSubnetId;
    if (nodeSubnet !== undefined) return nodeSubnet;
    for (const id of clusterVnetIds(c, inv, ctx)) {
      const subnet = azureIndex.vnetsById(ctx, inv).get(id)?.subnets[0];
      if (subnet) return subnet.id;
    }
  }
  return '"$SUBNET_ID"';
}

/** Only the steps the evidence calls for, in an order that never cuts the clusters off their images. */
function remediationFor(reg: ContainerRegistry, subnetId: string, publicAccess: boolean): string {
  const target = `--subscription ${reg.subscriptionId} -g ${reg.resourceGroup} -n ${reg.name}`;
  const steps: string[] = [];
  if (lc(reg.sku) !== 'premium') steps.push(`az acr update ${target} --sku Premium`);
  if (reg.privateEndpointConnections === 0) {
    steps.push(
      `az network private-endpoint create --subscription ${reg.subscriptionId} -g ${reg.resourceGroup} -n ${reg.name}-pe --subnet ${subnetId} --private-connection-resource-id ${reg.id} --group-id registry --connection-name ${reg.name}-pe (with a privatelink.azurecr.io zone linked to the cluster VNets)`,
    );
  }
  const close = [...(publicAccess ? ['--public-network-enabled false'] : []), ...(reg.adminUserEnabled ? ['--admin-enabled false'] : [])];
  if (close.length > 0) steps.push(`az acr update ${target} ${close.join(' ')}`);
  const note = subnetId.startsWith('"$') ? ' (SUBNET_ID: a subnet of the cluster VNet)' : '';
  return `Fix the registry in this order${note}: ${steps.join(' && ')}`;
}

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
    remediation: TEMPLATE,
    references: [
      'https://learn.microsoft.com/azure/container-registry/container-registry-private-link',
      'https://learn.microsoft.com/azure/container-registry/container-registry-authentication#admin-account',
      'https://learn.microsoft.com/azure/container-registry/container-registry-skus',
    ],
    needs: ['azure.registries', 'azure.clusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const privateBySub = new Map<string, AksCluster[]>();
    for (const c of inv.azure.clusters) if (c.privateCluster) privateBySub.set(lc(c.subscriptionId), [...(privateBySub.get(lc(c.subscriptionId)) ?? []), c]);
    for (const reg of inv.azure.registries) {
      const clusters = privateBySub.get(lc(reg.subscriptionId));
      if (clusters === undefined) continue;
      const users = clusters.map((c) => c.name);
      const problems: { text: string; severity: Severity }[] = [];
      const publicAccess = lc(reg.publicNetworkAccess ?? 'Enabled') === 'enabled';
      if (publicAccess) problems.push({ text: `public network access ${reg.publicNetworkAccess ?? 'Enabled (default)'}`, severity: 'high' });
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
          remediation: remediationFor(reg, endpointSubnet(ctx, inv.azure, clusters), publicAccess),
        }),
      );
    }
    return out;
  },
});
