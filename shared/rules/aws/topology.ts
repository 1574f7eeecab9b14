/**
 * Joins the aws/* rules share: which VPCs, subnets, instances and load balancers belong to a
 * cluster (EKS or kops), each subnet's effective route table, and how to name a resource in a
 * message. Indexes are built once per evaluation through `ctx.memo`.
 */
import type {
  AwsInventory,
  AwsResource,
  AwsRoute,
  AwsRouteTable,
  AwsSubnet,
  AwsVpc,
  AwsVpcEndpoint,
  EksCluster,
  KopsCluster,
  KopsSubnet,
} from '../../model/inventory/aws.js';
import type { RuleContext } from '../kit.js';

export const lc = (s: string): string => s.toLowerCase();

export const EKS_TYPE = 'AWS::EKS::Cluster';
export const KOPS_TYPE = 'kops.k8s.io/Cluster';
export const VPC_TYPE = 'AWS::EC2::VPC';
export const SUBNET_TYPE = 'AWS::EC2::Subnet';

/** "`name` (id) in account A, region R": how a message names an AWS resource. */
export function where(r: Pick<AwsResource, 'id' | 'name' | 'accountId' | 'region'>): string {
  const label = r.name && r.name !== r.id ? `\`${r.name}\` (${r.id})` : `\`${r.id}\``;
  return `${label} in account ${r.accountId}, region ${r.region}`;
}

export function ref(r: Pick<AwsResource, 'id' | 'name'>, type: string): { id: string; type: string; name: string } {
  return { id: r.id, type, name: r.name || r.id };
}

/** Cluster names a resource is tagged for by the Kubernetes integrations (EKS, kops, cloud provider, LB controller). */
export function clusterTagNames(tags: Readonly<Record<string, string>>): string[] {
  const names = new Set<string>();
  for (const [key, value] of Object.entries(tags)) {
    const m = /^kubernetes\.io\/cluster\/(.+)$/.exec(key);
    if (m?.[1]) names.add(m[1]);
    if ((key === 'KubernetesCluster' || key === 'eks:cluster-name' || key === 'elbv2.k8s.aws/cluster') && value.length > 0) names.add(value);
  }
  return [...names].sort();
}

/** The Kubernetes object behind a load balancer, from the tags its controller sets. */
export interface LbOwner {
  kind: 'service' | 'ingress';
  namespace: string;
  name: string;
  /** Which controller tagged it: the AWS Load Balancer Controller or the legacy in-tree provider. */
  controller: 'aws-load-balancer-controller' | 'in-tree';
}

export function lbOwner(tags: Readonly<Record<string, string>>): LbOwner | undefined {
  const split = (value: string | undefined): [string, string] | undefined => {
    const m = value === undefined ? null : /^([^/\s]+)\/([^/\s]+)$/.exec(value.trim());
    return m?.[1] && m[2] ? [m[1], m[2]] : undefined;
  };
  const lbc = split(tags['service.k8s.aws/stack']);
  if (lbc) return { kind: 'service', namespace: lbc[0], name: lbc[1], controller: 'aws-load-balancer-controller' };
  const ingress = split(tags['ingress.k8s.aws/stack']);
  if (ingress) return { kind: 'ingress', namespace: ingress[0], name: ingress[1], controller: 'aws-load-balancer-controller' };
  const legacy = split(tags['kubernetes.io/service-name']);
  if (legacy) return { kind: 'service', namespace: legacy[0], name: legacy[1], controller: 'in-tree' };
  return undefined;
}

export interface ClusterRef {
  /** `tagged`: known only from a resource's cluster tag (a cluster this audit holds no record of). */
  kind: 'eks' | 'kops' | 'tagged';
  name: string;
  id: string;
}

const KIND_LABEL = { eks: 'EKS cluster', kops: 'kops cluster', tagged: 'cluster' } as const;

export const clusterLabel = (c: ClusterRef): string => `${KIND_LABEL[c.kind]} ${c.name}`;

export function clusterList(clusters: readonly ClusterRef[]): string {
  return clusters.map(clusterLabel).join(', ');
}

