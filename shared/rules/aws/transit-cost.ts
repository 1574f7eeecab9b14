import { normaliseToMonth, round2, windowDays } from '../../cost/estimate.js';
import type { AwsTransferCost } from '../../model/inventory/aws.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, effectiveTable, lc, missingEndpoints, routeTarget } from './topology.js';

const TYPE = { 'transit-gateway': 'AWS::EC2::TransitGateway', 'nat-gateway': 'AWS::EC2::NatGateway' } as const;
const LABEL = { 'transit-gateway': 'Transit Gateway', 'nat-gateway': 'NAT gateway' } as const;

const NAT_BYTES =
  'aws cloudwatch get-metric-statistics --region {region} --namespace AWS/NATGateway --metric-name BytesOutToDestination --dimensions Name=NatGatewayId,Value={gatewayId} --start-time {periodStart} --end-time {periodEnd} --period 86400 --statistics Sum (find when and from where the volume comes, then move AWS-service traffic to VPC endpoints)';
/** A Transit Gateway's own bytes: the per-gateway truth behind a cost figure that is a share of the region's. */
const TGW_BYTES =
  'aws cloudwatch get-metric-statistics --region {region} --namespace AWS/TransitGateway --metric-name BytesIn --dimensions Name=TransitGateway,Value={gatewayId} --start-time {periodStart} --end-time {periodEnd} --period 86400 --statistics Sum (this gateway\'s own volume; the cost figure is a share of the region\'s), then aws ec2 describe-transit-gateway-attachments --region {region} --filters Name=transit-gateway-id,Values={gatewayId} (find the attachments carrying the traffic; peer the busiest VPC pair directly or keep S3/ECR traffic on VPC endpoints)';

