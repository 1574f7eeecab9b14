import { hex } from '../core/deterministic.js';
import { hostIn } from '../core/ipv4.js';
import { pushTo } from '../core/multimap.js';
import type { AwsAccountSpec, AwsEstate, AwsRegionSpec } from './scenario.js';

/**
 * Turns an AWS estate into records the emulation serves, once per scenario: each record keeps its
 * id, the values EC2 filters match on, and its wire form (an XML fragment, or a JSON body for EKS).
 */

export function esc(text: string | number | boolean): string {
  return String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** `<tag>value</tag>`; children given as already-serialised XML with `raw`. */
export function el(tag: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${tag}>${esc(value)}</${tag}>`;
}

export function raw(tag: string, inner: string): string {
  return `<${tag}>${inner}</${tag}>`;
}

function ec2Tags(tags: Record<string, string>): string {
  return raw('tagSet', Object.entries(tags).map(([k, v]) => raw('item', el('key', k) + el('value', v))).join(''));
}

export interface Ec2Record {
  id: string;
  /** Filter name → values (`vpc-id`, `tag:Name`, `state`...). */
  filters: Map<string, string[]>;
  xml: string;
}

function rec(id: string, tags: Record<string, string>, filters: Record<string, (string | undefined)[]>, xml: string): Ec2Record {
  const map = new Map<string, string[]>();
  for (const [k, v] of Object.entries(filters)) map.set(k, v.filter((x): x is string => x !== undefined));
  for (const [k, v] of Object.entries(tags)) map.set(`tag:${k}`, [v]);
  map.set('tag-key', Object.keys(tags));
  return { id, filters: map, xml };
}

export interface LbRecord {
  name: string;
  arn: string;
  vpcId: string;
  xml: string;
  tags: Record<string, string>;
}

interface EksRecord {
  name: string;
  body: Record<string, unknown>;
}

export interface RegionModel {
  account: string;
  region: string;
  denied: boolean;
  vpcs: Ec2Record[];
  subnets: Ec2Record[];
  routeTables: Ec2Record[];
  internetGateways: Ec2Record[];
  instances: Ec2Record[];
  vpcEndpoints: Ec2Record[];
  natGateways: Ec2Record[];
  transitGateways: Ec2Record[];
  transitGatewayAttachments: Ec2Record[];
  transitGatewayVpcAttachments: Ec2Record[];
  elbv2: LbRecord[];
  elb: LbRecord[];
  clusters: EksRecord[];
  /** VPC ids in this account-region, for Route 53 association checks. */
  vpcIds: Set<string>;
  /** Resolves a VPC name or id to its id. */
  vpcByRef: Map<string, string>;
}

export interface HostedZoneModel {
  id: string;
  owner: string;
  name: string;
  private: boolean;
  vpcs: { region: string; vpcId: string }[];
  /** Sorted as Route 53 lists them (by name, then type). */
  records: { name: string; type: string; ttl: number; values: string[] }[];
}

export interface AccountModel {
  id: string;
  name: string;
  email: string;
  denied: boolean;
  regions: Map<string, RegionModel>;
  hostedZones: HostedZoneModel[];
}

/** Monthly data-processing figures of NAT and Transit Gateways (no AWS read API is emulated for them). */
interface TransferFigure {
  account: string;
  region: string;
  resourceId: string;
  kind: 'transit-gateway' | 'nat-gateway';
  quantityGb: number;
  cost: number;
  currency: 'USD';
}

const NAT_PER_GB = 0.045;
const TGW_PER_GB = 0.02;
const CREATED = '2026-01-12T08:30:00.000Z';

function deriveId(prefix: string, key: string): string {
  return `${prefix}-0${hex(key, 16)}`;
}

function azName(region: string, az: string): string {
  return az.length <= 2 ? `${region}${az}` : az;
}

function privateDnsName(ip: string, region: string): string {
  return `ip-${ip.replace(/\./g, '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;
}

function routeTargetXml(target: string, igwId: string | undefined, where: string): { xml: string; field: string; value: string } {
  const t = target === 'igw' ? igwId : target;
  if (!t) throw new Error(`aws estate: ${where} routes to "igw" but the VPC has no internet gateway`);
  if (t === 'local' || t.startsWith('igw-') || t.startsWith('vgw-')) return { xml: el('gatewayId', t), field: 'route.gateway-id', value: t };
  if (t.startsWith('nat-')) return { xml: el('natGatewayId', t), field: 'route.nat-gateway-id', value: t };
  if (t.startsWith('tgw-')) return { xml: el('transitGatewayId', t), field: 'route.transit-gateway-id', value: t };
  if (t.startsWith('pcx-')) return { xml: el('vpcPeeringConnectionId', t), field: 'route.vpc-peering-connection-id', value: t };
  if (t.startsWith('eni-')) return { xml: el('networkInterfaceId', t), field: 'route.network-interface-id', value: t };
  throw new Error(`aws estate: ${where} has route target "${target}"; expected igw, local or an igw-/nat-/tgw-/pcx-/vgw-/eni- id`);
}

/** A region model holding nothing yet (also what undeclared regions serve). */
export function emptyRegionModel(account: string, region: string, denied = false): RegionModel {
  return {
    account,
    region,
    denied,
    vpcs: [],
    subnets: [],
    routeTables: [],
    internetGateways: [],
    instances: [],
    vpcEndpoints: [],
    natGateways: [],
    transitGateways: [],
    transitGatewayAttachments: [],
    transitGatewayVpcAttachments: [],
    elbv2: [],
    elb: [],
    clusters: [],
    vpcIds: new Set(),
    vpcByRef: new Map(),
  };
}

/** Builds one account-region; its NAT and Transit Gateway data-processing figures go to `transfer`. */
function buildRegion(account: AwsAccountSpec, r: AwsRegionSpec, transfer: TransferFigure[]): RegionModel {
  const acct = account.id;
  const region = r.name;
  const key = (kind: string, name: string) => `${acct}/${region}/${kind}/${name}`;
  const m = emptyRegionModel(acct, region, r.denied);
  const subnetByRef = new Map<string, { id: string; vpcId: string; cidr: string; az: string }>();

  for (const v of r.vpcs) {
    const vpcId = v.id ?? deriveId('vpc', key('vpc', v.name));
    const nameTags = { Name: v.name, ...v.tags };
    m.vpcIds.add(vpcId);
    m.vpcByRef.set(vpcId, vpcId);
    m.vpcByRef.set(v.name, vpcId);
    const cidrs = [v.cidr, ...v.secondaryCidrs];
    m.vpcs.push(
      rec(
        vpcId,
        nameTags,
        { 'vpc-id': [vpcId], 'cidr': [v.cidr], 'cidr-block-association.cidr-block': cidrs, 'is-default': [String(v.isDefault)], state: ['available'], 'owner-id': [acct] },
        raw(
          'item',
          el('vpcId', vpcId) +
            el('ownerId', acct) +
            el('state', 'available') +
            el('cidrBlock', v.cidr) +
            raw(
              'cidrBlockAssociationSet',
              cidrs.map((c, i) => raw('item', el('associationId', deriveId('vpc-cidr-assoc', `${vpcId}/${i}`)) + el('cidrBlock', c) + raw('cidrBlockState', el('state', 'associated')))).join(''),
            ) +
            el('dhcpOptionsId', deriveId('dopt', key('dopt', 'default'))) +
            el('instanceTenancy', 'default') +
            el('isDefault', v.isDefault) +
            ec2Tags(nameTags),
        ),
      ),
    );

    for (const s of v.subnets) {
      const subnetId = s.id ?? deriveId('subnet', key('subnet', `${v.name}/${s.name}`));
      const az = azName(region, s.az);
      const tags = { Name: s.name, ...s.tags };
      const info = { id: subnetId, vpcId, cidr: s.cidr, az };
      subnetByRef.set(subnetId, info);
      subnetByRef.set(s.name, info);
      const prefix = Number(s.cidr.split('/')[1] ?? '24');
      m.subnets.push(
        rec(
          subnetId,
          tags,
          { 'subnet-id': [subnetId], 'vpc-id': [vpcId], 'availability-zone': [az], 'cidr-block': [s.cidr], 'map-public-ip-on-launch': [String(s.mapPublicIpOnLaunch)], state: ['available'], 'owner-id': [acct] },
          raw(
            'item',
            el('subnetId', subnetId) +
              el('subnetArn', `arn:aws:ec2:${region}:${acct}:subnet/${subnetId}`) +
              el('state', 'available') +
              el('ownerId', acct) +
              el('vpcId', vpcId) +
              el('cidrBlock', s.cidr) +
              el('availableIpAddressCount', Math.max(0, 2 ** (32 - prefix) - 5)) +
              el('availabilityZone', az) +
              el('availabilityZoneId', `${region.split('-').map((p) => p[0]).join('')}${region.slice(-1)}-az${az.slice(-1).charCodeAt(0) - 96}`) +
              el('defaultForAz', false) +
              el('mapPublicIpOnLaunch', s.mapPublicIpOnLaunch) +
              el('assignIpv6AddressOnCreation', false) +
              ec2Tags(tags),
          ),
        ),
      );
    }

    const igwId = v.internetGateway === false ? undefined : v.internetGateway === true ? deriveId('igw', key('igw', v.name)) : v.internetGateway;
    if (igwId) {
      const tags = { Name: `${v.name}-igw` };
      m.internetGateways.push(
        rec(
          igwId,
          tags,
          { 'internet-gateway-id': [igwId], 'attachment.vpc-id': [vpcId], 'attachment.state': ['available'], 'owner-id': [acct] },
          raw('item', el('internetGatewayId', igwId) + el('ownerId', acct) + raw('attachmentSet', raw('item', el('vpcId', vpcId) + el('state', 'available'))) + ec2Tags(tags)),
        ),
      );
    }

    const tables = v.routeTables.some((t) => t.main) ? v.routeTables : [{ name: `${v.name}-main`, main: true, subnets: [], routes: [], tags: {} }, ...v.routeTables];
    for (const t of tables) {
      const rtbId = ('id' in t && t.id) || deriveId('rtb', key('rtb', `${v.name}/${t.name}`));
      const tags = { Name: t.name, ...t.tags };
      const assocSubnets = t.subnets.map((ref) => {
        const s = subnetByRef.get(ref);
        if (!s || s.vpcId !== vpcId) throw new Error(`aws estate: route table ${acct}/${region}/${t.name} names subnet "${ref}", which VPC ${v.name} does not have`);
        return s.id;
      });
      const routeFilters: Record<string, string[]> = { 'route.destination-cidr-block': [...cidrs] , 'route.gateway-id': ['local'] };
      const routes = [
        ...cidrs.map((c) => raw('item', el('destinationCidrBlock', c) + el('gatewayId', 'local') + el('origin', 'CreateRouteTable') + el('state', 'active'))),
        ...t.routes.map((rt) => {
          const target = routeTargetXml(rt.target, igwId, `route table ${acct}/${region}/${t.name}`);
          (routeFilters['route.destination-cidr-block'] ??= []).push(rt.destination);
          (routeFilters[target.field] ??= []).push(target.value);
          return raw('item', el('destinationCidrBlock', rt.destination) + target.xml + el('origin', 'CreateRoute') + el('state', 'active'));
        }),
      ];
      const associations = [
        ...(t.main ? [raw('item', el('main', true) + el('routeTableAssociationId', deriveId('rtbassoc', `${rtbId}/main`)) + el('routeTableId', rtbId) + raw('associationState', el('state', 'associated')))] : []),
        ...assocSubnets.map((sid) =>
          raw('item', el('main', false) + el('routeTableAssociationId', deriveId('rtbassoc', `${rtbId}/${sid}`)) + el('routeTableId', rtbId) + el('subnetId', sid) + raw('associationState', el('state', 'associated'))),
        ),
      ];
      m.routeTables.push(
        rec(
          rtbId,
          tags,
          { 'route-table-id': [rtbId], 'vpc-id': [vpcId], 'association.main': [String(t.main)], 'association.subnet-id': assocSubnets, 'owner-id': [acct], ...routeFilters },
          raw('item', el('routeTableId', rtbId) + raw('associationSet', associations.join('')) + raw('propagatingVgwSet', '') + raw('routeSet', routes.join('')) + ec2Tags(tags) + el('vpcId', vpcId) + el('ownerId', acct)),
        ),
      );
    }
    const vpcRouteTableIds = m.routeTables.filter((t) => t.filters.get('vpc-id')?.[0] === vpcId).map((t) => t.id);
    const vpcSubnets = v.subnets.map((s) => subnetByRef.get(s.name)?.id).filter((x): x is string => x !== undefined);

    for (const e of v.endpoints) {
      const spec = typeof e === 'string' ? { service: e } : e;
      const service = spec.service.startsWith('com.amazonaws.') ? spec.service : `com.amazonaws.${region}.${spec.service}`;
      const suffix = service.split('.').slice(3).join('.');
      const type = ('type' in spec && spec.type) || (suffix === 's3' || suffix === 'dynamodb' ? 'Gateway' : 'Interface');
      const privateDns = ('privateDns' in spec ? spec.privateDns : undefined) ?? type === 'Interface';
      const vpceId = ('id' in spec && spec.id) || deriveId('vpce', key('vpce', `${v.name}/${service}`));
      const endpointSubnets =
        'subnets' in spec && spec.subnets
          ? spec.subnets.map((ref) => {
              const s = subnetByRef.get(ref);
              if (!s || s.vpcId !== vpcId) throw new Error(`aws estate: VPC endpoint ${service} in ${acct}/${region}/${v.name} names subnet "${ref}", which the VPC does not have`);
              return s.id;
            })
          : vpcSubnets;
      m.vpcEndpoints.push(
        rec(
          vpceId,
          {},
          { 'vpc-endpoint-id': [vpceId], 'vpc-id': [vpcId], 'service-name': [service], 'vpc-endpoint-type': [type], 'vpc-endpoint-state': ['available'] },
          raw(
            'item',
            el('vpcEndpointId', vpceId) +
              el('vpcEndpointType', type) +
              el('vpcId', vpcId) +
              el('serviceName', service) +
              el('state', 'available') +
              raw('routeTableIdSet', type === 'Gateway' ? vpcRouteTableIds.map((id) => el('item', id)).join('') : '') +
              raw('subnetIdSet', type === 'Interface' ? endpointSubnets.map((id) => el('item', id)).join('') : '') +
              el('privateDnsEnabled', privateDns) +
              el('requesterManaged', false) +
              el('ownerId', acct) +
              el('creationTimestamp', CREATED) +
              raw('tagSet', ''),
          ),
        ),
      );
    }

    for (const n of v.natGateways) {
      const natId = n.id ?? deriveId('nat', key('nat', `${v.name}/${n.name}`));
      transfer.push({ account: acct, region, resourceId: natId, kind: 'nat-gateway', quantityGb: n.dataProcessedGb, cost: n.costUsd ?? round(n.dataProcessedGb * NAT_PER_GB), currency: 'USD' });
      const s = subnetByRef.get(n.subnet);
      if (!s || s.vpcId !== vpcId) throw new Error(`aws estate: NAT gateway ${acct}/${region}/${n.name} names subnet "${n.subnet}", which VPC ${v.name} does not have`);
      const tags = { Name: n.name, ...n.tags };
      m.natGateways.push(
        rec(
          natId,
          tags,
          { 'nat-gateway-id': [natId], 'vpc-id': [vpcId], 'subnet-id': [s.id], state: ['available'] },
          raw(
            'item',
            el('natGatewayId', natId) +
              el('vpcId', vpcId) +
              el('subnetId', s.id) +
              el('state', 'available') +
              el('connectivityType', 'public') +
              el('createTime', CREATED) +
              raw(
                'natGatewayAddressSet',
                raw('item', el('allocationId', deriveId('eipalloc', natId)) + el('networkInterfaceId', deriveId('eni', natId)) + el('privateIp', hostIn(s.cidr, 5)) + el('publicIp', n.publicIp ?? `52.${parseInt(hex(natId, 2), 16)}.${parseInt(hex(natId + 'b', 2), 16)}.10`) + el('isPrimary', true) + el('status', 'succeeded')),
              ) +
              ec2Tags(tags),
          ),
        ),
      );
    }
  }

  r.instances.forEach((inst, i) => {
    const s = subnetByRef.get(inst.subnet);
    if (!s) throw new Error(`aws estate: instance ${acct}/${region}/${inst.name} names subnet "${inst.subnet}", which region ${region} does not have`);
    const instanceId = inst.id ?? deriveId('i', key('instance', inst.name));
    const ip = inst.privateIp ?? hostIn(s.cidr, 10 + i);
    const tags = { Name: inst.name, ...(inst.cluster ? { 'eks:cluster-name': inst.cluster, [`kubernetes.io/cluster/${inst.cluster}`]: 'owned' } : {}), ...inst.tags };
    m.instances.push(
      rec(
        instanceId,
        tags,
        { 'instance-id': [instanceId], 'vpc-id': [s.vpcId], 'subnet-id': [s.id], 'instance-state-name': ['running'], 'private-ip-address': [ip], 'ip-address': [inst.publicIp], 'availability-zone': [s.az] },
        raw(
          'item',
          el('reservationId', deriveId('r', instanceId)) +
            el('ownerId', acct) +
            raw('groupSet', '') +
            raw(
              'instancesSet',
              raw(
                'item',
                el('instanceId', instanceId) +
                  el('imageId', deriveId('ami', `${region}/eks-node`)) +
                  raw('instanceState', el('code', 16) + el('name', 'running')) +
                  el('privateDnsName', privateDnsName(ip, region)) +
                  el('dnsName', inst.publicIp ? `ec2-${inst.publicIp.replace(/\./g, '-')}.${region}.compute.amazonaws.com` : '') +
                  el('instanceType', inst.instanceType) +
                  el('launchTime', CREATED) +
                  raw('placement', el('availabilityZone', s.az) + el('tenancy', 'default')) +
                  el('subnetId', s.id) +
                  el('vpcId', s.vpcId) +
                  el('privateIpAddress', ip) +
                  el('ipAddress', inst.publicIp) +
                  el('architecture', 'x86_64') +
                  el('rootDeviceType', 'ebs') +
                  ec2Tags(tags),
              ),
            ),
        ),
      ),
    );
  });

  for (const lb of r.loadBalancers) {
    const vpcId = m.vpcByRef.get(lb.vpc);
    if (!vpcId) throw new Error(`aws estate: load balancer ${acct}/${region}/${lb.name} names VPC "${lb.vpc}", which region ${region} does not have`);
    const subnets = lb.subnets.map((ref) => {
      const s = subnetByRef.get(ref);
      if (!s) throw new Error(`aws estate: load balancer ${acct}/${region}/${lb.name} names subnet "${ref}", which region ${region} does not have`);
      return s;
    });
    const h = hex(key('lb', lb.name), 16);
    const internal = lb.scheme === 'internal';
    if (lb.type === 'classic') {
      const dns = `${internal ? 'internal-' : ''}${lb.name}-${parseInt(h.slice(0, 8), 16)}.${region}.elb.amazonaws.com`;
      m.elb.push({
        name: lb.name,
        arn: `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/${lb.name}`,
        vpcId,
        tags: lb.tags,
        xml: raw(
          'member',
          el('LoadBalancerName', lb.name) +
            el('DNSName', dns) +
            el('CanonicalHostedZoneNameID', 'Z32O12XQLNTSW2') +
            raw('ListenerDescriptions', raw('member', raw('PolicyNames', '') + raw('Listener', el('Protocol', 'TCP') + el('LoadBalancerPort', 443) + el('InstanceProtocol', 'TCP') + el('InstancePort', 30443)))) +
            raw('Policies', raw('AppCookieStickinessPolicies', '') + raw('LBCookieStickinessPolicies', '') + raw('OtherPolicies', '')) +
            raw('BackendServerDescriptions', '') +
            raw('AvailabilityZones', subnets.map((s) => el('member', s.az)).join('')) +
            raw('Subnets', subnets.map((s) => el('member', s.id)).join('')) +
            el('VPCId', vpcId) +
            raw('Instances', '') +
            raw('HealthCheck', el('Target', 'TCP:30443') + el('Interval', 10) + el('Timeout', 5) + el('UnhealthyThreshold', 6) + el('HealthyThreshold', 2)) +
            raw('SourceSecurityGroup', el('OwnerAlias', acct) + el('GroupName', `k8s-elb-${lb.name}`)) +
            raw('SecurityGroups', el('member', deriveId('sg', key('sg', lb.name)))) +
            el('CreatedTime', CREATED) +
            el('Scheme', lb.scheme),
        ),
      });
      continue;
    }
    const kind = lb.type === 'application' ? 'app' : lb.type === 'network' ? 'net' : 'gwy';
    const arn = `arn:aws:elasticloadbalancing:${region}:${acct}:loadbalancer/${kind}/${lb.name}/${lb.id ?? h}`;
    const dns = `${internal ? 'internal-' : ''}${lb.name}-${h.slice(0, 10)}.elb.${region}.amazonaws.com`;
    m.elbv2.push({
      name: lb.name,
      arn,
      vpcId,
      tags: lb.tags,
      xml: raw(
        'member',
        el('LoadBalancerArn', arn) +
          el('DNSName', dns) +
          el('CanonicalHostedZoneId', 'Z2IFOLAFXWLO4F') +
          el('CreatedTime', CREATED) +
          el('LoadBalancerName', lb.name) +
          el('Scheme', lb.scheme) +
          el('VpcId', vpcId) +
          raw('State', el('Code', 'active')) +
          el('Type', lb.type) +
          raw('AvailabilityZones', subnets.map((s) => raw('member', el('ZoneName', s.az) + el('SubnetId', s.id))).join('')) +
          (lb.type === 'application' ? raw('SecurityGroups', el('member', deriveId('sg', key('sg', lb.name)))) : '') +
          el('IpAddressType', 'ipv4'),
      ),
    });
  }

  for (const c of r.clusters) {
    const subnets = c.subnets.map((ref) => {
      const s = subnetByRef.get(ref);
      if (!s) throw new Error(`aws estate: EKS cluster ${acct}/${region}/${c.name} names subnet "${ref}", which region ${region} does not have`);
      return s;
    });
    const vpcId = subnets[0]?.vpcId ?? '';
    const h = hex(key('eks', c.name), 32).toUpperCase();
    m.clusters.push({
      name: c.name,
      body: {
        name: c.name,
        arn: `arn:aws:eks:${region}:${acct}:cluster/${c.name}`,
        createdAt: 1768206600,
        version: c.version,
        endpoint: `https://${h}.gr7.${region}.eks.amazonaws.com`,
        roleArn: `arn:aws:iam::${acct}:role/${c.name}-cluster-role`,
        resourcesVpcConfig: {
          subnetIds: subnets.map((s) => s.id),
          securityGroupIds: [],
          clusterSecurityGroupId: deriveId('sg', key('eks-sg', c.name)),
          vpcId,
          endpointPublicAccess: c.endpointPublicAccess,
          endpointPrivateAccess: c.endpointPrivateAccess,
          publicAccessCidrs: c.publicAccessCidrs ?? (c.endpointPublicAccess ? ['0.0.0.0/0'] : []),
        },
        kubernetesNetworkConfig: { serviceIpv4Cidr: c.serviceIpv4Cidr, ipFamily: 'ipv4' },
        logging: { clusterLogging: [{ types: ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'], enabled: true }] },
        identity: { oidc: { issuer: `https://oidc.eks.${region}.amazonaws.com/id/${h}` } },
        status: 'ACTIVE',
        certificateAuthority: { data: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==' },
        platformVersion: 'eks.12',
        tags: c.tags,
        accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
      },
    });
  }

  for (const t of r.transitGateways) {
    const tgwId = t.id ?? deriveId('tgw', key('tgw', t.name));
    transfer.push({ account: acct, region, resourceId: tgwId, kind: 'transit-gateway', quantityGb: t.dataProcessedGb, cost: t.costUsd ?? round(t.dataProcessedGb * TGW_PER_GB), currency: 'USD' });
    const tags = { Name: t.name, ...t.tags };
    const rtbId = deriveId('tgw-rtb', tgwId);
    m.transitGateways.push(
      rec(
        tgwId,
        tags,
        { 'transit-gateway-id': [tgwId], state: ['available'], 'owner-id': [acct] },
        raw(
          'item',
          el('transitGatewayId', tgwId) +
            el('transitGatewayArn', `arn:aws:ec2:${region}:${acct}:transit-gateway/${tgwId}`) +
            el('state', 'available') +
            el('ownerId', acct) +
            el('description', t.name) +
            el('creationTime', CREATED) +
            raw(
              'options',
              el('amazonSideAsn', 64512) + el('autoAcceptSharedAttachments', 'disable') + el('defaultRouteTableAssociation', 'enable') + el('associationDefaultRouteTableId', rtbId) + el('defaultRouteTablePropagation', 'enable') + el('propagationDefaultRouteTableId', rtbId) + el('vpnEcmpSupport', 'enable') + el('dnsSupport', 'enable'),
            ) +
            ec2Tags(tags),
        ),
      ),
    );
    for (const ref of t.attachments) {
      const vpcId = m.vpcByRef.get(ref);
      if (!vpcId) throw new Error(`aws estate: transit gateway ${acct}/${region}/${t.name} attaches VPC "${ref}", which region ${region} does not have`);
      const attId = deriveId('tgw-attach', `${tgwId}/${vpcId}`);
      const filters = { 'transit-gateway-attachment-id': [attId], 'transit-gateway-id': [tgwId], 'resource-id': [vpcId], 'vpc-id': [vpcId], 'resource-type': ['vpc'], state: ['available'] };
      m.transitGatewayAttachments.push(
        rec(
          attId,
          {},
          filters,
          raw(
            'item',
            el('transitGatewayAttachmentId', attId) + el('transitGatewayId', tgwId) + el('transitGatewayOwnerId', acct) + el('resourceOwnerId', acct) + el('resourceType', 'vpc') + el('resourceId', vpcId) + el('state', 'available') + raw('association', el('transitGatewayRouteTableId', rtbId) + el('state', 'associated')) + el('creationTime', CREATED) + raw('tagSet', ''),
          ),
        ),
      );
      const attSubnets = m.subnets.filter((s) => s.filters.get('vpc-id')?.[0] === vpcId).slice(0, 1).map((s) => s.id);
      m.transitGatewayVpcAttachments.push(
        rec(
          attId,
          {},
          filters,
          raw(
            'item',
            el('transitGatewayAttachmentId', attId) + el('transitGatewayId', tgwId) + el('vpcId', vpcId) + el('vpcOwnerId', acct) + el('state', 'available') + raw('subnetIds', attSubnets.map((s) => el('item', s)).join('')) + el('creationTime', CREATED) + raw('options', el('dnsSupport', 'enable') + el('ipv6Support', 'disable') + el('applianceModeSupport', 'disable')) + raw('tagSet', ''),
          ),
        ),
      );
    }
  }
  return m;
}

function zoneId(key: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const h = hex(key, 40);
  let out = 'Z';
  for (let i = 0; i < 20; i++) out += alphabet[parseInt(h.slice(i * 2, i * 2 + 2), 16) % alphabet.length] ?? 'A';
  return out;
}

interface AwsModel {
  management: string;
  organizationId: string;
  accounts: Map<string, AccountModel>;
  /** `<region>/<vpc id>` → hosted zones associated with that VPC (any owner). */
  zonesByVpc: Map<string, HostedZoneModel[]>;
  transfer: TransferFigure[];
}

export function buildAwsModel(estate: AwsEstate): AwsModel {
  const accounts = new Map<string, AccountModel>();
  const zonesByVpc = new Map<string, HostedZoneModel[]>();
  const transfer: TransferFigure[] = [];
  for (const a of estate.accounts) {
    if (accounts.has(a.id)) throw new Error(`aws estate: account ${a.id} is declared twice`);
    const model: AccountModel = { id: a.id, name: a.name, email: a.email ?? `aws+${a.name}@example.com`, denied: a.denied, regions: new Map(), hostedZones: [] };
    for (const r of a.regions) {
      if (model.regions.has(r.name)) throw new Error(`aws estate: account ${a.id} declares region ${r.name} twice`);
      model.regions.set(r.name, buildRegion(a, r, transfer));
    }
    for (const z of a.hostedZones) {
      const name = z.name.endsWith('.') ? z.name : `${z.name}.`;
      const vpcs = z.vpcs.map((assoc) => {
        const vpcId = model.regions.get(assoc.region)?.vpcByRef.get(assoc.vpc) ?? (assoc.vpc.startsWith('vpc-') ? assoc.vpc : undefined);
        if (!vpcId) throw new Error(`aws estate: hosted zone ${a.id}/${name} is associated with VPC "${assoc.vpc}" in ${assoc.region}, which account ${a.id} does not have`);
        return { region: assoc.region, vpcId };
      });
      const records = [
        { name, type: 'NS', ttl: 172800, values: ['ns-1536.awsdns-00.co.uk.', 'ns-0.awsdns-00.com.', 'ns-1024.awsdns-00.org.', 'ns-512.awsdns-00.net.'] },
        { name, type: 'SOA', ttl: 900, values: ['ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400'] },
        ...z.records.map((r) => ({ name: r.name.endsWith('.') ? r.name : `${r.name}.${name}`, type: r.type, ttl: r.ttl, values: r.values })),
      ].sort((x, y) => (x.name === y.name ? x.type.localeCompare(y.type) : recordSortKey(x.name).localeCompare(recordSortKey(y.name))));
      const zone: HostedZoneModel = { id: z.id ?? zoneId(`${a.id}/${name}/${String(z.private)}`), owner: a.id, name, private: z.private, vpcs, records };
      model.hostedZones.push(zone);
      for (const v of vpcs) pushTo(zonesByVpc, `${v.region}/${v.vpcId}`, zone);
    }
    accounts.set(a.id, model);
  }
  const management = estate.managementAccount ?? estate.accounts[0]?.id ?? '000000000000';
  return { management, organizationId: estate.organizationId, accounts, zonesByVpc, transfer };
}

/** Route 53 lists record sets by name with the labels reversed (`com.example.www`), then type. */
export function recordSortKey(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').split('.').reverse().join('.');
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}
