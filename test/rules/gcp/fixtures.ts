/**
 * A test-side reading of raw GCP API bodies (container v1, compute v1, Cloud DNS v1) into the
 * inventory records the gcp/* rules read, so rule cases run on what GCP actually returns (realdata)
 * and on the simulator's scenario bodies. It follows the field origins documented in
 * shared/model/inventory/gcp.ts; the collector has its own mapping.
 */
import type { CloudDnsZone, CloudRouter, GcpFirewall, GcpInstance, GcpInventory, GcpNetwork, GcpRoute, GcpSubnetwork, GkeCluster } from '../../../shared/model/inventory/gcp.js';
import { emptyGcpInventory } from '../../../shared/model/inventory/gcp.js';
import { buildEstate } from '../../../sim/gcp/model.js';
import type { GcpEstate } from '../../../sim/gcp/scenario.js';
import { readJson } from '../../collect/azure/realdata.js';

export { realdataCases } from '../../collect/azure/realdata.js';

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strs = (v: unknown): string[] => arr(v).filter((x): x is string => typeof x === 'string');
const opt = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** `projects/...` from a selfLink or path. */
const path = (ref: string): string => ref.replace(/^https?:\/\/[^/]+\//, '').replace(/^(?:compute\/)?(?:v1|v1beta1|beta)\//, '');
const projectOf = (ref: string): string => /^projects\/([^/]+)\//.exec(path(ref))?.[1] ?? 'unknown-project';
const last = (ref: string): string => ref.split('/').pop() ?? ref;
const scopeOf = (project: string): string => `gcp/project/${project.toLowerCase()}`;
const labelsOf = (v: unknown): Record<string, string> => Object.fromEntries(Object.entries(obj(v)).map(([k, x]) => [k, String(x)]));

/** Golden (KCC) bodies hold `${projectId}`-style placeholders: made plain names so ids and commands stay pasteable. */
function plain(v: unknown): unknown {
  if (typeof v === 'string') return v.replace(/\$\{(\w+)\}/g, (_, name: string) => name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase());
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** A realdata body (golden placeholders made plain names). */
export function body(relative: string): Json {
  return obj(plain(readJson(relative)));
}

/** The body of a cloud-custodian flight (`{ body, headers }`). */
export function flightBody(relative: string): Json {
  return obj(obj(readJson(relative))['body']);
}

export function clusterFromApi(c: Json): GkeCluster {
  const pcc = obj(c['privateClusterConfig']);
  const cpe = obj(c['controlPlaneEndpointsConfig']);
  const ip = obj(cpe['ipEndpointsConfig']);
  const netCfg = obj(c['networkConfig']);
  const man = Object.keys(obj(c['masterAuthorizedNetworksConfig'])).length > 0 ? obj(c['masterAuthorizedNetworksConfig']) : obj(ip['authorizedNetworksConfig']);
  // v1beta1 selfLinks say `zones/<z>`; the finding id is always `locations/<l>`.
  const project = projectOf(str(c['selfLink']));
  const location = str(c['location']) || str(c['zone']);
  const shortNet = str(c['network']) || 'default';
  return {
    id: `projects/${project}/locations/${location}/clusters/${str(c['name'])}`,
    name: str(c['name']),
    scope: scopeOf(project),
    projectId: project,
    labels: labelsOf(c['resourceLabels']),
    location,
    network: opt(netCfg['network']) ?? `projects/${project}/global/networks/${shortNet}`,
    ...(opt(netCfg['subnetwork']) ? { subnetwork: str(netCfg['subnetwork']) } : {}),
    privateNodes: pcc['enablePrivateNodes'] === true || netCfg['defaultEnablePrivateNodes'] === true,
    // A populated ipEndpointsConfig (enabled) decides; the REST client's filled-in false decides nothing.
    publicEndpointEnabled: ip['enabled'] === true ? ip['enablePublicEndpoint'] === true : pcc['enablePrivateEndpoint'] !== true,
    ...(opt(pcc['masterIpv4CidrBlock']) ? { masterIpv4CidrBlock: str(pcc['masterIpv4CidrBlock']) } : {}),
    ...(opt(pcc['peeringName']) ? { peeringName: str(pcc['peeringName']) } : {}),
    ...(opt(pcc['privateEndpoint']) ? { privateEndpoint: str(pcc['privateEndpoint']) } : {}),
    ...(opt(pcc['publicEndpoint']) ? { publicEndpoint: str(pcc['publicEndpoint']) } : {}),
    masterAuthorizedNetworks: {
      enabled: man['enabled'] === true,
      cidrBlocks: arr(man['cidrBlocks']).map((b) => str(obj(b)['cidrBlock'])),
      gcpPublicCidrsAccessEnabled: man['gcpPublicCidrsAccessEnabled'] === true,
    },
    vpcNative: obj(c['ipAllocationPolicy'])['useIpAliases'] === true,
    ...(opt(c['clusterIpv4Cidr']) ? { clusterIpv4Cidr: str(c['clusterIpv4Cidr']) } : {}),
    ...(opt(c['servicesIpv4Cidr']) ? { servicesIpv4Cidr: str(c['servicesIpv4Cidr']) } : {}),
    dnsEndpointAllowsExternalTraffic: obj(cpe['dnsEndpointConfig'])['allowExternalTraffic'] === true,
    nodePools: arr(c['nodePools']).map((p) => {
      const nc = obj(obj(p)['networkConfig']);
      return {
        name: str(obj(p)['name']),
        ...(typeof nc['enablePrivateNodes'] === 'boolean' ? { enablePrivateNodes: nc['enablePrivateNodes'] } : {}),
        ...(opt(nc['subnetwork']) ? { subnetwork: str(nc['subnetwork']) } : {}),
      };
    }),
  };
}

function computeBase(b: Json): { id: string; name: string; scope: string; projectId: string; labels: Record<string, string> } {
  const project = projectOf(str(b['selfLink']));
  return { id: path(str(b['selfLink'])), name: str(b['name']), scope: scopeOf(project), projectId: project, labels: labelsOf(b['labels']) };
}

export function networkFromApi(n: Json): GcpNetwork {
  return {
    ...computeBase(n),
    selfLink: str(n['selfLink']),
    peerings: arr(n['peerings']).map((x) => {
      const p = obj(x);
      return { name: str(p['name']), network: str(p['network']), ...(opt(p['state']) ? { state: str(p['state']) } : {}), exportCustomRoutes: p['exportCustomRoutes'] === true, importCustomRoutes: p['importCustomRoutes'] === true };
    }),
  };
}

export function routerFromApi(r: Json): CloudRouter {
  const bgp = obj(r['bgp']);
  const ranges = (v: unknown): string[] => arr(v).map((x) => str(obj(x)['range']));
  return {
    ...computeBase(r),
    region: last(str(r['region'])),
    network: str(r['network']),
    advertiseMode: str(bgp['advertiseMode']) || 'DEFAULT',
    advertisedGroups: strs(bgp['advertisedGroups']),
    advertisedIpRanges: ranges(bgp['advertisedIpRanges']),
    bgpPeers: arr(r['bgpPeers']).map((x) => {
      const p = obj(x);
      return {
        name: str(p['name']),
        ...(opt(p['peerIpAddress']) ? { peerIpAddress: str(p['peerIpAddress']) } : {}),
        ...(opt(p['interfaceName']) ? { interfaceName: str(p['interfaceName']) } : {}),
        ...(opt(p['advertiseMode']) ? { advertiseMode: str(p['advertiseMode']) } : {}),
        ...(p['advertisedIpRanges'] !== undefined ? { advertisedIpRanges: ranges(p['advertisedIpRanges']) } : {}),
      };
    }),
    nats: arr(r['nats']).map((x) => {
      const n = obj(x);
      return {
        name: str(n['name']),
        sourceSubnetworkIpRangesToNat: str(n['sourceSubnetworkIpRangesToNat']),
        subnetworks: arr(n['subnetworks']).map((s) => ({ name: str(obj(s)['name']), sourceIpRangesToNat: strs(obj(s)['sourceIpRangesToNat']) })),
      };
    }),
  };
}

export function subnetworkFromApi(s: Json): GcpSubnetwork {
  return {
    ...computeBase(s),
    region: last(str(s['region'])),
    selfLink: str(s['selfLink']),
    network: str(s['network']),
    ipCidrRange: str(s['ipCidrRange']),
    secondaryIpRanges: arr(s['secondaryIpRanges']).map((x) => ({ rangeName: str(obj(x)['rangeName']), ipCidrRange: str(obj(x)['ipCidrRange']) })),
    privateIpGoogleAccess: s['privateIpGoogleAccess'] === true,
  };
}

export function routeFromApi(r: Json): GcpRoute {
  return {
    ...computeBase(r),
    network: str(r['network']),
    destRange: str(r['destRange']),
    ...(opt(r['nextHopGateway']) ? { nextHopGateway: str(r['nextHopGateway']) } : {}),
    ...(opt(r['nextHopIp']) ? { nextHopIp: str(r['nextHopIp']) } : {}),
    ...(opt(r['nextHopPeering']) ? { nextHopPeering: str(r['nextHopPeering']) } : {}),
    priority: typeof r['priority'] === 'number' ? r['priority'] : 1000,
    tags: strs(r['tags']),
  };
}

export function firewallFromApi(f: Json): GcpFirewall {
  const entries = (v: unknown) => arr(v).map((x) => ({ IPProtocol: str(obj(x)['IPProtocol']), ports: strs(obj(x)['ports']) }));
  return {
    ...computeBase(f),
    network: str(f['network']),
    direction: f['direction'] === 'EGRESS' ? 'EGRESS' : 'INGRESS',
    priority: typeof f['priority'] === 'number' ? f['priority'] : 1000,
    sourceRanges: strs(f['sourceRanges']),
    destinationRanges: strs(f['destinationRanges']),
    allowed: entries(f['allowed']),
    denied: entries(f['denied']),
    targetTags: strs(f['targetTags']),
    disabled: f['disabled'] === true,
  };
}

export function instanceFromApi(i: Json): GcpInstance {
  const base = computeBase(i);
  const cluster = base.labels['goog-k8s-cluster-name'];
  return {
    ...base,
    zone: last(str(i['zone'])),
    networkInterfaces: arr(i['networkInterfaces']).map((x) => {
      const n = obj(x);
      return {
        network: str(n['network']),
        ...(opt(n['subnetwork']) ? { subnetwork: str(n['subnetwork']) } : {}),
        ...(opt(n['networkIP']) ? { networkIp: str(n['networkIP']) } : {}),
        externalIps: arr(n['accessConfigs']).map((a) => str(obj(a)['natIP'])).filter((ip) => ip !== ''),
      };
    }),
    ...(cluster ? { clusterName: cluster } : {}),
  };
}

export function dnsZoneFromApi(project: string, z: Json, rrsets: readonly unknown[] = []): CloudDnsZone {
  return {
    id: `projects/${project}/managedZones/${str(z['name'])}`,
    name: str(z['name']),
    scope: scopeOf(project),
    projectId: project,
    labels: labelsOf(z['labels']),
    dnsName: str(z['dnsName']),
    visibility: z['visibility'] === 'private' ? 'private' : 'public',
    networkUrls: arr(obj(z['privateVisibilityConfig'])['networks']).map((n) => str(obj(n)['networkUrl'])),
    records: rrsets.map((x) => ({ name: str(obj(x)['name']), type: str(obj(x)['type']), rrdatas: strs(obj(x)['rrdatas']) })),
  };
}

/** The inventory a complete read of a simulator estate gives (denied projects contribute nothing). */
export function inventoryFromEstate(estate: GcpEstate): GcpInventory {
  const inv = emptyGcpInventory();
  for (const p of buildEstate(estate).values()) {
    if (p.denied) continue;
    inv.clusters.push(...p.clusters.map((x) => clusterFromApi(x.body)));
    inv.networks.push(...p.networks.map((x) => networkFromApi(x.body)));
    inv.routers.push(...p.routers.map((x) => routerFromApi(x.body)));
    inv.subnetworks.push(...p.subnetworks.map((x) => subnetworkFromApi(x.body)));
    inv.routes.push(...p.routes.map((x) => routeFromApi(x.body)));
    inv.firewalls.push(...p.firewalls.map((x) => firewallFromApi(x.body)));
    inv.instances.push(...p.instances.map((x) => instanceFromApi(x.body)));
    inv.dnsZones.push(...p.managedZones.map((z) => dnsZoneFromApi(p.id, z, p.rrsets.get(str(z['name'])) ?? [])));
  }
  return inv;
}
