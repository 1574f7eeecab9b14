import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, clusterList, clustersOf, effectiveTable, isActive, lc, ref, where } from './topology.js';

const INSTANCE_TYPE = 'AWS::EC2::Instance';

export default defineRule({
  meta: {
    id: 'aws/instance-public-ip',
    title: 'Cluster instances have no public IP',
    severity: 'high',
    category: 'exposure',
    cloud: 'aws',
    resource: INSTANCE_TYPE,
    description:
      "Fires (high) for each instance that is not terminated, has a public IPv4 address and belongs to a cluster: in an EKS or kops cluster's VPC, or tagged for a cluster (`kubernetes.io/cluster/<name>`, `eks:cluster-name`, `KubernetesCluster`). The message says whether the instance's subnet routes to an internet gateway, which makes the address reachable from the internet.",
    risk: 'A node or a bastion beside the cluster is addressable from the internet; with an internet gateway route, any port its security groups open is exposed.',
    remediation:
      'aws ec2 describe-addresses --region {region} --filters Name=instance-id,Values={instanceId} (an Elastic IP: aws ec2 disassociate-address --region {region} --association-id from that output); an address assigned at launch goes only with the instance: launch its replacement without one, then aws ec2 terminate-instances --region {region} --instance-ids {instanceId}',
    references: [
      'https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/using-instance-addressing.html#concepts-public-addresses',
      'https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html',
    ],
    needs: ['aws.instances', 'aws.subnets', 'aws.routeTables', 'aws.clusters', 'aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    for (const instance of inv.aws.instances) {
      if (!instance.publicIpAddress) continue;
      if (['terminated', 'shutting-down'].includes(lc(instance.state ?? ''))) continue;
      const subnet = instance.subnetId ? index.subnets.get(lc(instance.subnetId)) : undefined;
      const vpcId = instance.vpcId ?? subnet?.vpcId;
      const clusters = clustersOf(index, { vpcId, tags: instance.tags });
      if (clusters.length === 0) continue;
      const table = subnet ? effectiveTable(index, subnet)?.table : undefined;
      const igw = table?.routes.find((r) => isActive(r) && (r.gatewayId ?? '').startsWith('igw-'));
      const reach = igw
        ? `reachable from the internet: subnet ${subnet?.id ?? ''} routes ${igw.destinationCidrBlock ?? igw.destinationIpv6CidrBlock ?? ''} to ${igw.gatewayId ?? ''}`
        : `its subnet ${instance.subnetId ?? '(unknown)'} has no internet gateway route today`;
      out.push(
        ctx.finding({
          scope: instance.scope,
          resource: ref(instance, INSTANCE_TYPE),
          message: `instance ${where(instance)} in VPC ${vpcId ?? '(unknown)'} has public IP ${instance.publicIpAddress} (${reach}); it belongs to ${clusterList(clusters)}`,
          evidence: { publicIpAddress: instance.publicIpAddress, subnetId: instance.subnetId ?? null, internetGatewayRoute: igw?.gatewayId ?? null },
          data: { region: instance.region, instanceId: instance.id },
        }),
      );
    }
    return out;
  },
});
