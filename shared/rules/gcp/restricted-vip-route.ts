import { contains, tryParseCidr } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { lastSegment, NETWORK_TYPE, pathKey, privateZonesByNetwork, routesByNetwork, VIP_RANGES } from './topology.js';
import { clusterList, networksNeedingVip, vipInUse } from './vip.js';

export default defineRule({
  meta: {
    id: 'gcp/restricted-vip-route',
    title: 'A route sends the Google API VIP to the default internet gateway',
    severity: 'high',
    category: 'egress',
    cloud: 'gcp',
    resource: NETWORK_TYPE,
    description:
      "Fires (high) once per network hosting GKE clusters whose private nodes have no other egress to Google APIs (no default route to the internet gateway with Cloud NAT for the node subnet, and not all nodes external) when no route of the network covers restricted.googleapis.com (199.36.153.4/30) or private.googleapis.com (199.36.153.8/30) with next hop `default-internet-gateway`. Route tags are not judged (a tagged route is assumed to reach the nodes). A Shared VPC cluster is judged on the host project's network; undecided when that project is not audited or its routes or routers could not be read.",
    risk: 'Traffic to the VIP has no path out of the VPC (Google APIs are reached through the default internet gateway even when it carries nothing else): private nodes cannot pull images or call Google APIs.',
    remediation: 'gcloud compute routes create {routeName} --network={network} --project={project} --destination-range={vipRange} --next-hop-gateway=default-internet-gateway',
    references: ['https://cloud.google.com/vpc/docs/configure-private-google-access#config-routing', 'https://cloud.google.com/vpc-service-controls/docs/set-up-private-connectivity'],
    needs: ['gcp.clusters', 'gcp.routes', 'gcp.routers'],
  },
  evaluate(inv, ctx) {
    const { networks, outputs } = networksNeedingVip(ctx, inv.gcp, []);
    const out: RuleOutput[] = [...outputs];
    const routes = routesByNetwork(ctx, inv.gcp);
    const zones = privateZonesByNetwork(ctx, inv.gcp);
    for (const net of networks) {
      const own = routes.get(pathKey(net.path)) ?? [];
      const unparsed: string[] = [];
      const routed = own.some((r) => {
        if (lastSegment(r.nextHopGateway ?? '') !== 'default-internet-gateway') return false;
        const dest = tryParseCidr(r.destRange);
        if (!dest) unparsed.push(`${r.name} (${r.destRange})`);
        return dest !== undefined && VIP_RANGES.some((vip) => contains(dest, vip));
      });
      if (routed) continue;
      if (unparsed.length > 0) {
        out.push(ctx.undecided(net.scope, `network ${net.project}/${net.name}: route destinations ${unparsed.join(', ')} are not CIDRs`));
        continue;
      }
      const gatewayRoutes = own.filter((r) => lastSegment(r.nextHopGateway ?? '') === 'default-internet-gateway').map((r) => `${r.name} ${r.destRange}`);
      const vip = vipInUse(zones.get(pathKey(net.path)) ?? []);
      out.push(
        ctx.finding({
          scope: net.scope,
          resource: { id: net.path, type: NETWORK_TYPE, name: net.name },
          message: `network \`${net.name}\` (project ${net.project}) of GKE clusters ${clusterList(net.clusters)}, which have no other egress to Google APIs: no route for ${VIP_RANGES.join(' or ')} via default-internet-gateway (routes to the internet gateway: ${gatewayRoutes.join(', ') || 'none'})`,
          evidence: { internetGatewayRoutes: gatewayRoutes, vipRanges: [...VIP_RANGES] },
          data: { project: net.project, network: net.name, vipRange: vip.range, routeName: `${net.name}-${vip.name.split('.')[0] ?? 'restricted'}-googleapis` },
        }),
      );
    }
    return out;
  },
});