/** Target of a route: the gateway, NAT, Transit Gateway, peering, instance or interface it sends to. */
export function routeTarget(r: AwsRoute): string | undefined {
  return r.gatewayId ?? r.natGatewayId ?? r.transitGatewayId ?? r.vpcPeeringConnectionId ?? r.instanceId ?? r.networkInterfaceId;
}

export const isActive = (r: AwsRoute): boolean => r.state === undefined || lc(r.state) !== 'blackhole';

export const isDefaultRoute = (r: AwsRoute): boolean => r.destinationCidrBlock === '0.0.0.0/0' || r.destinationIpv6CidrBlock === '::/0';

/** A default route that leaves the VPC towards the internet or a shared egress (IGW, NAT, Transit Gateway, NAT instance). */
export function egressRoute(routes: readonly AwsRoute[]): AwsRoute | undefined {
  return routes.find((r) => isActive(r) && isDefaultRoute(r) && /^(igw|nat|tgw|i|eni)-/.test(routeTarget(r) ?? ''));
}

/** Every index the aws/* rules join through, built once per evaluation. */
export interface AwsIndex {
  vpcs: Map<string, AwsVpc>;
  subnets: Map<string, AwsSubnet>;
  subnetsByVpc: Map<string, AwsSubnet[]>;
  /** Explicit subnet associations. */
  tableBySubnet: Map<string, AwsRouteTable>;
  mainTableByVpc: Map<string, AwsRouteTable>;
  endpointsByVpc: Map<string, AwsVpcEndpoint[]>;
  /** Subnets tagged for a cluster, by lower-cased cluster name (kops-created subnets carry `KubernetesCluster`). */
  subnetsByClusterTag: Map<string, AwsSubnet[]>;
  vpcsByClusterTag: Map<string, AwsVpc[]>;
  /** The clusters each VPC (lower-cased id) carries. */
  clustersByVpc: Map<string, ClusterRef[]>;
  /** Subnets the clusters themselves use (EKS `subnetIds`, kops spec subnets found in the inventory), by VPC. */
  clusterSubnetsByVpc: Map<string, AwsSubnet[]>;
  /** Kops clusters whose VPC could not be found (no networkID, no tagged VPC or subnet in the inventory). */
  kopsWithoutVpc: KopsCluster[];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function byTag<T extends AwsResource>(records: readonly T[]): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const r of records) for (const name of clusterTagNames(r.tags)) push(map, lc(name), r);
  return map;
}

/** The VPC of an EKS cluster: `vpcId`, else the VPC of its subnets (emulators omit vpcId). */
export function eksVpcId(c: EksCluster, subnets: ReadonlyMap<string, AwsSubnet>): string | undefined {
  if (c.vpcId) return c.vpcId;
  for (const id of c.subnetIds) {
    const s = subnets.get(lc(id));
    if (s) return s.vpcId;
  }
  return undefined;
}

/** The inventory subnet a kops spec subnet names: by `id`, else the subnet kops tagged for the cluster with Name `<name>.<cluster>`. */
export function kopsSubnetRecord(index: AwsIndex, cluster: KopsCluster, subnet: KopsSubnet): AwsSubnet | undefined {
  if (subnet.id) return index.subnets.get(lc(subnet.id));
  const tagged = index.subnetsByClusterTag.get(lc(cluster.name)) ?? [];
  const wanted = lc(`${subnet.name}.${cluster.name}`);
  return tagged.find((s) => lc(s.tags['Name'] ?? '') === wanted) ?? (subnet.cidr ? tagged.find((s) => s.cidrBlock === subnet.cidr) : undefined);
}

/** The VPC of a kops cluster: `networkID`, else the VPC of its subnets, else the VPC kops tagged for it. */
export function kopsVpcId(index: AwsIndex, cluster: KopsCluster): string | undefined {
  if (cluster.networkId) return cluster.networkId;
  for (const s of cluster.subnets) {
    const record = kopsSubnetRecord(index, cluster, s);
    if (record) return record.vpcId;
  }
  return index.vpcsByClusterTag.get(lc(cluster.name))?.[0]?.id;
}

