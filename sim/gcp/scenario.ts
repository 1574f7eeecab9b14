import { z } from 'zod';
import { dropExtensionKeys, estateTruthSchema } from '../core/estate-schema.js';

/**
 * The gcp part of a scenario: projects → networks (with their subnetworks, routers, routes and
 * firewalls), GKE clusters (with their nodes), other instances and Cloud DNS zones. Written
 * compactly: a conformant private cluster needs a name, location, network, subnetwork and
 * master range; everything else defaults to the well-built private setting.
 *
 * References: a network inside a project is named by its short name; a peer network or a DNS
 * zone's network may also be a path `projects/<p>/global/networks/<n>` or a full URL.
 */

const name = z.string().regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'lower-case GCP resource name');
const cidr = z.string().min(1);

const secondaryRange = z.object({ rangeName: name, ipCidrRange: cidr }).strict();

const subnetwork = z
  .object({
    name,
    region: z.string().min(1),
    ipCidrRange: cidr,
    secondaryIpRanges: z.array(secondaryRange).default([]),
    privateIpGoogleAccess: z.boolean().default(true),
  })
  .strict();

const peering = z
  .object({
    name,
    /** Peer network: a path or URL. */
    network: z.string().min(1),
    state: z.enum(['ACTIVE', 'INACTIVE']).default('ACTIVE'),
    exportCustomRoutes: z.boolean().default(false),
    importCustomRoutes: z.boolean().default(false),
  })
  .strict();

const bgpPeer = z
  .object({
    name,
    peerIpAddress: z.string().min(1),
    peerAsn: z.number().int().default(65010),
    /** Router interface; defaults to `if-<peer name>`. */
    interfaceName: z.string().optional(),
  })
  .strict();

/** Cloud NAT on a router: the rules count a default route as egress only with NAT for the node subnet. */
const nat = z
  .object({
    name,
    sourceSubnetworkIpRangesToNat: z.enum(['ALL_SUBNETWORKS_ALL_IP_RANGES', 'ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES', 'LIST_OF_SUBNETWORKS']).default('ALL_SUBNETWORKS_ALL_IP_RANGES'),
    /** LIST_OF_SUBNETWORKS: short names of subnetworks of the router's network in its region. */
    subnetworks: z.array(name).default([]),
  })
  .strict();

const router = z
  .object({
    name,
    region: z.string().min(1),
    asn: z.number().int().default(64514),
    advertiseMode: z.enum(['DEFAULT', 'CUSTOM']).default('CUSTOM'),
    advertisedGroups: z.array(z.string()).default(['ALL_SUBNETS']),
    /** Ranges as the API gives them (a bare address means /32). */
    advertisedIpRanges: z.array(cidr).default([]),
    bgpPeers: z.array(bgpPeer).default([]),
    nats: z.array(nat).default([]),
  })
  .strict();

const route = z
  .object({
    name,
    destRange: cidr,
    /** `default-internet-gateway` or a full gateway URL. */
    nextHopGateway: z.string().optional(),
    nextHopIp: z.string().optional(),
    priority: z.number().int().min(0).default(1000),
    tags: z.array(z.string()).default([]),
  })
  .strict();

const ruleEntry = z.object({ IPProtocol: z.string().min(1), ports: z.array(z.string()).default([]) }).strict();

const firewall = z
  .object({
    name,
    direction: z.enum(['INGRESS', 'EGRESS']).default('INGRESS'),
    priority: z.number().int().min(0).max(65535).default(1000),
    sourceRanges: z.array(cidr).default([]),
    destinationRanges: z.array(cidr).default([]),
    allowed: z.array(ruleEntry).default([]),
    denied: z.array(ruleEntry).default([]),
    targetTags: z.array(z.string()).default([]),
    disabled: z.boolean().default(false),
  })
  .strict();

const network = z
  .object({
    name,
    subnetworks: z.array(subnetwork).default([]),
    peerings: z.array(peering).default([]),
    routers: z.array(router).default([]),
    routes: z.array(route).default([]),
    firewalls: z.array(firewall).default([]),
  })
  .strict();

const node = z
  .object({
    name,
    /** Defaults to `<cluster region>-b` (or the cluster's zone). */
    zone: z.string().optional(),
    externalIp: z.string().optional(),
  })
  .strict();

