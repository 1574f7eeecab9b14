import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, clusterList, clustersOf, ref, SUBNET_TYPE, where } from './topology.js';

export default defineRule({
  meta: {
    id: 'aws/subnet-auto-public-ip',
    title: 'Cluster subnets do not assign public IPs on launch',
    severity: 'medium',
    category: 'exposure',
    cloud: 'aws',
    resource: SUBNET_TYPE,
    description:
      "Fires (medium) for each cluster subnet (in an EKS or kops cluster's VPC, or tagged for a cluster) with `MapPublicIpOnLaunch` on: every node or instance launched there gets a public IPv4 address unless its launch template says otherwise.",
    risk: 'New nodes come up with public addresses; with an internet gateway route they are reachable from the internet, and each address is billed.',
    remediation: 'aws ec2 modify-subnet-attribute --region {region} --subnet-id {subnetId} --no-map-public-ip-on-launch',
    references: ['https://docs.aws.amazon.com/vpc/latest/userguide/subnet-public-ip.html'],
    needs: ['aws.subnets', 'aws.clusters', 'aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    for (const subnet of inv.aws.subnets) {
      if (!subnet.mapPublicIpOnLaunch) continue;
      const clusters = clustersOf(index, subnet);
      if (clusters.length === 0) continue;
      out.push(
        ctx.finding({
          scope: subnet.scope,
          resource: ref(subnet, SUBNET_TYPE),
          message: `subnet ${where(subnet)} (${subnet.cidrBlock}) in VPC ${subnet.vpcId} assigns a public IPv4 address to every instance launched in it (MapPublicIpOnLaunch true); it serves ${clusterList(clusters)}`,
          evidence: { mapPublicIpOnLaunch: true, vpcId: subnet.vpcId },
          data: { region: subnet.region, subnetId: subnet.id },
        }),
      );
    }
    return out;
  },
});
