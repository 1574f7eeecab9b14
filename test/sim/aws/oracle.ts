import { parse } from 'yaml';
import { overlaps } from '../../../shared/util/cidr.js';
import { buildAwsModel } from '../../../sim/aws/model.js';
import type { AwsEstate } from '../../../sim/aws/scenario.js';

/**
 * A reference reading of the catalog's aws/* rules (domain.md), written independently of the
 * rules in shared/, over what the emulation serves. Scenario tests compare it with each scenario's
 * hand-written truth. "Cluster VPC" = the VPC of an EKS cluster's subnets, or of a kops cluster
 * (`spec.networkID`, else the VPC of its `spec.subnets[].id`). kops clusters are read from the
 * estate's S3 objects under each configured state store (`<store>/<cluster>/cluster-completed.spec`,
 * else `config`, plus `instancegroup/*`), as kops lays them out (kops.sigs.k8s.io/state/).
 */

const ONPREM = ['10.10.0.0/16', '172.20.0.0/14'];
const REQUIRED_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'sts', 'logs', 's3'];
const TRANSIT_THRESHOLD = 100;

function routesOf(xml: string): { dest: string; target: string }[] {
  const out: { dest: string; target: string }[] = [];
  const re = /<destinationCidrBlock>([^<]+)<\/destinationCidrBlock><(gatewayId|natGatewayId|transitGatewayId|vpcPeeringConnectionId|networkInterfaceId)>([^<]+)</g;
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push({ dest: m[1] ?? '', target: m[3] ?? '' });
  return out;
}

interface KopsSpec {
  id: string;
  name: string;
  networkID?: string;
  networkCIDRs: string[];
  subnets: { name: string; type: string; id?: string; egress?: string }[];
  topology: { masters: string; nodes: string; dns: string };
  dnsZone?: string;
  apiLb?: string;
  apiDns: boolean;
  networking?: string;
  egressProxy: boolean;
  groups: { name: string; role: string; subnets: string[] }[];
}

type Doc = Record<string, unknown>;
const obj = (v: unknown): Doc => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Doc) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const lower = (v: unknown): string => (str(v) ?? '').toLowerCase();

/** The kops clusters in the configured state stores (`s3://bucket[/prefix]`), read from the estate's objects. */
function kopsClusters(estate: AwsEstate, stores: readonly string[]): KopsSpec[] {
  const out: KopsSpec[] = [];
  for (const store of stores) {
    const [bucketName = '', ...rest] = store.replace(/^s3:\/\//, '').replace(/\/$/, '').split('/');
    const prefix = rest.length > 0 ? `${rest.join('/')}/` : '';
    const objects = estate.s3Buckets.find((b) => b.name === bucketName)?.objects ?? {};
    const read = (key: string): Doc | undefined => {
      const v = objects[key];
      if (v === undefined) return undefined;
      return obj(typeof v === 'string' ? parse(v) : v);
    };
    const names = new Set(Object.keys(objects).filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length).split('/')[0] ?? '').filter((n) => n.length > 0));
    for (const dir of [...names].sort()) {
      const doc = read(`${prefix}${dir}/cluster-completed.spec`) ?? read(`${prefix}${dir}/config`);
      if (!doc) continue;
      const spec = obj(doc['spec']);
      const topology = obj(spec['topology']);
      const api = obj(spec['api']);
      const networking = spec['networking'];
      const groups = Object.keys(objects)
        .filter((k) => k.startsWith(`${prefix}${dir}/instancegroup/`))
        .map((k) => obj(read(k)))
        .map((g) => ({ name: str(obj(g['metadata'])['name']) ?? '', role: lower(obj(g['spec'])['role']) || 'node', subnets: arr(obj(g['spec'])['subnets']).map(String) }));
      const networkID = str(spec['networkID']);
      const dnsZone = str(spec['dnsZone']);
      const apiLb = str(obj(api['loadBalancer'])['type']);
      const net = typeof networking === 'string' ? networking : Object.keys(obj(networking))[0];
      out.push({
        id: `s3://${bucketName}/${prefix}${str(obj(doc['metadata'])['name']) ?? dir}`,
        name: str(obj(doc['metadata'])['name']) ?? dir,
        ...(networkID ? { networkID } : {}),
        networkCIDRs: [str(spec['networkCIDR']), ...arr(spec['additionalNetworkCIDRs']).map(str)].filter((c): c is string => c !== undefined),
        subnets: arr(spec['subnets']).map(obj).map((x) => ({ name: str(x['name']) ?? '', type: lower(x['type']), ...(str(x['id']) ? { id: String(x['id']) } : {}), ...(str(x['egress']) ? { egress: String(x['egress']) } : {}) })),
        topology: { masters: lower(topology['masters']), nodes: lower(topology['nodes']), dns: lower(obj(topology['dns'])['type']) || 'public' },
        ...(dnsZone ? { dnsZone } : {}),
        ...(apiLb ? { apiLb } : {}),
        apiDns: api['dns'] !== undefined && api['dns'] !== null,
        ...(net ? { networking: net } : {}),
        egressProxy: str(obj(obj(spec['egressProxy'])['httpProxy'])['host']) !== undefined,
        groups,
      });
    }
  }
  return out;
}

