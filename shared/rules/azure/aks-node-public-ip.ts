import { defineRule } from '../kit.js';
import { CLUSTER_TYPE, clusterFinding, where } from './topology.js';

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
      'Node public IPs cannot be switched off on an existing pool: add a pool without them (az aks nodepool add -g <rg> --cluster-name <cluster> -n <newpool> ...  without --enable-node-public-ip), move workloads (kubectl drain), then az aks nodepool delete -g <rg> --cluster-name <cluster> -n <pool>',
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
          }),
        ),
    );
  },
});
