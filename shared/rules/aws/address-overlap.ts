import { addressPlanFor, noFreeRangeRemediation, overlaps, parseCidr, tryParseCidr } from '../cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, kopsRef, kopsVpcId, kopsWhere, lc, ref, VPC_TYPE, where } from './topology.js';

const PRIMARY_FIX =
  "aws ec2 create-vpc --region {region} --cidr-block {suggestedCidr} --tag-specifications 'ResourceType=vpc,Tags=[{Key=Name,Value={vpcName}-readdressed}]' and migrate the cluster into it (a VPC primary CIDR cannot change)";
const SECONDARY_FIX =
  'aws ec2 associate-vpc-cidr-block --region {region} --vpc-id {vpcId} --cidr-block {suggestedCidr}, create subnets in it and move the resources out of {range}, then aws ec2 disassociate-vpc-cidr-block --region {region} --association-id $(aws ec2 describe-vpcs --region {region} --vpc-ids {vpcId} --query "Vpcs[0].CidrBlockAssociationSet[?CidrBlock==\'{range}\'].AssociationId" --output text)';
const KOPS_FIX =
  'kops edit cluster --name {cluster} --state {stateStore} --set spec.networkCIDR={suggestedCidr}, give its subnets ({subnets}) CIDRs inside {suggestedCidr} in kops edit cluster --name {cluster} --state {stateStore}, before kops update cluster --name {cluster} --state {stateStore} --yes creates the VPC';

/** AWS's smallest VPC block: a replacement can shrink to it when no block of the original's size is free. */
const SMALLEST_VPC_BLOCK = 28;

export default defineRule({
  meta: {
    id: 'aws/address-overlap',
    title: 'VPC ranges do not overlap on-prem',
    severity: 'high',
    category: 'addressing',
    cloud: 'aws',
    resource: `${VPC_TYPE} | kops.k8s.io/Cluster`,
    description:
      "Fires (high) once per overlapping pair of a VPC CIDR block (primary or secondary) and a configured on-prem range (`onPrem.ranges`), reported on the VPC. A kops cluster's `networkCIDR` / `additionalNetworkCIDRs` are checked too, reported on its VPC, or on the cluster when its VPC is not in the inventory (not created yet). A block that cannot be parsed leaves the scope undecided. The message and the command name a free replacement: the first block of the same size in the private space the block lives in (RFC 1918, then the other RFC 1918 spaces and RFC 6598 100.64.0.0/10), clear of on-prem and of every range in the inventory (every VPC, subnet and kops range, and the other clouds' ranges), never one another finding of the run suggests; it may shrink down to /28 when no block of its size is free (the message says so). A primary block means a new VPC, a secondary one is associated and disassociated; when nothing is free the remediation says what to free first.",
    risk: 'Routing between the VPC and on-prem becomes ambiguous: Transit Gateway, VPN and Direct Connect propagate conflicting routes, and traffic to the overlapping addresses goes to the wrong side; fixing it means a new VPC and a migration.',
    remediation: `For a VPC's primary block: ${PRIMARY_FIX}. For a secondary block: ${SECONDARY_FIX}. For a kops cluster whose VPC does not exist yet: ${KOPS_FIX}`,
    references: [
      'https://docs.aws.amazon.com/vpc/latest/userguide/vpc-cidr-blocks.html',
      'https://docs.aws.amazon.com/whitepapers/latest/building-scalable-secure-multi-vpc-network-infrastructure/ip-address-planning.html',
    ],
    needs: ['aws.vpcs', 'aws.kopsClusters'],
  },
  evaluate(inv, ctx) {
    const out: RuleOutput[] = [];
    const onPrem = ctx.config.onPrem.ranges.map((text) => ({ text, cidr: parseCidr(text) }));
    if (onPrem.length === 0) return out;
    const index = awsIndex(inv.aws, ctx);
    const plan = addressPlanFor(ctx, inv);
    const reported = new Set<string>();

    const check = (scope: string, resource: { id: string; type: string; name: string }, subject: string, blocks: readonly string[], source: string, region: string, kopsFix?: { cluster: string; stateStore: string; subnets: string }): void => {
      for (const [position, block] of blocks.entries()) {
        const cidr = tryParseCidr(block);
        if (!cidr) {
          out.push(ctx.undecided(scope, `${subject}: ${source} ${JSON.stringify(block)} is not a CIDR block`));
          continue;
        }
        for (const o of onPrem) {
          if (!overlaps(cidr, o.cidr)) continue;
          const discriminator = `${cidr.text} ${o.text}`;
          const key = `${lc(resource.id)}|${discriminator}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const free = plan.suggest(`aws|${lc(resource.id)}|${cidr.text}`, cidr, { smallestPrefixLength: SMALLEST_VPC_BLOCK });
          let fix: { remediation: string; data?: Record<string, string> };
          if (!free.found) fix = { remediation: noFreeRangeRemediation(`${source} ${cidr.text} of ${resource.name}`, free) };
          else if (kopsFix) fix = { remediation: KOPS_FIX, data: { ...kopsFix, suggestedCidr: free.cidr } };
          // The first block of a VPC is its primary one (DescribeVpcs' CidrBlock); a kops networkCIDR in an existing VPC is judged the same way.
          else if (position === 0) fix = { remediation: PRIMARY_FIX, data: { region, suggestedCidr: free.cidr, vpcName: resource.name } };
          else fix = { remediation: SECONDARY_FIX, data: { region, suggestedCidr: free.cidr, vpcId: resource.id, range: cidr.text } };
          out.push(
            ctx.finding({
              scope,
              resource,
              discriminator,
              message: `${subject}: ${source} ${cidr.text} overlaps on-prem range ${o.text}; replacement: ${free.explanation}`,
              evidence: { range: cidr.text, source, onPremRange: o.text },
              ...fix,
            }),
          );
        }
      }
    };

    for (const vpc of inv.aws.vpcs) check(vpc.scope, ref(vpc, VPC_TYPE), `VPC ${where(vpc)}`, vpc.cidrBlocks, 'CIDR block', vpc.region);
    for (const k of inv.aws.kopsClusters) {
      const vpcId = kopsVpcId(index, k);
      const vpc = vpcId ? index.vpcs.get(lc(vpcId)) : undefined;
      if (vpc) check(vpc.scope, ref(vpc, VPC_TYPE), `VPC ${where(vpc)} of kops cluster ${k.name}`, k.networkCidrs, 'kops networkCIDR', vpc.region);
      else check(k.scope, kopsRef(k), kopsWhere(k), k.networkCidrs, 'networkCIDR', k.region, { cluster: k.name, stateStore: k.stateStore, subnets: k.subnets.map((sn) => sn.name).join(', ') || 'none yet' });
    }
    return out;
  },
});