export function awsIndex(inv: AwsInventory, ctx: RuleContext): AwsIndex {
  return ctx.memo('aws.index', () => {
    const subnets = new Map(inv.subnets.map((s) => [lc(s.id), s]));
    const subnetsByVpc = new Map<string, AwsSubnet[]>();
    for (const s of inv.subnets) push(subnetsByVpc, lc(s.vpcId), s);
    const tableBySubnet = new Map<string, AwsRouteTable>();
    const mainTableByVpc = new Map<string, AwsRouteTable>();
    for (const t of inv.routeTables) {
      for (const s of t.subnetIds) tableBySubnet.set(lc(s), t);
      if (t.main) mainTableByVpc.set(lc(t.vpcId), t);
    }
    const endpointsByVpc = new Map<string, AwsVpcEndpoint[]>();
    for (const e of inv.vpcEndpoints) push(endpointsByVpc, lc(e.vpcId), e);
    const index: AwsIndex = {
      vpcs: new Map(inv.vpcs.map((v) => [lc(v.id), v])),
      subnets,
      subnetsByVpc,
      tableBySubnet,
      mainTableByVpc,
      endpointsByVpc,
      subnetsByClusterTag: byTag(inv.subnets),
      vpcsByClusterTag: byTag(inv.vpcs),
      clustersByVpc: new Map(),
      clusterSubnetsByVpc: new Map(),
      kopsWithoutVpc: [],
    };
    const seen = new Set<AwsSubnet>();
    const used = (s: AwsSubnet | undefined): void => {
      if (s && !seen.has(s)) {
        seen.add(s);
        push(index.clusterSubnetsByVpc, lc(s.vpcId), s);
      }
    };
    for (const c of inv.clusters) {
      const vpc = eksVpcId(c, subnets);
      if (vpc) push(index.clustersByVpc, lc(vpc), { kind: 'eks', name: c.name, id: c.id });
      for (const id of c.subnetIds) used(subnets.get(lc(id)));
    }
    for (const k of inv.kopsClusters) {
      const vpc = kopsVpcId(index, k);
      if (vpc) push(index.clustersByVpc, lc(vpc), { kind: 'kops', name: k.name, id: k.id });
      else index.kopsWithoutVpc.push(k);
      for (const s of k.subnets) used(kopsSubnetRecord(index, k, s));
    }
    return index;
  });
}

export type EffectiveTable = { table: AwsRouteTable; explicit: boolean } | undefined;

/** The subnet's route table: its explicit association, else its VPC's main table. */
export function effectiveTable(index: AwsIndex, subnet: Pick<AwsSubnet, 'id' | 'vpcId'>): EffectiveTable {
  const explicit = index.tableBySubnet.get(lc(subnet.id));
  if (explicit) return { table: explicit, explicit: true };
  const main = index.mainTableByVpc.get(lc(subnet.vpcId));
  return main ? { table: main, explicit: false } : undefined;
}

/** The clusters a resource belongs to: those of its VPC and those its tags name. */
export function clustersOf(index: AwsIndex, r: { vpcId?: string | undefined; tags: Readonly<Record<string, string>> }): ClusterRef[] {
  const out = new Map<string, ClusterRef>();
  for (const c of r.vpcId ? (index.clustersByVpc.get(lc(r.vpcId)) ?? []) : []) out.set(`${c.kind}/${lc(c.name)}`, c);
  for (const name of clusterTagNames(r.tags)) {
    if (![...out.values()].some((c) => lc(c.name) === lc(name))) out.set(`tag/${lc(name)}`, { kind: 'tagged', name, id: name });
  }
  return [...out.values()];
}

/** `com.amazonaws.<region>.ecr.dkr` → `ecr.dkr` (also `cn.com.amazonaws...`). */
export function endpointService(serviceName: string): string | undefined {
  return /^(?:cn\.)?com\.amazonaws\.[a-z0-9-]+\.(.+)$/.exec(serviceName)?.[1];
}

