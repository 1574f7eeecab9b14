/**
 * Real recorded AWS bodies (cloud-custodian placebo, botocore examples: the SDK shape) and kops
 * state-store specs from ../shared/realdata, mapped to inventory records so rule cases run on what
 * AWS and kops actually write. The mapping here is test-side: it reads the SDK field names and
 * applies the API defaults the collector must apply (EKS endpoint flags, publicAccessCidrs).
 */
import { parseAllDocuments } from 'yaml';
import { readFileSync } from 'node:fs';
import type {
  AwsInstance,
  AwsLoadBalancer,
  AwsRouteTable,
  AwsSubnet,
  AwsVpc,
  AwsVpcEndpoint,
  EksCluster,
  KopsCluster,
  KopsInstanceGroup,
  KopsSubnet,
} from '../../../shared/model/inventory/aws.js';
import { scopeKey } from '../../../shared/model/scope.js';
import { readJson, realdataPath } from '../../collect/azure/realdata.js';

export { realdataCases } from '../../collect/azure/realdata.js';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export interface Place {
  account: string;
  region: string;
}

const scopeOf = (p: Place): string => scopeKey({ cloud: 'aws', kind: 'account-region', id: `${p.account}/${p.region}` });

function tagsOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of arr(v)) {
    const key = str(obj(t)['Key']);
    if (key !== undefined) out[key] = str(obj(t)['Value']) ?? '';
  }
  return out;
}

function base(id: string, tags: Record<string, string>, p: Place) {
  return { id, name: tags['Name'] || id, scope: scopeOf(p), accountId: p.account, region: p.region, tags };
}

/** `data` of a placebo recording (`{ status_code, data }`). */
export function placebo(file: string): Json {
  return obj(obj(readJson(`cloud-custodian/aws/${file}`))['data']);
}

/** The first example's output of a botocore examples file. */
export function botocoreOutput(file: string): Json {
  return obj(obj(arr(obj(readJson(`botocore-examples/${file}`))['examples'])[0])['output']);
}

/** An EKS `cluster` body with the API's defaults: endpoints public on / private off when absent; CIDRs 0.0.0.0/0 when absent and public. */
export function eksFromSdk(body: unknown): EksCluster {
  const c = obj(body);
  const arn = str(c['arn']) ?? '';
  const [, , , region = '', account = ''] = arn.split(':');
  const vpc = obj(c['resourcesVpcConfig']);
  const endpointPublicAccess = typeof vpc['endpointPublicAccess'] === 'boolean' ? vpc['endpointPublicAccess'] : true;
  const cidrs = arr(vpc['publicAccessCidrs']).map(String);
  const tags = Object.fromEntries(Object.entries(obj(c['tags'])).map(([k, v]) => [k, String(v)]));
  const vpcId = str(vpc['vpcId']);
  return {
    ...base(arn, tags, { account, region }),
    name: str(c['name']) ?? arn,
    arn,
    ...(vpcId ? { vpcId } : {}),
    subnetIds: arr(vpc['subnetIds']).map(String),
    endpointPublicAccess,
    endpointPrivateAccess: typeof vpc['endpointPrivateAccess'] === 'boolean' ? vpc['endpointPrivateAccess'] : false,
    publicAccessCidrs: vpc['publicAccessCidrs'] === undefined && endpointPublicAccess ? ['0.0.0.0/0'] : cidrs,
  };
}

export function subnetFromSdk(body: unknown, p: Place): AwsSubnet {
  const s = obj(body);
  const az = str(s['AvailabilityZone']);
  return {
    ...base(str(s['SubnetId']) ?? '', tagsOf(s['Tags']), p),
    vpcId: str(s['VpcId']) ?? '',
    cidrBlock: str(s['CidrBlock']) ?? '',
    ...(az ? { availabilityZone: az } : {}),
    mapPublicIpOnLaunch: s['MapPublicIpOnLaunch'] === true,
  };
}

export function vpcFromSdk(body: unknown, p: Place): AwsVpc {
  const v = obj(body);
  const blocks = arr(v['CidrBlockAssociationSet']).map((a) => str(obj(a)['CidrBlock'])).filter((c): c is string => c !== undefined);
  return { ...base(str(v['VpcId']) ?? '', tagsOf(v['Tags']), p), cidrBlocks: blocks.length > 0 ? blocks : [str(v['CidrBlock']) ?? ''], ipv6CidrBlocks: [], isDefault: v['IsDefault'] === true };
}

export function routeTableFromSdk(body: unknown, p: Place): AwsRouteTable {
  const t = obj(body);
  const associations = arr(t['Associations']).map(obj);
  return {
    ...base(str(t['RouteTableId']) ?? '', tagsOf(t['Tags']), p),
    vpcId: str(t['VpcId']) ?? '',
    main: associations.some((a) => a['Main'] === true),
    subnetIds: associations.map((a) => str(a['SubnetId'])).filter((s): s is string => s !== undefined),
    routes: arr(t['Routes']).map((r) => {
      const o = obj(r);
      const pick = (k: string): Record<string, string> => (str(o[k]) ? { [k.charAt(0).toLowerCase() + k.slice(1)]: str(o[k]) ?? '' } : {});
      return { ...pick('DestinationCidrBlock'), ...pick('DestinationIpv6CidrBlock'), ...pick('GatewayId'), ...pick('NatGatewayId'), ...pick('TransitGatewayId'), ...pick('InstanceId'), ...pick('State') };
    }),
  };
}

