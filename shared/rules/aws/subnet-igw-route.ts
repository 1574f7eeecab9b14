import type { AwsRoute } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, clusterList, clustersOf, effectiveTable, isActive, ref, SUBNET_TYPE, where } from './topology.js';

const destinationOf = (r: AwsRoute): string => r.destinationCidrBlock ?? r.destinationIpv6CidrBlock ?? '(no destination)';

function deleteRoute(r: AwsRoute): string {
  const flag = r.destinationCidrBlock !== undefined ? '--destination-cidr-block' : '--destination-ipv6-cidr-block';
  return `aws ec2 delete-route --region {region} --route-table-id {routeTableId} ${flag} ${destinationOf(r)}`;
}

export default defineRule({
  meta: {
    id: 'aws/subnet-igw-route',
    title: 'Cluster subnets do not route to an internet gateway',
    severity: 'high',
    category: 'egress',
    cloud: 'aws',
    resource: SUBNET_TYPE,
    description:
      "Fires (high) for each cluster subnet (a subnet in an EKS or kops cluster's VPC, or tagged for a cluster) whose route table (its explicit association, else the VPC's main table) has an active route to an internet gateway (`igw-...`). An internet gateway attached to the VPC with no route to it is fine: kops needs it attached. Undecided for a subnet whose VPC has no main route table in the inventory.",
    risk: 'Traffic from the subnet reaches the internet directly, bypassing the corporate proxy or firewall, and anything in it with a public IP is reachable from the internet.',
    remediation: 'aws ec2 delete-route --region {region} --route-table-id {routeTableId} --destination-cidr-block {destination}',
    references: [
      'https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Route_Tables.html',
      'https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html',
    ],
    needs: ['aws.subnets', 'aws.routeTables', 'aws.clusters', 'aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    for (const subnet of inv.aws.subnets) {
      const clusters = clustersOf(index, subnet);
      if (clusters.length === 0) continue;
      const effective = effectiveTable(index, subnet);
      if (!effective) {
        out.push(ctx.undecided(subnet.scope, `subnet ${subnet.id} has no route table association and VPC ${subnet.vpcId} has no main route table in the inventory`));
        continue;
      }
      const { table, explicit } = effective;
      const igwRoutes = table.routes.filter((r) => isActive(r) && (r.gatewayId ?? '').startsWith('igw-'));
      if (igwRoutes.length === 0) continue;
      const routes = igwRoutes.map((r) => `${destinationOf(r)} → ${r.gatewayId ?? ''}`);
      out.push(
        ctx.finding({
          scope: subnet.scope,
          resource: ref(subnet, SUBNET_TYPE),
          message: `subnet ${where(subnet)} in VPC ${subnet.vpcId} routes ${routes.join(', ')} through ${explicit ? 'its' : "the VPC's main"} route table ${table.id}; it serves ${clusterList(clusters)}`,
          evidence: { routeTableId: table.id, explicitAssociation: explicit, igwRoutes: routes },
          remediation: igwRoutes.map(deleteRoute).join(' && '),
          data: { region: subnet.region, routeTableId: table.id },
        }),
      );
    }
    return out;
  },
});
