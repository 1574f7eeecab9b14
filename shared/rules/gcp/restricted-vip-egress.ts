import type { GcpFirewall } from '../../model/inventory/gcp.js';
import { contains, tryParseCidr } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { firewallsByNetwork, NETWORK_TYPE, pathKey, privateZonesByNetwork, VIP_RANGES } from './topology.js';
import { clusterList, networksNeedingVip, vipInUse } from './vip.js';

const ALLOW = 'gcloud compute firewall-rules create {network}-allow-egress-google-apis --network={network} --project={project} --direction=EGRESS --action=ALLOW --rules=tcp:443 --destination-ranges={vipRange} --priority={allowPriority}';
const LOWER_DENY = 'gcloud compute firewall-rules update {denyRule} --project={project} --priority=1';

/** True when a rule entry covers TCP 443. */
function coversHttps(entries: GcpFirewall['allowed']): boolean {
  return entries.some((e) => {
    const proto = e.IPProtocol.toLowerCase();
    if (proto === 'all') return true;
    if (proto !== 'tcp' && proto !== '6') return false;
    return (
      e.ports.length === 0 ||
      e.ports.some((p) => {
        const [lo, hi = lo] = p.split('-').map(Number);
        return lo !== undefined && hi !== undefined && lo <= 443 && 443 <= hi;
      })
    );
  });
}

/** The lowest-priority-number rule of the list (the one that wins), if any. */
const first = (rules: readonly GcpFirewall[]): GcpFirewall | undefined => [...rules].sort((a, b) => a.priority - b.priority)[0];

export default defineRule({
  meta: {
    id: 'gcp/restricted-vip-egress',
    title: 'Egress firewall lets nodes reach the Google API VIP',
    severity: 'high',
    category: 'egress',
    cloud: 'gcp',
    resource: NETWORK_TYPE,
    description:
      "Fires (high) once per network hosting GKE clusters whose private nodes have no other egress to Google APIs when, for both restricted.googleapis.com (199.36.153.4/30) and private.googleapis.com (199.36.153.8/30), an enabled EGRESS deny rule covering the VIP on TCP 443 wins: no allow rule for it has a lower priority number (a deny wins a tie; the implied allow-all is 65535). Target tags and service accounts are not judged. A Shared VPC cluster is judged on the host project's firewall rules; undecided when that project is not audited or its routes, routers or firewalls could not be read.",
    risk: 'The firewall drops HTTPS to the VIP: private nodes cannot pull images from gcr.io / pkg.dev or reach Google APIs, although DNS and routing are right.',
    remediation: ALLOW,
    references: ['https://cloud.google.com/vpc/docs/configure-private-google-access#config-firewall', 'https://cloud.google.com/firewall/docs/firewalls#priority_order_for_firewall_rules'],
    needs: ['gcp.clusters', 'gcp.routes', 'gcp.routers', 'gcp.firewalls'],
  },
  evaluate(inv, ctx) {
    const { networks, outputs } = networksNeedingVip(ctx, inv.gcp, ['gcp.firewalls']);
    const out: RuleOutput[] = [...outputs];
    const firewalls = firewallsByNetwork(ctx, inv.gcp);
    const zones = privateZonesByNetwork(ctx, inv.gcp);
    for (const net of networks) {
      const egress = (firewalls.get(pathKey(net.path)) ?? []).filter((f) => f.direction === 'EGRESS' && !f.disabled);
      const unparsed = egress.flatMap((f) => f.destinationRanges.filter((r) => tryParseCidr(r) === undefined).map((r) => `${f.name} (${r})`));
      if (unparsed.length > 0) {
        out.push(ctx.undecided(net.scope, `network ${net.project}/${net.name}: firewall destination ranges ${unparsed.join(', ')} are not CIDRs`));
        continue;
      }
      const blocked = VIP_RANGES.map((vip) => {
        const covering = egress.filter((f) => (f.destinationRanges.length === 0 ? ['0.0.0.0/0'] : f.destinationRanges).some((r) => contains(r, vip)));
        const deny = first(covering.filter((f) => coversHttps(f.denied)));
        const allow = first(covering.filter((f) => coversHttps(f.allowed)));
        return { vip, deny, allow, blocked: deny !== undefined && !(allow !== undefined && allow.priority < deny.priority) };
      });
      if (!blocked.every((b) => b.blocked)) continue;
      const vip = vipInUse(zones.get(pathKey(net.path)) ?? []);
      const chosen = blocked.find((b) => b.vip === vip.range) ?? blocked[0];
      const deny = chosen?.deny;
      if (!chosen || !deny) continue;
      const detail = blocked
        .map((b) => `${b.vip}: deny ${b.deny?.name ?? '?'} (priority ${b.deny?.priority ?? '?'})${b.allow ? ` beats allow ${b.allow.name} (priority ${b.allow.priority})` : ', no allow'}`)
        .join('; ');
      out.push(
        ctx.finding({
          scope: net.scope,
          resource: { id: net.path, type: NETWORK_TYPE, name: net.name },
          message: `network \`${net.name}\` (project ${net.project}) of GKE clusters ${clusterList(net.clusters)}, which have no other egress to Google APIs: egress firewall blocks TCP 443 to the Google API VIP: ${detail}`,
          evidence: { blocked: blocked.map((b) => ({ vip: b.vip, deny: b.deny?.name, denyPriority: b.deny?.priority, allow: b.allow?.name ?? null, allowPriority: b.allow?.priority ?? null })) },
          data: { project: net.project, network: net.name, vipRange: vip.range, allowPriority: Math.max(0, deny.priority - 1), denyRule: deny.name },
          // A deny at priority 0 cannot be beaten: it has to move first.
          ...(deny.priority === 0 ? { remediation: `${LOWER_DENY} && ${ALLOW}` } : {}),
        }),
      );
    }
    return out;
  },
});
