import type { AwsSubnet } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, clusterList, effectiveTable, lc, missingEndpoints, PRIVATE_ENDPOINTS, ref, vpcEgressRoute, VPC_TYPE, where, type AwsIndex, type MissingEndpoint } from './topology.js';

/** One subnet per Availability Zone (interface endpoints take at most one per zone), cluster subnets first. */
function endpointSubnets(index: AwsIndex, vpcId: string): AwsSubnet[] {
  const candidates = [...(index.clusterSubnetsByVpc.get(lc(vpcId)) ?? []), ...(index.subnetsByVpc.get(lc(vpcId)) ?? [])];
  const byZone = new Map<string, AwsSubnet>();
  for (const s of candidates) {
    const zone = s.availabilityZone ?? s.id;
    if (!byZone.has(zone)) byZone.set(zone, s);
  }
  return [...byZone.values()];
}

function command(m: MissingEndpoint, type: 'Interface' | 'Gateway'): string {
  if (m.withoutPrivateDns) return `aws ec2 modify-vpc-endpoint --region {region} --vpc-endpoint-id ${m.withoutPrivateDns.id} --private-dns-enabled`;
  if (type === 'Gateway') return `aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Gateway --service-name com.amazonaws.{region}.${m.service} --route-table-ids {routeTableIds}`;
  return `aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Interface --service-name com.amazonaws.{region}.${m.service} --subnet-ids {subnetIds} --private-dns-enabled`;
}

export default defineRule({
  meta: {
    id: 'aws/vpc-endpoints',
    title: 'Cluster VPCs without an egress path have the VPC endpoints a private cluster needs',
    severity: 'medium',
    category: 'egress',
    cloud: 'aws',
    resource: VPC_TYPE,
    description:
      "Fires (medium) for each EKS or kops cluster VPC that has no other egress path and lacks a usable VPC endpoint for any of `ecr.api`, `ecr.dkr`, `sts`, `logs` (interface endpoints, with private DNS) and `s3` (gateway). An egress path is a default route (0.0.0.0/0 or ::/0) on a subnet's route table to an internet gateway, NAT gateway, Transit Gateway or NAT instance, a VPC listed in `clouds.aws.egressProxyVpcs`, or a kops cluster in the VPC with `egressProxy`. The message names the missing endpoints; an interface endpoint without private DNS counts as missing.",
    risk: 'Nodes cannot pull images from ECR, assume IAM roles for service accounts or ship logs: new nodes fail to join and pods stay in ImagePullBackOff.',
    remediation:
      'aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Interface --service-name com.amazonaws.{region}.ecr.api --subnet-ids {subnetIds} --private-dns-enabled (likewise ecr.dkr, sts, logs) && aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Gateway --service-name com.amazonaws.{region}.s3 --route-table-ids {routeTableIds}',
    references: [
      'https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html',
      'https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html',
    ],
    needs: ['aws.vpcs', 'aws.subnets', 'aws.routeTables', 'aws.vpcEndpoints', 'aws.clusters', 'aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    const proxyVpcs = new Set((ctx.config.clouds.aws?.egressProxyVpcs ?? []).map(lc));
    const kopsProxy = new Set(inv.aws.kopsClusters.filter((k) => k.egressProxy).map((k) => lc(k.name)));
    for (const vpc of inv.aws.vpcs) {
      const clusters = index.clustersByVpc.get(lc(vpc.id)) ?? [];
      if (clusters.length === 0) continue;
      if (proxyVpcs.has(lc(vpc.id)) || clusters.some((c) => c.kind === 'kops' && kopsProxy.has(lc(c.name)))) continue;
      if (vpcEgressRoute(index, vpc.id)) continue;
      const missing = missingEndpoints(index, vpc.id, PRIVATE_ENDPOINTS.map((e) => e.service));
      if (missing.length === 0) continue;
      const subnets = endpointSubnets(index, vpc.id);
      const tables = [...new Set(subnets.map((s) => effectiveTable(index, s)?.table.id).filter((t): t is string => t !== undefined))];
      const typeOf = (service: string): 'Interface' | 'Gateway' => PRIVATE_ENDPOINTS.find((e) => e.service === service)?.type ?? 'Interface';
      const describe = missing.map((m) => (m.withoutPrivateDns ? `${m.service} (${m.withoutPrivateDns.id} has private DNS off)` : m.service));
      out.push(
        ctx.finding({
          scope: vpc.scope,
          resource: ref(vpc, VPC_TYPE),
          message: `VPC ${where(vpc)} of ${clusterList(clusters)} has no egress path (no default route to an internet gateway, NAT gateway or Transit Gateway, no proxy) and no usable VPC endpoint for ${describe.join(', ')}`,
          evidence: { missingEndpoints: missing.map((m) => m.service), egressRoute: null },
          remediation: missing.map((m) => command(m, typeOf(m.service))).join(' && '),
          data: { region: vpc.region, vpcId: vpc.id, subnetIds: subnets.map((s) => s.id).join(' '), routeTableIds: tables.join(' ') },
        }),
      );
    }
    return out;
  },
});
