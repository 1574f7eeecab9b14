import type { KopsCluster, KopsSubnet } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, effectiveTable, egressRoute, KOPS_TYPE, kopsRef, kopsSubnetRecord, kopsVpcId, kopsWhere, lc, missingEndpoints, routeTarget } from './topology.js';

/** Endpoints that let nodes without internet egress pull images and authenticate. */
const KOPS_ENDPOINTS = ['ecr.api', 'ecr.dkr', 's3', 'sts'];

const declaresEgress = (s: KopsSubnet): boolean => /^(nat|i|tgw|eigw)-/.test(s.egress ?? '');

function isPrivateSubnet(cluster: KopsCluster, s: KopsSubnet): boolean {
  if (s.type !== undefined) return lc(s.type) === 'private';
  return lc(cluster.topologyNodes ?? '') === 'private' || lc(cluster.topologyMasters ?? '') === 'private';
}

const UPDATE = 'kops update cluster --name {cluster} --state {stateStore} --yes';

export default defineRule({
  meta: {
    id: 'aws/kops-egress',
    title: 'kops private subnets have an egress path',
    severity: 'medium',
    category: 'egress',
    cloud: 'aws',
    resource: KOPS_TYPE,
    description:
      "Fires (medium) for each Private subnet of a kops cluster with no way out: no `egress` NAT gateway, NAT instance or Transit Gateway in the spec, no `egressProxy` on the cluster, the VPC not in `clouds.aws.egressProxyVpcs`, no usable VPC endpoints for ecr.api, ecr.dkr, s3 and sts in the cluster's VPC, and no default route on the subnet's route table in the inventory. A subnet with no `egress` that kops creates gets a kops-managed NAT gateway, so it fires only when its route table in the inventory has no default route; `egress: External` and shared subnets (`id`) without egress fire unless the inventory shows a default route.",
    risk: 'Nodes in the subnet cannot pull images, reach the EC2/STS APIs or join the cluster: the instance group never becomes ready and rolling updates stall.',
    remediation: `kops edit cluster --name {cluster} --state {stateStore} (set egress: {natGatewayId} on subnet {subnet}) && ${UPDATE}`,
    references: ['https://kops.sigs.k8s.io/run_in_existing_vpc/', 'https://kops.sigs.k8s.io/cluster_spec/#egressproxy', 'https://kops.sigs.k8s.io/topology/'],
    needs: ['aws.kopsClusters', 'aws.subnets', 'aws.routeTables', 'aws.vpcEndpoints', 'aws.natGateways'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    const proxyVpcs = new Set((ctx.config.clouds.aws?.egressProxyVpcs ?? []).map(lc));
    const natsByVpc = ctx.memo('aws.availableNatsByVpc', () => {
      const map = new Map<string, string[]>();
      for (const n of inv.aws.natGateways) if (n.state === undefined || lc(n.state) === 'available') map.set(lc(n.vpcId), [...(map.get(lc(n.vpcId)) ?? []), n.id]);
      return map;
    });
    for (const cluster of inv.aws.kopsClusters) {
      if (cluster.egressProxy) continue;
      const vpcId = kopsVpcId(index, cluster);
      if (vpcId && proxyVpcs.has(lc(vpcId))) continue;
      if (vpcId && missingEndpoints(index, vpcId, KOPS_ENDPOINTS).length === 0) continue;
      for (const subnet of cluster.subnets) {
        if (!isPrivateSubnet(cluster, subnet) || declaresEgress(subnet)) continue;
        const record = kopsSubnetRecord(index, cluster, subnet);
        const table = record ? effectiveTable(index, record)?.table : undefined;
        const route = table ? egressRoute(table.routes) : undefined;
        if (route) continue;
        const kopsManaged = subnet.egress === undefined && subnet.id === undefined;
        if (kopsManaged && !record) continue;
        const why = record
          ? `its route table ${table?.id ?? '(none)'} has no default route${table ? ` (routes: ${table.routes.map((r) => `${r.destinationCidrBlock ?? r.destinationIpv6CidrBlock ?? '?'} → ${routeTarget(r) ?? 'local'}`).join(', ') || 'none'})` : ''}`
          : subnet.egress !== undefined
            ? `egress is ${subnet.egress}, so kops adds no route`
            : `shared subnet ${subnet.id ?? ''} has no egress and kops does not manage its routes`;
        const missing = vpcId ? missingEndpoints(index, vpcId, KOPS_ENDPOINTS).map((m) => m.service) : KOPS_ENDPOINTS;
        const nat = vpcId ? natsByVpc.get(lc(vpcId))?.[0] : undefined;
        const data: Record<string, string> = { cluster: cluster.name, stateStore: cluster.stateStore, subnet: subnet.name };
        let remediation: string;
        if (nat) {
          remediation = `kops edit cluster --name {cluster} --state {stateStore} (set egress: {natGatewayId} on subnet {subnet}) && ${UPDATE}`;
          data['natGatewayId'] = nat;
        } else if (vpcId && record) {
          remediation = missing
            .map((s) =>
              s === 's3'
                ? `aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Gateway --service-name com.amazonaws.{region}.s3 --route-table-ids ${table?.id ?? ''}`
                : `aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Interface --service-name com.amazonaws.{region}.${s} --subnet-ids {subnetId} --private-dns-enabled`,
            )
            .join(' && ');
          Object.assign(data, { region: cluster.region, vpcId, subnetId: record.id });
        } else {
          remediation = `kops edit cluster --name {cluster} --state {stateStore} (remove egress: External from subnet {subnet} so kops creates a NAT gateway, or set spec.egressProxy) && ${UPDATE}`;
        }
        out.push(
          ctx.finding({
            scope: cluster.scope,
            resource: kopsRef(cluster),
            discriminator: subnet.name,
            message: `${kopsWhere(cluster)}: Private subnet ${subnet.name}${record ? ` (${record.id})` : ''} has no egress path: ${why}; no egressProxy, and VPC ${vpcId ?? '(not found)'} lacks endpoints for ${missing.join(', ')}`,
            evidence: { subnet: subnet.name, egress: subnet.egress ?? null, missingEndpoints: missing },
            remediation,
            data,
          }),
        );
      }
    }
    return out;
  },
});
