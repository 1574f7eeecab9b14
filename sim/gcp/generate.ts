import { prng } from '../core/deterministic.js';
import type { GcpGenerateOptions } from '../core/types.js';
import { clusterNodes } from './model.js';
import type { GcpClusterSpec, GcpEstate, GcpNetworkSpec, GcpProjectSpec } from './scenario.js';

/**
 * Generates a plausible GKE estate of any size: one private cluster per project on a shared-VPC
 * style network, with a deterministic sprinkle of failures (about one project in four) and the
 * ground truth they produce. Same seed, same estate.
 */

const REGIONS = ['europe-west1', 'europe-west2', 'europe-west3', 'us-central1', 'us-east4', 'asia-northeast1'];
const ONPREM = ['10.10.0.0/16', '172.20.0.0/14'];
const VIP = ['199.36.153.4', '199.36.153.5', '199.36.153.6', '199.36.153.7'];

const GCP_FAILURES = [
  'public-endpoint',
  'authorized-networks-missing-onprem',
  'peering-no-export',
  'router-missing-master',
  'no-private-google-access',
  'no-vip-route',
  'no-vip-dns',
  'vip-egress-blocked',
  'node-external-ip',
  'subnet-overlap',
  'denied',
] as const;
type GcpFailure = (typeof GCP_FAILURES)[number];

function zone(name: string, dnsName: string, networks: string[], apex: string): GcpProjectSpec['dnsZones'][number] {
  return {
    name,
    dnsName,
    visibility: 'private',
    networks,
    records: [
      { name: apex, type: 'A', ttl: 300, rrdatas: VIP },
      { name: `*.${dnsName}`, type: 'CNAME', ttl: 300, rrdatas: [apex] },
    ],
  };
}

