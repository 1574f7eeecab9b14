import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterFinding, lc, where } from './topology.js';

const MANAGED = new Set(['systemassigned', 'userassigned']);

export default defineRule({
  meta: {
    id: 'azure/aks-identity',
    title: 'AKS uses a managed identity, not a service principal',
    severity: 'medium',
    category: 'identity',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description:
      'Fires (medium) for each AKS cluster whose `servicePrincipalProfile.clientId` is present and not `msi`, unless `identity.type` is SystemAssigned or UserAssigned (a managed identity takes precedence; sanitised recordings show a placeholder clientId beside it).',
    risk: "The service principal's secret is written to /etc/kubernetes/azure.json on every node: anyone with node or hostPath access can read it and act as the cluster in Azure, and it expires and must be rotated by hand.",
    remediation:
      'Move the cluster to a managed identity: az aks update --subscription {subscription} -g {resourceGroup} -n {cluster} --enable-managed-identity, then move the kubelet too by re-imaging the nodes: az aks upgrade --subscription {subscription} -g {resourceGroup} -n {cluster} --node-image-only. Then retire service principal {servicePrincipal}: list its secrets (az ad app credential list --id {servicePrincipal}) and, once nothing else uses it, az ad sp delete --id {servicePrincipal}.',
    references: ['https://learn.microsoft.com/azure/aks/use-managed-identity', 'https://learn.microsoft.com/azure/aks/kubernetes-service-principal'],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters
      .filter((c) => c.servicePrincipalClientId !== undefined && c.servicePrincipalClientId !== '' && lc(c.servicePrincipalClientId) !== 'msi')
      .filter((c) => c.identityType === undefined || !MANAGED.has(lc(c.identityType)))
      .map((c) =>
        clusterFinding(ctx, c, {
          message: `AKS cluster ${where(c)} authenticates to Azure with service principal ${c.servicePrincipalClientId ?? ''} (identity ${c.identityType ?? 'none'}), whose secret sits on every node`,
          evidence: { servicePrincipalClientId: c.servicePrincipalClientId ?? null, identityType: c.identityType ?? null },
          data: { ...clusterData(c), servicePrincipal: c.servicePrincipalClientId ?? '' },
        }),
      );
  },
});
