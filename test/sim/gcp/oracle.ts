import { contains, overlaps } from '../../../shared/util/cidr.js';
import { buildEstate, type Json } from '../../../sim/gcp/model.js';
import type { GcpEstate } from '../../../sim/gcp/scenario.js';

/**
 * A reference reading of the catalog's gcp/* rules (domain.md), written independently of the
 * rules in shared/, over the bodies the emulation serves. Scenario tests compare it with each
 * scenario's hand-written truth, so a truth entry that the catalog does not imply (or a failure
 * the truth forgot) shows up here, before the real rules exist.
 */

const ONPREM = ['10.10.0.0/16', '172.20.0.0/14'];
const VIPS = ['199.36.153.4/30', '199.36.153.8/30'];
const VIP_NAMES = ['restricted.googleapis.com.', 'private.googleapis.com.'];
const VIP_DOMAINS = ['googleapis.com.', 'gcr.io.', 'pkg.dev.'];

const path = (selfLink: unknown): string => String(selfLink).replace(/^https:\/\/[^/]+\/(compute\/)?v1\//, '');
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null ? (v as Json) : {});
const arr = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function coversVip(range: string): boolean {
  return VIPS.some((vip) => overlaps(range.includes('/') ? range : `${range}/32`, vip));
}

const isDefaultRoute = (r: Json): boolean => r['destRange'] === '0.0.0.0/0' && str(r['nextHopGateway']).endsWith('/default-internet-gateway');