export function generateGcpEstate(options: GcpGenerateOptions & { failureRate?: number }): GcpEstate {
  const random = prng(options.seed);
  const rate = options.failureRate ?? 0.25;
  const projects: GcpProjectSpec[] = [];
  const truth: GcpEstate['truth'] = [];
  const width = Math.max(4, String(options.projects).length);

  for (let i = 0; i < options.projects; i++) {
    const id = `acme-p${String(i).padStart(width, '0')}-prod`;
    const region = REGIONS[i % REGIONS.length] ?? 'europe-west1';
    const failure: GcpFailure | undefined = random() < rate ? GCP_FAILURES[Math.floor(random() * GCP_FAILURES.length)] : undefined;
    const net = 'vpc-main';
    const clusterName = `apps-${region.replace(/-/g, '').slice(0, 8)}`;
    const master = '172.16.0.0/28';

    const network: GcpNetworkSpec = {
      name: net,
      subnetworks: [
        {
          name: 'gke-nodes',
          region,
          ipCidrRange: '10.128.0.0/20',
          secondaryIpRanges: [
            { rangeName: 'pods', ipCidrRange: '10.132.0.0/16' },
            { rangeName: 'services', ipCidrRange: '10.136.0.0/20' },
          ],
          privateIpGoogleAccess: failure !== 'no-private-google-access',
        },
        ...(failure === 'subnet-overlap' ? [{ name: 'migration', region, ipCidrRange: `10.10.${i % 250}.0/24`, secondaryIpRanges: [], privateIpGoogleAccess: true }] : []),
      ],
      peerings: [],
      routers: [
        {
          name: 'cr-onprem',
          region,
          asn: 64514,
          advertiseMode: 'CUSTOM',
          advertisedGroups: ['ALL_SUBNETS'],
          advertisedIpRanges: failure === 'router-missing-master' ? [] : [master],
          bgpPeers: [{ name: 'onprem-dc1', peerIpAddress: '169.254.10.2', peerAsn: 65010 }],
          nats: [],
        },
      ],
      routes: failure === 'no-vip-route' ? [] : [{ name: 'restricted-googleapis', destRange: '199.36.153.4/30', nextHopGateway: 'default-internet-gateway', priority: 1000, tags: [] }],
      firewalls: [
        { name: 'allow-egress-restricted-vip', direction: 'EGRESS', priority: 1000, sourceRanges: [], destinationRanges: ['199.36.153.4/30'], allowed: [{ IPProtocol: 'tcp', ports: ['443'] }], denied: [], targetTags: [], disabled: false },
        { name: 'allow-egress-onprem', direction: 'EGRESS', priority: 1000, sourceRanges: [], destinationRanges: ONPREM, allowed: [{ IPProtocol: 'all', ports: [] }], denied: [], targetTags: [], disabled: false },
        {
          name: 'deny-egress-all',
          direction: 'EGRESS',
          priority: failure === 'vip-egress-blocked' ? 500 : 65534,
          sourceRanges: [],
          destinationRanges: ['0.0.0.0/0'],
          allowed: [],
          denied: [{ IPProtocol: 'all', ports: [] }],
          targetTags: [],
          disabled: false,
        },
      ],
    };

    const cluster: GcpClusterSpec = {
      name: clusterName,
      location: region,
      network: net,
      subnetwork: 'gke-nodes',
      privateNodes: true,
      privateEndpoint: failure !== 'public-endpoint',
      dnsEndpointExternal: false,
      masterIpv4CidrBlock: master,
      peeringExportCustomRoutes: failure !== 'peering-no-export',
      authorizedNetworks: { enabled: true, cidrBlocks: failure === 'authorized-networks-missing-onprem' ? ['10.10.0.0/16'] : ONPREM, gcpPublicCidrsAccessEnabled: false },
      vpcNative: true,
      podsRange: 'pods',
      servicesRange: 'services',
      nodes: 3,
      labels: { env: 'prod' },
    };
    if (failure === 'node-external-ip') {
      const nodes = clusterNodes(cluster);
      cluster.nodes = nodes.map((n, k) => ({ name: n.name, zone: n.zone, ...(k === 0 ? { externalIp: `34.${100 + (i % 100)}.${Math.floor(i / 100) % 250}.${10 + k}` } : {}) }));
      const first = nodes[0];
      if (first) truth.push({ ruleId: 'gcp/node-external-ip', resourceId: `projects/${id}/zones/${first.zone}/instances/${first.name}` });
    }

    // An unbound private zone is visible to no network.
    const bound = failure === 'no-vip-dns' ? [] : [net];
    const zones = [zone('googleapis-restricted', 'googleapis.com.', bound, 'restricted.googleapis.com.'), zone('gcr-io-restricted', 'gcr.io.', bound, 'gcr.io.'), zone('pkg-dev-restricted', 'pkg.dev.', bound, 'pkg.dev.')];

    projects.push({ id, denied: failure === 'denied', disabledApis: [], missingZones: [], networks: [network], clusters: [cluster], instances: [], dnsZones: zones });

    const clusterId = `projects/${id}/locations/${region}/clusters/${clusterName}`;
    const networkId = `projects/${id}/global/networks/${net}`;
    switch (failure) {
      case 'public-endpoint':
        truth.push({ ruleId: 'gcp/gke-public-endpoint', resourceId: clusterId });
        break;
      case 'authorized-networks-missing-onprem':
        truth.push({ ruleId: 'gcp/gke-authorized-networks', resourceId: clusterId });
        break;
      case 'peering-no-export':
        truth.push({ ruleId: 'gcp/gke-peering-export', resourceId: clusterId });
        break;
      case 'router-missing-master':
        truth.push({ ruleId: 'gcp/router-advertises-master', resourceId: clusterId });
        break;
      case 'no-private-google-access':
        truth.push({ ruleId: 'gcp/private-google-access', resourceId: `projects/${id}/regions/${region}/subnetworks/gke-nodes` });
        break;
      case 'no-vip-route':
        truth.push({ ruleId: 'gcp/restricted-vip-route', resourceId: networkId });
        break;
      case 'no-vip-dns':
        truth.push({ ruleId: 'gcp/restricted-vip-dns', resourceId: networkId });
        break;
      case 'vip-egress-blocked':
        truth.push({ ruleId: 'gcp/restricted-vip-egress', resourceId: networkId });
        break;
      case 'subnet-overlap':
        truth.push({ ruleId: 'gcp/address-overlap', resourceId: `projects/${id}/regions/${region}/subnetworks/migration` });
        break;
      case 'denied':
        truth.push({ ruleId: 'audit/scope-unreadable', resourceId: `gcp/project/${id}` });
        break;
      case 'node-external-ip':
      case undefined:
        break;
    }
  }
  return { organization: '100000000001', folders: [], projects, truth };
}