/** The endpoints a private cluster needs to pull images and authenticate without internet egress. */
export const PRIVATE_ENDPOINTS: readonly { service: string; type: 'Interface' | 'Gateway' }[] = [
  { service: 'ecr.api', type: 'Interface' },
  { service: 'ecr.dkr', type: 'Interface' },
  { service: 'sts', type: 'Interface' },
  { service: 'logs', type: 'Interface' },
  { service: 's3', type: 'Gateway' },
];

export interface MissingEndpoint {
  service: string;
  /** An interface endpoint for the service exists but without private DNS: clients still resolve the public name. */
  withoutPrivateDns?: AwsVpcEndpoint;
}

/** Services among `wanted` the VPC has no usable endpoint for (available; an interface endpoint only with private DNS). */
export function missingEndpoints(index: AwsIndex, vpcId: string, wanted: readonly string[]): MissingEndpoint[] {
  const usable = new Set<string>();
  const withoutDns = new Map<string, AwsVpcEndpoint>();
  for (const e of index.endpointsByVpc.get(lc(vpcId)) ?? []) {
    const service = endpointService(e.serviceName);
    if (!service) continue;
    if (e.state !== undefined && !['available', 'pendingacceptance', 'pending'].includes(lc(e.state))) continue;
    if (lc(e.type) === 'interface' && !e.privateDnsEnabled && service !== 's3') {
      withoutDns.set(service, e);
      continue;
    }
    usable.add(service);
  }
  return wanted.filter((s) => !usable.has(s)).map((service) => {
    const e = withoutDns.get(service);
    return e ? { service, withoutPrivateDns: e } : { service };
  });
}

/** The VPC's default egress route, found on any subnet's effective table (or the main table). */
export function vpcEgressRoute(index: AwsIndex, vpcId: string): { route: AwsRoute; table: AwsRouteTable } | undefined {
  const tables = new Set<AwsRouteTable>();
  const main = index.mainTableByVpc.get(lc(vpcId));
  for (const s of index.subnetsByVpc.get(lc(vpcId)) ?? []) {
    const t = effectiveTable(index, s);
    if (t) tables.add(t.table);
  }
  if (main && (index.subnetsByVpc.get(lc(vpcId)) ?? []).length === 0) tables.add(main);
  for (const table of tables) {
    const route = egressRoute(table.routes);
    if (route) return { route, table };
  }
  return undefined;
}

/** True when a kops instance-group role runs Kubernetes (control plane, API servers, nodes), not a bastion. */
export function isClusterRole(role: string): boolean {
  return ['controlplane', 'master', 'node', 'apiserver'].includes(lc(role));
}

export const isControlPlaneRole = (role: string): boolean => ['controlplane', 'master', 'apiserver'].includes(lc(role));

/**
 * Where kops places a subnet: its `type`, else (old specs without subnet types) the
 * `topology.masters` / `topology.nodes` setting for the role. Lower-cased: public | private | utility | dualstack.
 */
export function kopsSubnetPlacement(cluster: KopsCluster, subnet: KopsSubnet | undefined, role: string): string | undefined {
  if (subnet?.type) return lc(subnet.type);
  const legacy = isControlPlaneRole(role) ? cluster.topologyMasters : cluster.topologyNodes;
  return legacy ? lc(legacy) : undefined;
}

/** A private topology: some subnet is Private, or (old specs) masters or nodes are private. */
export function kopsPrivateTopology(cluster: KopsCluster): boolean {
  return cluster.subnets.some((s) => lc(s.type ?? '') === 'private') || lc(cluster.topologyMasters ?? '') === 'private' || lc(cluster.topologyNodes ?? '') === 'private';
}

export const kopsRef = (cluster: KopsCluster): { id: string; type: string; name: string } => ref(cluster, KOPS_TYPE);

/** "kops cluster `name` (state store s3://..., account A, region R)". */
export function kopsWhere(cluster: KopsCluster): string {
  return `kops cluster \`${cluster.name}\` (state store ${cluster.stateStore}, account ${cluster.accountId}, region ${cluster.region})`;
}