export default defineRule({
  meta: {
    id: 'aws/transit-cost',
    title: 'Transit Gateway and NAT data processing stay below the threshold',
    severity: 'low',
    category: 'cost',
    cloud: 'aws',
    resource: 'AWS::EC2::TransitGateway | AWS::EC2::NatGateway',
    description:
      "Fires (low, cost) for each Transit Gateway or NAT gateway whose data-processing charges in Cost Explorer (the inventory's transfer costs, summed per gateway over the window and normalised to 30 days) exceed `cost.transitMonthlyThreshold` (USD per month). Charges in another currency than USD leave the scope undecided. Cost Explorer's data-processing usage types (`EUW1-NatGateway-Bytes`, `USE1-TransitGateway-Bytes`) name the region, not the gateway, and the collector groups by usage type: where a region has several gateways of a kind, each gets an even share of the region's charge, and the threshold is compared with that share. The finding says so (message, and evidence `attribution: region-split` with the number of gateways and the region's total); a gateway alone in its region carries the region's whole charge (`attribution: only-gateway-in-region`). For a split figure the remediation starts with the gateway's own CloudWatch byte count.",
    risk: 'Traffic that could stay inside the VPC or take a free path (S3 gateway endpoint, direct peering) is billed per GB every month: USD 0.02/GB through a Transit Gateway, USD 0.045/GB through a NAT gateway.',
    remediation: 'aws ec2 describe-transit-gateway-attachments --region {region} --filters Name=transit-gateway-id,Values={gatewayId} (find the attachments carrying the traffic; peer the busiest VPC pair directly or keep S3/ECR traffic on VPC endpoints)',
    references: [
      'https://aws.amazon.com/transit-gateway/pricing/',
      'https://aws.amazon.com/vpc/pricing/',
      'https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-s3.html',
    ],
    needs: ['aws.transferCosts', 'aws.natGateways', 'aws.routeTables', 'aws.vpcEndpoints'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const threshold = ctx.config.cost.transitMonthlyThreshold;
    const index = awsIndex(inv.aws, ctx);
    const groups = new Map<string, AwsTransferCost[]>();
    for (const r of inv.aws.transferCosts) {
      const key = `${r.scope}|${lc(r.resourceId)}`;
      const list = groups.get(key);
      if (list) list.push(r);
      else groups.set(key, [r]);
    }
    // Records of one kind, scope and period are the shares of one regional Cost Explorer figure.
    const periodKey = (r: AwsTransferCost): string => `${r.scope}|${r.kind}|${r.periodStart}|${r.periodEnd}`;
    const regional = new Map<string, { ids: Set<string>; cost: number; gb: number }>();
    for (const r of inv.aws.transferCosts) {
      const entry = regional.get(periodKey(r)) ?? { ids: new Set<string>(), cost: 0, gb: 0 };
      entry.ids.add(r.resourceId);
      entry.cost += r.cost;
      entry.gb += r.quantityGb;
      regional.set(periodKey(r), entry);
    }
    const nats = new Map(inv.aws.natGateways.map((n) => [lc(n.id), n]));
    const tgws = new Map(inv.aws.transitGateways.map((t) => [lc(t.id), t]));
    for (const records of groups.values()) {
      const first = records[0];
      if (!first) continue;
      const foreign = records.find((r) => r.currency.toUpperCase() !== 'USD');
      if (foreign) {
        out.push(ctx.undecided(first.scope, `${LABEL[first.kind]} ${first.resourceId} is billed in ${foreign.currency}; the threshold is in USD`));
        continue;
      }
      const total = records.reduce((sum, r) => sum + r.cost, 0);
      const gb = round2(records.reduce((sum, r) => sum + r.quantityGb, 0));
      const days = windowDays(records) ?? ctx.config.cost.windowDays ?? 30;
      const monthly = round2(normaliseToMonth(total, days));
      if (monthly <= threshold) continue;
      const [, account = '', region = ''] = /^aws\/account-region\/([^/]+)\/(.+)$/.exec(first.scope) ?? [];
      const record = first.kind === 'nat-gateway' ? nats.get(lc(first.resourceId)) : tgws.get(lc(first.resourceId));
      const name = record?.name && record.name !== first.resourceId ? ` (\`${record.name}\`)` : '';
      const sharing = new Set<string>();
      let regionCost = 0;
      let regionGb = 0;
      for (const key of new Set(records.map(periodKey))) {
        const entry = regional.get(key);
        if (!entry) continue;
        for (const id of entry.ids) sharing.add(id);
        regionCost += entry.cost;
        regionGb += entry.gb;
      }
      const split = sharing.size > 1;
      const periodStart = records.map((r) => r.periodStart).sort()[0] ?? '';
      const periodEnd = records.map((r) => r.periodEnd).sort().at(-1) ?? '';
      let remediation: string | undefined;
      const data: Record<string, string> = { region, gatewayId: first.resourceId, periodStart, periodEnd };
      const nat = first.kind === 'nat-gateway' ? nats.get(lc(first.resourceId)) : undefined;
      if (first.kind === 'nat-gateway') {
        // The usual bulk behind a NAT bill is S3 and ECR layer downloads: a free S3 gateway endpoint takes them off it.
        const vpcId = nat?.vpcId;
        const viaNat = vpcId
          ? [...new Set((index.subnetsByVpc.get(lc(vpcId)) ?? []).map((s) => effectiveTable(index, s)?.table).filter((t) => t?.routes.some((r) => lc(routeTarget(r) ?? '') === lc(first.resourceId))).map((t) => t?.id ?? ''))]
          : [];
        if (vpcId && missingEndpoints(index, vpcId, ['s3']).length > 0 && viaNat.length > 0) {
          remediation = 'aws ec2 create-vpc-endpoint --region {region} --vpc-id {vpcId} --vpc-endpoint-type Gateway --service-name com.amazonaws.{region}.s3 --route-table-ids {routeTableIds}';
          Object.assign(data, { vpcId, routeTableIds: viaNat.join(' ') });
        } else {
          remediation = NAT_BYTES;
        }
      } else if (split) {
        remediation = TGW_BYTES;
      }
      out.push(
        ctx.finding({
          scope: first.scope,
          resource: { id: first.resourceId, type: TYPE[first.kind], name: record?.name ?? first.resourceId },
          message: split
            ? `${LABEL[first.kind]} ${first.resourceId}${name} in account ${account}, region ${region}: about USD ${monthly.toFixed(2)} per month (${gb} GB, ${days} days of Cost Explorer data) as its even share, above the threshold of USD ${threshold.toFixed(2)}. Cost Explorer reports ${LABEL[first.kind]} data processing per region, not per gateway: the region's USD ${round2(normaliseToMonth(regionCost, days)).toFixed(2)} per month (${round2(regionGb)} GB) is divided evenly among its ${String(sharing.size)} ${LABEL[first.kind]}s (${[...sharing].sort().join(', ')}), so this gateway's own charge may be higher or lower`
            : `${LABEL[first.kind]} ${first.resourceId}${name} in account ${account}, region ${region} processed ${gb} GB for about USD ${monthly.toFixed(2)} per month (${days} days of Cost Explorer data), above the threshold of USD ${threshold.toFixed(2)}; Cost Explorer reports it per region, and this is the region's only ${LABEL[first.kind]}`,
          evidence: {
            kind: first.kind,
            attribution: split ? 'region-split' : 'only-gateway-in-region',
            gatewaysSharing: sharing.size,
            ...(split ? { sharedWith: [...sharing].filter((id) => id !== first.resourceId).sort(), regionMonthly: round2(normaliseToMonth(regionCost, days)), regionGb: round2(regionGb) } : {}),
          },
          cost: { currency: 'USD', monthly, basis: `Cost Explorer ${periodStart}..${periodEnd} (${days} days) normalised to 30 days` },
          ...(remediation ? { remediation } : {}),
          data,
        }),
      );
    }
    return out;
  },
});
