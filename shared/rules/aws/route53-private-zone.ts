import type { AwsHostedZone, AwsVpc, KopsCluster } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, clusterList, lc, ref, VPC_TYPE, where } from './topology.js';

const bare = (name: string): string => lc(name.replace(/\.$/, ''));
/** `/hostedzone/Z123`, an ARN or `Z123` → `Z123`. */
const zoneIdOf = (zone: AwsHostedZone): string => zone.id.split('/').pop() ?? zone.id;

/** Gossip clusters (`*.k8s.local`, or DNS topology None) use no Route 53 zone at all. */
const isGossip = (k: KopsCluster): boolean => lc(k.name).endsWith('.k8s.local') || lc(k.dnsType ?? '') === 'none';

function matchesZone(zone: AwsHostedZone, dnsZone: string): boolean {
  return bare(zone.zoneName) === bare(dnsZone) || zoneIdOf(zone).toUpperCase() === dnsZone.split('/').pop()?.toUpperCase();
}

export default defineRule({
  meta: {
    id: 'aws/route53-private-zone',
    title: 'Cluster VPCs have a private hosted zone',
    severity: 'medium',
    category: 'dns',
    cloud: 'aws',
    resource: VPC_TYPE,
    description:
      "Fires (medium) for each EKS or kops cluster VPC with no Route 53 private hosted zone associated, and for a kops cluster VPC with `topology.dns.type: Private` that is not associated with the cluster's `dnsZone`. Gossip kops clusters (`*.k8s.local`, DNS topology None) need no zone.",
    risk: 'Cluster names (the kops API and etcd records, internal service names that on-prem resolves through Route 53 Resolver) are missing, or published only in a public zone that exposes private addresses.',
    remediation: 'aws route53 create-hosted-zone --name {zoneName} --vpc VPCRegion={region},VPCId={vpcId} --caller-reference airlock-{vpcId}',
    references: [
      'https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zones-private.html',
      'https://kops.sigs.k8s.io/topology/',
    ],
    needs: ['aws.vpcs', 'aws.hostedZones', 'aws.clusters', 'aws.kopsClusters', 'aws.subnets'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const index = awsIndex(inv.aws, ctx);
    const zonesByVpc = ctx.memo('aws.privateZonesByVpc', () => {
      const map = new Map<string, AwsHostedZone[]>();
      for (const z of inv.aws.hostedZones) {
        if (!z.privateZone) continue;
        for (const v of z.vpcIds) map.set(lc(v), [...(map.get(lc(v)) ?? []), z]);
      }
      return map;
    });
    const privateZonesByAccount = ctx.memo('aws.privateZonesByAccount', () => {
      const map = new Map<string, AwsHostedZone[]>();
      for (const z of inv.aws.hostedZones) if (z.privateZone) map.set(z.accountId, [...(map.get(z.accountId) ?? []), z]);
      return map;
    });
    const kopsByName = new Map(inv.aws.kopsClusters.map((k) => [lc(k.name), k]));
    const fix = (vpc: AwsVpc, zoneName: string, existing: AwsHostedZone | undefined): { remediation: string; data: Record<string, string> } =>
      existing
        ? { remediation: 'aws route53 associate-vpc-with-hosted-zone --hosted-zone-id {zoneId} --vpc VPCRegion={region},VPCId={vpcId}', data: { zoneId: zoneIdOf(existing), region: vpc.region, vpcId: vpc.id } }
        : { remediation: 'aws route53 create-hosted-zone --name {zoneName} --vpc VPCRegion={region},VPCId={vpcId} --caller-reference airlock-{vpcId}', data: { zoneName, region: vpc.region, vpcId: vpc.id } };

    for (const vpc of inv.aws.vpcs) {
      const clusters = index.clustersByVpc.get(lc(vpc.id)) ?? [];
      if (clusters.length === 0) continue;
      const kops = clusters.filter((c) => c.kind === 'kops').map((c) => kopsByName.get(lc(c.name))).filter((k): k is KopsCluster => k !== undefined);
      const needsAny = clusters.some((c) => c.kind !== 'kops') || kops.some((k) => !isGossip(k));
      const zones = zonesByVpc.get(lc(vpc.id)) ?? [];
      // A kops cluster with a private DNS topology needs its own dnsZone, not just any private zone.
      const wanted = kops.filter((k) => !isGossip(k) && lc(k.dnsType ?? '') === 'private' && k.dnsZone !== undefined && !zones.some((z) => matchesZone(z, k.dnsZone ?? '')));
      const first = wanted[0];
      if (first?.dnsZone !== undefined) {
        const dnsZone = first.dnsZone;
        const existing = inv.aws.hostedZones.find((z) => z.privateZone && matchesZone(z, dnsZone));
        out.push(
          ctx.finding({
            scope: vpc.scope,
            resource: ref(vpc, VPC_TYPE),
            message: `VPC ${where(vpc)} of ${clusterList(clusters)} is not associated with private hosted zone ${dnsZone} that kops cluster ${first.name} (topology.dns.type Private) publishes its API and etcd names in${existing ? ` (zone ${zoneIdOf(existing)} exists but is not associated)` : ''}`,
            evidence: { privateZones: zones.map((z) => z.zoneName).sort(), requiredZones: wanted.map((k) => k.dnsZone) },
            ...fix(vpc, bare(dnsZone), existing),
          }),
        );
        continue;
      }
      if (!needsAny || zones.length > 0) continue;
      const existing = (privateZonesByAccount.get(vpc.accountId) ?? []).slice().sort((a, b) => a.zoneName.localeCompare(b.zoneName))[0];
      const suggested = `${lc(clusters[0]?.name ?? vpc.id)}.${vpc.region}.internal`;
      out.push(
        ctx.finding({
          scope: vpc.scope,
          resource: ref(vpc, VPC_TYPE),
          message: `VPC ${where(vpc)} of ${clusterList(clusters)} has no Route 53 private hosted zone associated${existing ? ` (account ${vpc.accountId} has private zone ${existing.zoneName} on other VPCs)` : ''}`,
          evidence: { privateZones: [] },
          ...fix(vpc, suggested, existing),
        }),
      );
    }
    return out;
  },
});