const cluster = z
  .object({
    name,
    /** Region (regional cluster) or zone (zonal cluster). */
    location: z.string().min(1),
    /**
     * Short name of a network in this project, or `projects/<host>/global/networks/<n>` for a
     * Shared VPC network of a host project (which may lie outside the audited scope).
     */
    network: z.string().regex(/^([a-z]([-a-z0-9]*[a-z0-9])?|projects\/[a-z][-a-z0-9]{4,28}[a-z0-9]\/global\/networks\/[a-z]([-a-z0-9]*[a-z0-9])?)$/, 'network short name or projects/<host>/global/networks/<name>'),
    /** Short name of a subnetwork of that network in the cluster's region. */
    subnetwork: name,
    privateNodes: z.boolean().default(true),
    /** `privateClusterConfig.enablePrivateEndpoint`: the control plane has no public endpoint. */
    privateEndpoint: z.boolean().default(true),
    /** `controlPlaneEndpointsConfig.dnsEndpointConfig.allowExternalTraffic`. */
    dnsEndpointExternal: z.boolean().default(false),
    /** Control-plane range; absent for Private Service Connect clusters. */
    masterIpv4CidrBlock: cidr.optional(),
    /**
     * VPC-peering control plane (the default when a master range is given): the emulation adds the
     * `gke-<hash>-<hash>-peer` peering to the cluster network. `false` = Private Service Connect.
     */
    peering: z.boolean().optional(),
    /** Whether that peering exports custom routes. */
    peeringExportCustomRoutes: z.boolean().default(true),
    authorizedNetworks: z
      .object({
        enabled: z.boolean().default(true),
        cidrBlocks: z.array(cidr).default(['10.10.0.0/16', '172.20.0.0/14']),
        gcpPublicCidrsAccessEnabled: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    vpcNative: z.boolean().default(true),
    /** Secondary range names on the subnetwork (VPC-native); their CIDRs become the pod/service ranges. */
    podsRange: z.string().default('pods'),
    servicesRange: z.string().default('services'),
    /** Non-VPC-native clusters: explicit pod/service ranges. */
    clusterIpv4Cidr: cidr.optional(),
    servicesIpv4Cidr: cidr.optional(),
    /** Nodes: a count (named `gke-<cluster>-default-pool-<hash>-<n>`) or explicit nodes. */
    nodes: z.union([z.number().int().min(0), z.array(node)]).default(3),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const instance = z
  .object({
    name,
    zone: z.string().min(1),
    network: name,
    subnetwork: name,
    externalIp: z.string().optional(),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const record = z
  .object({
    name: z.string().min(1),
    type: z.string().min(1),
    ttl: z.number().int().default(300),
    rrdatas: z.array(z.string()).min(1),
  })
  .strict();

const dnsZone = z
  .object({
    name,
    /** With or without the trailing dot. */
    dnsName: z.string().min(1),
    visibility: z.enum(['public', 'private']).default('private'),
    /** Networks the private zone is visible to: short names in this project, paths or URLs. */
    networks: z.array(z.string()).default([]),
    records: z.array(record).default([]),
  })
  .strict();

const project = z
  .object({
    id: z.string().regex(/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/, 'GCP project id'),
    /** Project number; derived from the id when absent. */
    number: z.string().regex(/^\d+$/).optional(),
    /** The auditor may not read this project: every call answers 403 PERMISSION_DENIED. */
    denied: z.boolean().default(false),
    /** Folder id the project sits in (Resource Manager); the organisation when absent. */
    folder: z.string().regex(/^\d+$/).optional(),
    /** APIs not enabled in the project: their calls answer 403 SERVICE_DISABLED. */
    disabledApis: z.array(z.enum(['container', 'compute', 'dns'])).default([]),
    /** Locations that do not answer: clusters.list reports them in `missingZones`. */
    missingZones: z.array(z.string().min(1)).default([]),
    networks: z.array(network).default([]),
    clusters: z.array(cluster).default([]),
    instances: z.array(instance).default([]),
    dnsZones: z.array(dnsZone).default([]),
  })
  .strict();

const estate = z
  .object({
    /** Organisation id for Cloud Asset Inventory at organisation scope. */
    organization: z.string().regex(/^\d+$/).default('100000000001'),
    /** Folders of the organisation (Resource Manager), each under another folder or the organisation. */
    folders: z.array(z.object({ id: z.string().regex(/^\d+$/), displayName: z.string().min(1), parent: z.string().regex(/^\d+$/).optional() }).strict()).default([]),
    projects: z.array(project).default([]),
    truth: z.array(estateTruthSchema).default([]),
  })
  .strict();

export const gcpEstateSchema = z.preprocess(dropExtensionKeys, estate);

export type GcpEstate = z.output<typeof estate>;
export type GcpProjectSpec = GcpEstate['projects'][number];
export type GcpClusterSpec = GcpProjectSpec['clusters'][number];
export type GcpNetworkSpec = GcpProjectSpec['networks'][number];