const isPrivateTopology = (k: KopsSpec): boolean => k.subnets.some((s) => s.type === 'private') || k.topology.masters === 'private' || k.topology.nodes === 'private';

export function awsOracle(estate: AwsEstate, options: { kopsStateStores?: readonly string[] } = {}): { ruleId: string; resourceId: string }[] {
  const out: { ruleId: string; resourceId: string }[] = [];
  const seen = new Set<string>();
  const add = (ruleId: string, resourceId: string) => {
    const key = `${ruleId} ${resourceId.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ruleId, resourceId });
  };
  const model = buildAwsModel(estate);
  const kops = kopsClusters(estate, options.kopsStateStores ?? []);
  // Every subnet and VPC of the estate, to place kops clusters (their VPC may be in any account-region).
  const vpcOfAnySubnet = new Map<string, string>();
  const allVpcs = new Set<string>();
  for (const a of model.accounts.values()) {
    for (const r of a.regions.values()) {
      for (const s of r.subnets) vpcOfAnySubnet.set(s.id, s.filters.get('vpc-id')?.[0] ?? '');
      for (const v of r.vpcs) allVpcs.add(v.id);
    }
  }
  const kopsVpc = new Map<KopsSpec, string | undefined>(kops.map((k) => [k, k.networkID ?? k.subnets.map((s) => (s.id ? vpcOfAnySubnet.get(s.id) : undefined)).find((v) => v !== undefined)]));
  const kopsInVpc = (vpc: string): KopsSpec[] => kops.filter((k) => kopsVpc.get(k) === vpc);
  const defaultRouteOf = new Map<string, string>();
  const servicesOf = new Map<string, string[]>();
  const denied = new Set<string>();
  for (const a of model.accounts.values()) {
    for (const r of a.regions.values()) {
      if (a.denied || r.denied) {
        denied.add(`${a.id}/${r.region}`);
        add('audit/scope-unreadable', `aws/account-region/${a.id}/${r.region}`);
        continue;
      }
      const vpcOfSubnet = new Map(r.subnets.map((s) => [s.id, s.filters.get('vpc-id')?.[0] ?? '']));
      const clusterVpcs = new Set<string>();
      for (const c of r.clusters) {
        const cfg = c.body['resourcesVpcConfig'] as { subnetIds: string[]; endpointPublicAccess: boolean; endpointPrivateAccess: boolean };
        const arn = String(c.body['arn']);
        for (const s of cfg.subnetIds) clusterVpcs.add(vpcOfSubnet.get(s) ?? '');
        if (cfg.endpointPublicAccess) add('aws/eks-public-endpoint', arn);
        if (!cfg.endpointPrivateAccess) add('aws/eks-private-endpoint', arn);
      }
      const eksVpcs = new Set(clusterVpcs);
      for (const v of r.vpcs) if (kopsInVpc(v.id).length > 0) clusterVpcs.add(v.id);
      for (const lb of [...r.elbv2, ...r.elb]) if (clusterVpcs.has(lb.vpcId) && lb.xml.includes('<Scheme>internet-facing</Scheme>')) add('aws/lb-internet-facing', lb.arn);

      // Effective route table of each subnet: its explicit association, else the VPC's main table.
      const tableOf = new Map<string, { dest: string; target: string }[]>();
      for (const t of r.routeTables) for (const s of t.filters.get('association.subnet-id') ?? []) tableOf.set(s, routesOf(t.xml));
      const mainOf = new Map(r.routeTables.filter((t) => t.filters.get('association.main')?.[0] === 'true').map((t) => [t.filters.get('vpc-id')?.[0] ?? '', routesOf(t.xml)]));
      const egressVpcs = new Set<string>();
      for (const s of r.subnets) {
        const vpc = vpcOfSubnet.get(s.id) ?? '';
        const routes = tableOf.get(s.id) ?? mainOf.get(vpc) ?? [];
        const defaultTarget = routes.find((x) => x.dest === '0.0.0.0/0')?.target ?? '';
        if (/^(igw|nat|tgw)-/.test(defaultTarget)) egressVpcs.add(vpc);
        if (!clusterVpcs.has(vpc)) continue;
        if (defaultTarget.startsWith('igw-')) add('aws/subnet-igw-route', s.id);
        if (s.filters.get('map-public-ip-on-launch')?.[0] === 'true') add('aws/subnet-auto-public-ip', s.id);
      }
      for (const i of r.instances) if (clusterVpcs.has(i.filters.get('vpc-id')?.[0] ?? '') && (i.filters.get('ip-address') ?? []).length > 0) add('aws/instance-public-ip', i.id);
      for (const vpc of clusterVpcs) {
        const services = new Set(r.vpcEndpoints.filter((e) => e.filters.get('vpc-id')?.[0] === vpc).map((e) => (e.filters.get('service-name')?.[0] ?? '').split('.').slice(3).join('.')));
        const proxied = kopsInVpc(vpc).some((k) => k.egressProxy);
        if (!REQUIRED_ENDPOINTS.every((s) => services.has(s)) && !egressVpcs.has(vpc) && !proxied) add('aws/vpc-endpoints', vpc);
        // Gossip kops clusters (*.k8s.local) need no zone; a Private DNS topology needs its own dnsZone on the VPC.
        const zones = (model.zonesByVpc.get(`${r.region}/${vpc}`) ?? []).filter((z) => z.private);
        const dnsKops = kopsInVpc(vpc).filter((k) => !k.name.toLowerCase().endsWith('.k8s.local') && k.topology.dns !== 'none');
        const bare = (n: string): string => n.replace(/\.$/, '').toLowerCase();
        const ownZoneMissing = dnsKops.some((k) => k.topology.dns === 'private' && k.dnsZone !== undefined && !zones.some((z) => bare(z.name) === bare(k.dnsZone ?? '') || z.id.endsWith(k.dnsZone ?? '-')));
        if (ownZoneMissing || ((eksVpcs.has(vpc) || dnsKops.length > 0) && zones.length === 0)) add('aws/route53-private-zone', vpc);
      }
      for (const v of r.vpcs) if ((v.filters.get('cidr-block-association.cidr-block') ?? []).some((c) => ONPREM.some((o) => overlaps(c, o)))) add('aws/address-overlap', v.id);

      // What kops-egress needs of each subnet and VPC, wherever the kops cluster is.
      for (const sub of r.subnets) {
        const routes = tableOf.get(sub.id) ?? mainOf.get(vpcOfSubnet.get(sub.id) ?? '') ?? [];
        defaultRouteOf.set(sub.id, routes.find((x) => x.dest === '0.0.0.0/0')?.target ?? '');
      }
      for (const e of r.vpcEndpoints) {
        const vpc = e.filters.get('vpc-id')?.[0] ?? '';
        servicesOf.set(vpc, [...(servicesOf.get(vpc) ?? []), (e.filters.get('service-name')?.[0] ?? '').split('.').slice(3).join('.')]);
      }
    }
  }
  for (const f of model.transfer) if (!denied.has(`${f.account}/${f.region}`) && f.cost > TRANSIT_THRESHOLD) add('aws/transit-cost', f.resourceId);

  for (const k of kops) {
    // kops-egress: a Private subnet without egress in the spec, no proxy, no ECR/S3/STS endpoints in
    // the VPC, and no default route on its table; a subnet kops creates (no id, no egress) gets a NAT from kops.
    const vpc = kopsVpc.get(k);
    const services = new Set(vpc === undefined ? [] : (servicesOf.get(vpc) ?? []));
    if (!k.egressProxy && !['ecr.api', 'ecr.dkr', 's3', 'sts'].every((x) => services.has(x))) {
      for (const s of k.subnets) {
        const privateSubnet = s.type ? s.type === 'private' : k.topology.nodes === 'private' || k.topology.masters === 'private';
        if (!privateSubnet || /^(nat|i|tgw|eigw)-/.test(s.egress ?? '')) continue;
        const target = s.id === undefined ? undefined : defaultRouteOf.get(s.id);
        if (target !== undefined ? /^(igw|nat|tgw|i|eni)-/.test(target) : s.id === undefined && s.egress === undefined) continue;
        add('aws/kops-egress', k.id);
      }
    }
    // API: a Public load balancer; or no load balancer, DNS names for the API, a private topology and public DNS.
    if (k.apiLb?.toLowerCase() === 'public') add('aws/kops-api-internal', k.id);
    else if (k.apiLb === undefined && k.apiDns && isPrivateTopology(k) && k.topology.dns === 'public') add('aws/kops-api-internal', k.id);
    if (isPrivateTopology(k) && k.networking?.toLowerCase() === 'kubenet') add('aws/kops-networking', k.id);
    const types = new Map(k.subnets.map((s) => [s.name, s.type]));
    for (const g of k.groups) {
      if (!['controlplane', 'master', 'apiserver', 'node'].includes(g.role)) continue;
      const legacy = ['controlplane', 'master', 'apiserver'].includes(g.role) ? k.topology.masters : k.topology.nodes;
      if (g.subnets.some((n) => ['public', 'utility'].includes(types.get(n) || legacy))) add('aws/kops-private-topology', k.id);
    }
    // A kops networkCIDR overlapping on-prem: on its VPC when the VPC exists, else on the cluster.
    if (k.networkCIDRs.some((c) => ONPREM.some((o) => overlaps(c, o)))) add('aws/address-overlap', vpc !== undefined && allVpcs.has(vpc) ? vpc : k.id);
  }
  return out;
}
