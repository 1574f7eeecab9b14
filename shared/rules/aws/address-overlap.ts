import { overlaps, parseCidr, tryParseCidr, type Cidr } from '../cidr.js';
import type { RuleOutput } from '../kit.js';
import { defineRule } from '../kit.js';
import { awsIndex, kopsRef, kopsVpcId, kopsWhere, lc, ref, VPC_TYPE, where } from './topology.js';

/** The first block of the same size in the RFC 1918 ranges that overlaps nothing taken: a concrete re-addressing target. */
function freeBlock(prefixLength: number, taken: readonly Cidr[]): string | undefined {
  for (const pool of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']) {
    const p = parseCidr(pool);
    if (prefixLength < p.prefixLength) continue;
    const step = 1n << BigInt(32 - prefixLength);
    // Bounded: at most 4096 candidates per pool even for small blocks.
    for (let base = p.first, n = 0; base + step - 1n <= p.last && n < 4096; base += step, n++) {
      const candidate = parseCidr(`${[24n, 16n, 8n, 0n].map((shift) => String((base >> shift) & 255n)).join('.')}/${prefixLength}`);
      if (!taken.some((t) => overlaps(t, candidate))) return candidate.text;
    }
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'aws/address-overlap',
    title: 'VPC ranges do not overlap on-prem',
    severity: 'high',
    category: 'addressing',
    cloud: 'aws',
    resource: `${VPC_TYPE} | kops.k8s.io/Cluster`,
    description:
      "Fires (high) once per overlapping pair of a VPC CIDR block (primary or secondary) and a configured on-prem range (`onPrem.ranges`), reported on the VPC. A kops cluster's `networkCIDR` / `additionalNetworkCIDRs` are checked too, reported on its VPC, or on the cluster when its VPC is not in the inventory (not created yet). A block that cannot be parsed leaves the scope undecided. The remediation names the first free RFC 1918 block of the same size.",
    risk: 'Routing between the VPC and on-prem becomes ambiguous: Transit Gateway, VPN and Direct Connect propagate conflicting routes, and traffic to the overlapping addresses goes to the wrong side; fixing it means a new VPC and a migration.',
    remediation:
      'aws ec2 create-vpc --region {region} --cidr-block {suggestedCidr} --tag-specifications ResourceType=vpc,Tags=[{Key=Name,Value={vpcName}-readdressed}] and migrate the cluster into it (a VPC primary CIDR cannot change)',
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
    const taken = ctx.memo('aws.allVpcCidrs', () => inv.aws.vpcs.flatMap((v) => v.cidrBlocks.map(tryParseCidr).filter((c): c is Cidr => c !== undefined)));
    const takenAll = [...taken, ...onPrem.map((o) => o.cidr)];
    const reported = new Set<string>();

    const check = (scope: string, resource: { id: string; type: string; name: string }, subject: string, blocks: readonly string[], source: string, region: string, kopsFix?: { cluster: string; stateStore: string }): void => {
      for (const block of blocks) {
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
          const suggestedCidr = (cidr.family === 'ipv4' ? freeBlock(cidr.prefixLength, takenAll) : undefined) ?? `(no free /${cidr.prefixLength} in RFC 1918)`;
          out.push(
            ctx.finding({
              scope,
              resource,
              discriminator,
              message: `${subject}: ${source} ${cidr.text} overlaps on-prem range ${o.text}`,
              evidence: { range: cidr.text, source, onPremRange: o.text },
              ...(kopsFix
                ? {
                    remediation: 'kops edit cluster --name {cluster} --state {stateStore} --set spec.networkCIDR={suggestedCidr} (before kops update cluster --name {cluster} --state {stateStore} --yes creates the VPC)',
                    data: { ...kopsFix, suggestedCidr },
                  }
                : { data: { region, suggestedCidr, vpcName: resource.name } }),
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
      else check(k.scope, kopsRef(k), kopsWhere(k), k.networkCidrs, 'networkCIDR', k.region, { cluster: k.name, stateStore: k.stateStore });
    }
    return out;
  },
});
