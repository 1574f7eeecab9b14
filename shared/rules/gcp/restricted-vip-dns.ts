import type { CloudDnsZone } from '../../model/inventory/gcp.js';
import { tryParseCidr } from '../cidr.js';
import { defineRule, type RuleOutput } from '../kit.js';
import { NETWORK_TYPE, privateZonesByNetwork, pathKey, VIP_NAMES } from './topology.js';
import { clusterList, inVip, networksNeedingVip, vipInUse } from './vip.js';

/** The domains private nodes must resolve to the VIP: Google APIs, Container Registry, Artifact Registry. */
const DOMAINS = ['googleapis.com.', 'gcr.io.', 'pkg.dev.'] as const;

const REMEDIATION =
  'gcloud dns managed-zones create {zone} --project={project} --dns-name={domain} --visibility=private --networks={network} --description="{domain} via {vipName}" && gcloud dns record-sets create {domain} --zone={zone} --project={project} --type=A --ttl=300 --rrdatas={vipAddresses} && gcloud dns record-sets create "*.{domain}" --zone={zone} --project={project} --type=CNAME --ttl=300 --rrdatas={domain}';

const lower = (s: string): string => s.toLowerCase();

/**
 * True when `name` resolves to a VIP through the visible zones' A and CNAME records (a few hops at
 * most). A record data that is not an address goes to `unparsed`: it may have been meant as the VIP.
 */
function resolvesToVip(name: string, records: ReadonlyMap<string, CloudDnsZone['records']>, unparsed: string[], hops = 0): boolean {
  if ((VIP_NAMES as readonly string[]).includes(name)) return true;
  if (hops > 4) return false;
  return (records.get(name) ?? []).some((r) => {
    if (r.type === 'A') {
      for (const d of r.rrdatas) if (tryParseCidr(d) === undefined) unparsed.push(`${r.name} A ${JSON.stringify(d)}`);
      return r.rrdatas.length > 0 && r.rrdatas.every(inVip);
    }
    if (r.type === 'CNAME') return r.rrdatas.some((target) => resolvesToVip(lower(target.endsWith('.') ? target : `${target}.`), records, unparsed, hops + 1));
    return false;
  });
}

export default defineRule({
  meta: {
    id: 'gcp/restricted-vip-dns',
    title: 'Google API names resolve to the restricted or private VIP',
    severity: 'medium',
    category: 'dns',
    cloud: 'gcp',
    resource: NETWORK_TYPE,
    description:
      "Fires (medium) once per network hosting GKE clusters whose private nodes have no other egress to Google APIs (no default route to the internet gateway with Cloud NAT for the node subnet, and not all nodes external) when, for googleapis.com, gcr.io or pkg.dev, no private Cloud DNS zone visible to the network has a wildcard record (`*.<domain>.`) that resolves, by A or CNAME, to restricted.googleapis.com (199.36.153.4/30) or private.googleapis.com (199.36.153.8/30). A Shared VPC cluster is judged on the host project's network; undecided when that project is not audited or its routes, routers or zones could not be read.",
    risk: 'Private nodes resolve Google API names to public addresses they cannot reach: image pulls from gcr.io / pkg.dev, logging and API calls fail, or (with VPC Service Controls) bypass the perimeter.',
    remediation: REMEDIATION,
    references: ['https://cloud.google.com/vpc/docs/configure-private-google-access#config-domain', 'https://cloud.google.com/vpc-service-controls/docs/set-up-private-connectivity'],
    needs: ['gcp.clusters', 'gcp.routes', 'gcp.routers', 'gcp.dnsZones'],
  },
  evaluate(inv, ctx) {
    const { networks, outputs } = networksNeedingVip(ctx, inv.gcp, ['gcp.dnsZones']);
    const out: RuleOutput[] = [...outputs];
    const zonesByNetwork = privateZonesByNetwork(ctx, inv.gcp);
    for (const net of networks) {
      const zones = zonesByNetwork.get(pathKey(net.path)) ?? [];
      const records = new Map<string, CloudDnsZone['records']>();
      for (const z of zones) {
        for (const r of z.records) {
          const key = lower(r.name);
          const list = records.get(key);
          if (list) list.push(r);
          else records.set(key, [r]);
        }
      }
      const problems: string[] = [];
      const missing: string[] = [];
      const unparsed: string[] = [];
      for (const domain of DOMAINS) {
        const zone = zones.find((z) => lower(z.dnsName) === domain);
        const bad: string[] = [];
        if (resolvesToVip(`*.${domain}`, records, bad)) continue;
        // Not resolved, but through record data that is not an address: cannot tell.
        if (bad.length > 0) {
          unparsed.push(...bad);
          continue;
        }
        missing.push(domain);
        problems.push(zone ? `zone ${zone.name} (${domain}) has no *.${domain} record resolving to the VIP` : `no private zone for ${domain}`);
      }
      if (unparsed.length > 0) out.push(ctx.undecided(net.scope, `network ${net.project}/${net.name}: record data ${unparsed.join(', ')} not an IP address`));
      if (missing.length === 0) continue;
      const vip = vipInUse(zones);
      const addresses = vip.range === '199.36.153.8/30' ? '199.36.153.8,199.36.153.9,199.36.153.10,199.36.153.11' : '199.36.153.4,199.36.153.5,199.36.153.6,199.36.153.7';
      // The catalog template covers one domain; a finding missing several chains the same commands per domain.
      const remediation = missing
        .map((domain) =>
          REMEDIATION
            .replaceAll('{zone}', `${domain.slice(0, -1).replace(/\./g, '-')}-vip`)
            .replaceAll('{domain}', domain),
        )
        .join(' && ');
      out.push(
        ctx.finding({
          scope: net.scope,
          resource: { id: net.path, type: NETWORK_TYPE, name: net.name },
          message: `network \`${net.name}\` (project ${net.project}) of GKE clusters ${clusterList(net.clusters)}, which have no other egress to Google APIs: ${problems.join('; ')} (restricted.googleapis.com 199.36.153.4/30 or private.googleapis.com 199.36.153.8/30)`,
          evidence: { missingDomains: missing, visibleZones: zones.map((z) => `${z.projectId}/${z.name} ${z.dnsName}`) },
          data: { project: net.project, network: net.name, vipName: vip.name, vipAddresses: addresses },
          remediation,
        }),
      );
    }
    return out;
  },
});