export function instancesFromSdk(body: unknown, p: Place): AwsInstance[] {
  return arr(obj(body)['Reservations']).flatMap((r) =>
    arr(obj(r)['Instances']).map((i) => {
      const o = obj(i);
      const opt = (k: string, v: string | undefined): Record<string, string> => (v === undefined ? {} : { [k]: v });
      return {
        ...base(str(o['InstanceId']) ?? '', tagsOf(o['Tags']), p),
        ...opt('vpcId', str(o['VpcId'])),
        ...opt('subnetId', str(o['SubnetId'])),
        ...opt('privateIpAddress', str(o['PrivateIpAddress'])),
        ...opt('publicIpAddress', str(o['PublicIpAddress'])),
        ...opt('state', str(obj(o['State'])['Name'])),
      };
    }),
  );
}

export function loadBalancersFromSdk(body: unknown, tags: Record<string, Record<string, string>> = {}): AwsLoadBalancer[] {
  return arr(obj(body)['LoadBalancers']).map((lb) => {
    const o = obj(lb);
    const arn = str(o['LoadBalancerArn']) ?? '';
    const [, , , region = '', account = ''] = arn.split(':');
    const type = str(o['Type']) ?? 'application';
    const vpcId = str(o['VpcId']);
    const dnsName = str(o['DNSName']);
    return {
      ...base(arn, tags[arn] ?? {}, { account, region }),
      name: str(o['LoadBalancerName']) ?? arn,
      kind: type === 'network' || type === 'gateway' ? type : 'application',
      scheme: str(o['Scheme']) ?? '',
      ...(vpcId ? { vpcId } : {}),
      subnetIds: arr(o['AvailabilityZones']).map((z) => str(obj(z)['SubnetId'])).filter((s): s is string => s !== undefined),
      ...(dnsName ? { dnsName } : {}),
    };
  });
}

export function vpcEndpointsFromSdk(body: unknown, p: Place): AwsVpcEndpoint[] {
  return arr(obj(body)['VpcEndpoints']).map((e) => {
    const o = obj(e);
    const state = str(o['State']);
    return {
      ...base(str(o['VpcEndpointId']) ?? '', tagsOf(o['Tags']), p),
      vpcId: str(o['VpcId']) ?? '',
      serviceName: str(o['ServiceName']) ?? '',
      type: str(o['VpcEndpointType']) ?? '',
      privateDnsEnabled: o['PrivateDnsEnabled'] === true,
      ...(state ? { state } : {}),
    };
  });
}

/**
 * A kops cluster from a realdata spec: `<test>.in-v1alpha2.yaml` (Cluster + InstanceGroups) or
 * `<test>.cluster-completed.spec.yaml` (Cluster only; instance groups then from the in- file).
 */
export function kopsFromSpec(test: string, opts: { stateStore?: string; account?: string; region?: string; completed?: boolean; edit?: (spec: Json) => void } = {}): KopsCluster {
  const read = (file: string): Json[] => parseAllDocuments(readFileSync(realdataPath(`kops/${file}`), 'utf8')).map((d) => obj(d.toJS()));
  const input = read(`${test}.in-v1alpha2.yaml`);
  const clusterDoc = opts.completed ? (read(`${test}.cluster-completed.spec.yaml`)[0] ?? {}) : (input.find((d) => d['kind'] === 'Cluster') ?? {});
  const spec = obj(clusterDoc['spec']);
  opts.edit?.(spec);
  const name = str(obj(clusterDoc['metadata'])['name']) ?? test;
  const stateStore = opts.stateStore ?? 's3://clusters.example.com';
  const subnets: KopsSubnet[] = arr(spec['subnets']).map((s) => {
    const o = obj(s);
    const out: KopsSubnet = { name: str(o['name']) ?? '' };
    for (const key of ['type', 'cidr', 'zone', 'id', 'egress'] as const) {
      const v = str(o[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  });
  const region = opts.region ?? (subnets.find((s) => s.zone)?.zone ?? 'us-test-1a').replace(/[a-z]$/, '');
  const account = opts.account ?? '123456789012';
  const instanceGroups: KopsInstanceGroup[] = input
    .filter((d) => d['kind'] === 'InstanceGroup')
    .map((d) => {
      const ig = obj(d['spec']);
      return {
        name: str(obj(d['metadata'])['name']) ?? '',
        role: str(ig['role']) ?? '',
        subnets: arr(ig['subnets']).map(String),
        ...(typeof ig['associatePublicIp'] === 'boolean' ? { associatePublicIp: ig['associatePublicIp'] } : {}),
      };
    });
  const api = obj(spec['api']);
  const topology = obj(spec['topology']);
  const networking = spec['networking'];
  const opt = (k: string, v: string | undefined): Record<string, string> => (v === undefined ? {} : { [k]: v });
  const proxy = obj(obj(spec['egressProxy'])['httpProxy']);
  return {
    id: `${stateStore}/${name}`,
    name,
    scope: scopeOf({ account, region }),
    accountId: account,
    region,
    tags: {},
    stateStore,
    ...opt('networkId', str(spec['networkID'])),
    networkCidrs: [str(spec['networkCIDR']), ...arr(spec['additionalNetworkCIDRs']).map(String)].filter((c): c is string => c !== undefined),
    subnets,
    ...opt('topologyMasters', str(topology['masters'])),
    ...opt('topologyNodes', str(topology['nodes'])),
    ...opt('dnsType', str(obj(topology['dns'])['type'])),
    ...opt('dnsZone', str(spec['dnsZone'])),
    ...opt('apiLoadBalancerType', str(obj(api['loadBalancer'])['type'])),
    apiDns: api['dns'] !== undefined,
    ...(spec['kubernetesApiAccess'] === undefined ? {} : { kubernetesApiAccess: arr(spec['kubernetesApiAccess']).map(String) }),
    ...opt('networking', typeof networking === 'string' ? networking : Object.keys(obj(networking))[0]),
    ...opt('egressProxy', str(proxy['host'])),
    instanceGroups,
  };
}