export function gcpOracle(estate: GcpEstate): { ruleId: string; resourceId: string }[] {
  const out: { ruleId: string; resourceId: string }[] = [];
  const add = (ruleId: string, resourceId: string) => out.push({ ruleId, resourceId });
  const all = [...buildEstate(estate).values()].filter((p) => !p.denied);
  // Shared VPC: a cluster's network, routers, routes, firewalls and zones may live in its host project.
  const networks = new Map(all.flatMap((p) => p.networks.map((n) => [String(n.body['selfLink']), n.body] as const)));
  const routers = all.flatMap((p) => p.routers.map((r) => r.body));
  const routes = all.flatMap((p) => p.routes.map((r) => r.body));
  const firewalls = all.flatMap((p) => p.firewalls.map((f) => f.body));
  const zones = all.flatMap((p) => p.managedZones.map((z) => ({ z, records: p.rrsets.get(String(z['name'])) ?? [] })));
  const nodeSubnets = new Set<string>();
  /** Networks whose clusters' private nodes have no egress but the VIP. */
  const vipNetworks = new Set<string>();

  for (const p of buildEstate(estate).values()) {
    if (p.denied) add('audit/scope-unreadable', `gcp/project/${p.id}`);
  }
  for (const p of all) {
    for (const { body: c } of p.clusters) {
      const id = path(c['selfLink']);
      const pcc = obj(c['privateClusterConfig']);
      const man = obj(c['masterAuthorizedNetworksConfig']);
      const netPath = String(obj(c['networkConfig'])['network']);
      const subnetPath = String(obj(c['networkConfig'])['subnetwork']);
      const netUrl = `https://www.googleapis.com/compute/v1/${netPath}`;
      const region = String(c['location']).split('-').slice(0, 2).join('-');
      nodeSubnets.add(subnetPath);
      if (pcc['enablePrivateNodes'] !== true) add('gcp/gke-private-nodes', id);
      if (pcc['enablePrivateEndpoint'] !== true) add('gcp/gke-public-endpoint', id);
      const blocks = arr(man['cidrBlocks']).map((b) => String(b['cidrBlock']));
      if (man['enabled'] !== true || blocks.some((b) => b.endsWith('/0')) || !ONPREM.every((r) => blocks.some((b) => contains(b, r)))) add('gcp/gke-authorized-networks', id);
      if (obj(c['ipAllocationPolicy'])['useIpAliases'] !== true) add('gcp/gke-vpc-native', id);
      const peeringName = str(pcc['peeringName']);
      if (peeringName !== '') {
        const peering = arr(networks.get(netUrl)?.['peerings']).find((x) => x['name'] === peeringName);
        if (peering?.['exportCustomRoutes'] !== true) add('gcp/gke-peering-export', id);
      }
      const inRegion = routers.filter((r) => r['network'] === netUrl && String(r['region']).endsWith(`/regions/${region}`));
      const master = str(pcc['masterIpv4CidrBlock']);
      if (master !== '') {
        const advertised = inRegion.some((r) => {
          const bgp = obj(r['bgp']);
          return (
            arr(r['bgpPeers']).length > 0 &&
            bgp['advertiseMode'] === 'CUSTOM' &&
            arr(bgp['advertisedIpRanges']).some((x) => contains(String(x['range']).includes('/') ? String(x['range']) : `${String(x['range'])}/32`, master))
          );
        });
        if (!advertised) add('gcp/router-advertises-master', id);
        if (ONPREM.some((r) => overlaps(master, r))) add('gcp/address-overlap', id);
      }
      // A default route to the internet gateway is egress for private nodes only through Cloud NAT
      // for their subnet on a router of the network in the cluster's region.
      const subnetUrl = `https://www.googleapis.com/compute/v1/${subnetPath}`;
      const natted = inRegion.some((r) =>
        arr(r['nats']).some((n) => String(n['sourceSubnetworkIpRangesToNat']).startsWith('ALL_SUBNETWORKS') || arr(n['subnetworks']).some((s) => s['name'] === subnetUrl)),
      );
      const egress = routes.some((r) => r['network'] === netUrl && isDefaultRoute(r)) && (pcc['enablePrivateNodes'] !== true || natted);
      if (!egress) vipNetworks.add(netUrl);
    }

    for (const { body: s } of p.subnetworks) {
      const id = path(s['selfLink']);
      const ranges = [String(s['ipCidrRange']), ...arr(s['secondaryIpRanges']).map((r) => String(r['ipCidrRange']))];
      if (ranges.some((r) => ONPREM.some((o) => overlaps(r, o)))) add('gcp/address-overlap', id);
    }

    for (const { body: i } of p.instances) {
      const labels = obj(i['labels']);
      if (labels['goog-k8s-cluster-name'] === undefined) continue;
      if (arr(i['networkInterfaces']).some((nic) => arr(nic['accessConfigs']).some((a) => typeof a['natIP'] === 'string'))) add('gcp/node-external-ip', path(i['selfLink']));
    }
  }
  // Node subnets may be a host project's, listed before the cluster that names them.
  for (const p of all) {
    for (const { body: s } of p.subnetworks) {
      const id = path(s['selfLink']);
      if (nodeSubnets.has(id) && s['privateIpGoogleAccess'] !== true) add('gcp/private-google-access', id);
    }
  }

  for (const netUrl of vipNetworks) {
    const id = path(netUrl);
    const visible = zones.filter(({ z }) => z['visibility'] === 'private' && arr(obj(z['privateVisibilityConfig'])['networks']).some((n) => n['networkUrl'] === netUrl));
    const mapsToVip = (domain: string) =>
      visible.some(({ z, records }) => {
        if (z['dnsName'] !== domain) return false;
        return records.some((r) => (r['type'] === 'A' && strs(r['rrdatas']).some(coversVip)) || (r['type'] === 'CNAME' && strs(r['rrdatas']).some((d) => VIP_NAMES.includes(d))));
      });
    if (!VIP_DOMAINS.every(mapsToVip)) add('gcp/restricted-vip-dns', id);

    const routed = routes.some((r) => r['network'] === netUrl && str(r['nextHopGateway']).endsWith('/default-internet-gateway') && VIPS.some((v) => contains(String(r['destRange']), v)));
    if (!routed) add('gcp/restricted-vip-route', id);

    const egress = firewalls.filter((f) => f['network'] === netUrl && f['direction'] === 'EGRESS' && f['disabled'] !== true && strs(f['destinationRanges']).some((r) => VIPS.some((v) => contains(r, v))));
    const https = (rules: unknown) => arr(rules).some((x) => x['IPProtocol'] === 'all' || (x['IPProtocol'] === 'tcp' && (strs(x['ports']).length === 0 || strs(x['ports']).includes('443'))));
    const deny = Math.min(...egress.filter((f) => https(f['denied'])).map((f) => Number(f['priority'])));
    const allow = Math.min(...egress.filter((f) => https(f['allowed'])).map((f) => Number(f['priority'])));
    // A deny wins over an allow of the same priority; the implied allow-all sits at 65535.
    if (Number.isFinite(deny) && !(allow < deny)) add('gcp/restricted-vip-egress', id);
  }
  return out;
}
