import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterData, clusterFinding, where } from './topology.js';

/** Linux pool names are at most 12 lower-case letters and digits: the replacement keeps the old name's stem. */
function replacementName(pool: string): string {
  const stem = pool.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 11);
  return `${stem.length > 0 ? stem : 'pool'}2`;
}

export default defineRule({
  meta: {
    id: 'azure/aks-node-public-ip',
    title: 'AKS nodes have no public IPs',
    severity: 'high',
    category: 'exposure',
    cloud: 'azure',
    resource: CLUSTER_TYPE,
    description: 'Fires (high) for each agent pool with `enableNodePublicIP: true`: every node of the pool gets its own public IP. One finding per pool.',
    risk: 'Each node is reachable from, and egresses directly to, the internet on its own address, bypassing the firewall and any network security the private estate relies on.',
    remediation:
      'Node public IPs cannot be switched off on an existing pool: add a pool without them, with the old one\'s size and count (az aks nodepool show --subscription {subscription} -g {resourceGroup} --cluster-name {cluster} -n {pool} --query "[vmSize, count]"): az aks nodepool add --subscription {subscription} -g {resourceGroup} --cluster-name {cluster} -n {newPool} --mode {mode}{subnetArg} --node-vm-size "$VM_SIZE" --node-count "$NODE_COUNT"; move the workloads (az aks get-credentials --subscription {subscription} -g {resourceGroup} -n {cluster} && kubectl cordon -l agentpool={pool} && kubectl drain -l agentpool={pool} --ignore-daemonsets --delete-emptydir-data), then az aks nodepool delete --subscription {subscription} -g {resourceGroup} --cluster-name {cluster} -n {pool}',
    references: ['https://learn.microsoft.com/azure/aks/use-node-public-ips'],
    needs: ['azure.clusters'],
  },
  evaluate(inv, ctx) {
    return inv.azure.clusters.flatMap((c) =>
      c.agentPools
        .filter((p) => p.enableNodePublicIp)
        .map((p) =>
          clusterFinding(ctx, c, {
            discriminator: p.name,
            message: `agent pool \`${p.name}\` of AKS cluster ${where(c)} has enableNodePublicIP: every node gets a public IP`,
            evidence: { agentPool: p.name, enableNodePublicIp: true },
            data: { ...clusterData(c), pool: p.name, newPool: replacementName(p.name), mode: p.mode ?? 'User', subnetArg: p.vnetSubnetId ? ` --vnet-subnet-id ${p.vnetSubnetId}` : '' },
          }),
        ),
    );
  },
});
