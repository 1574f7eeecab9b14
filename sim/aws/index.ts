import { randomUUID } from 'node:crypto';
import { clampPageSize, pageWindow } from '../core/paging.js';
import type { ProviderEnv, ProviderFactory, ProviderServer, RoutedCall, SimRequest, SimResponse } from '../core/types.js';
import { buildAwsModel, el, emptyRegionModel, esc, raw, recordSortKey, type Ec2Record, type HostedZoneModel, type LbRecord, type RegionModel } from './model.js';
import { awsEstateSchema, type AwsEstate } from './scenario.js';
import { createStorageCost } from './storage-cost.js';

/**
 * The AWS emulation, all services on one listener, told apart by the SigV4 credential scope
 * (`Credential=<key>/<date>/<region>/<service>/aws4_request`):
 *   ec2                   query API (form POST), XML, NextToken/MaxResults
 *   elasticloadbalancing  ELBv2 (Version 2015-12-01) and classic ELB (2012-06-01), Marker/NextMarker
 *   eks                   REST JSON: GET /clusters, GET /clusters/<name>
 *   route53               REST XML under /2013-04-01/
 *   sts                   AssumeRole, GetCallerIdentity
 *   organizations         JSON 1.1 (X-Amz-Target): ListAccounts, DescribeOrganization
 * The region comes from the credential scope, the account from the access key: keys issued by
 * AssumeRole are `ASIA<12-digit account><4 chars>`; any other key acts as the management account.
 * Signatures are not verified.
 */

interface AwsCaller {
  account: string;
  region: string;
  service: string;
  accessKey: string;
}

const EC2_NS = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const ELBV2_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/';
const ELB_NS = 'http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/';
const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const R53_NS = 'https://route53.amazonaws.com/doc/2013-04-01/';

const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n';

function xml(status: number, body: string, extra: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'text/xml;charset=UTF-8', 'x-amzn-requestid': randomUUID(), ...extra }, body: XML_HEAD + body };
}

function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), ...headers }, body: JSON.stringify(body) };
}

function ec2Error(status: number, code: string, message: string): SimResponse {
  return xml(status, `<Response><Errors><Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`);
}

/** The query-protocol / REST-XML error shape of ELB, STS and Route 53. */
function queryError(ns: string, status: number, code: string, message: string): SimResponse {
  return xml(status, `<ErrorResponse xmlns="${ns}"><Error><Type>Sender</Type><Code>${esc(code)}</Code><Message>${esc(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`);
}

function eksError(status: number, type: string, message: string): SimResponse {
  return jsonResponse(status, { message }, { 'x-amzn-errortype': type });
}

function orgError(type: string, message: string): SimResponse {
  return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify({ __type: type, Message: message }) };
}

/** Values of a flattened query list: `<prefix>.1`, `<prefix>.2`, ... (EC2) or `<prefix>.member.N` (ELB). */
function listParam(params: URLSearchParams, prefix: string): string[] {
  const out: { i: number; v: string }[] = [];
  const re = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(\\d+)$`);
  for (const [k, v] of params) {
    const m = re.exec(k);
    if (m) out.push({ i: Number(m[1]), v });
  }
  return out.sort((a, b) => a.i - b.i).map((x) => x.v);
}

function ec2Filters(params: URLSearchParams): { name: string; values: string[] }[] {
  const filters: { name: string; values: string[] }[] = [];
  for (const prefix of ['Filter', 'Filters']) {
    for (let i = 1; ; i++) {
      const name = params.get(`${prefix}.${i}.Name`);
      if (name === null) break;
      filters.push({ name, values: listParam(params, `${prefix}.${i}.Value`) });
    }
  }
  return filters;
}

function glob(pattern: string): (v: string) => boolean {
  if (!pattern.includes('*') && !pattern.includes('?')) return (v) => v === pattern;
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (v) => re.test(v);
}

interface Ec2Action {
  setName: string;
  records: (r: RegionModel) => Ec2Record[];
  idParams: string[];
  notFound: string;
}

const EC2_ACTIONS: Record<string, Ec2Action> = {
  DescribeVpcs: { setName: 'vpcSet', records: (r) => r.vpcs, idParams: ['VpcId'], notFound: 'InvalidVpcID.NotFound' },
  DescribeSubnets: { setName: 'subnetSet', records: (r) => r.subnets, idParams: ['SubnetId'], notFound: 'InvalidSubnetID.NotFound' },
  DescribeRouteTables: { setName: 'routeTableSet', records: (r) => r.routeTables, idParams: ['RouteTableId'], notFound: 'InvalidRouteTableID.NotFound' },
  DescribeInternetGateways: { setName: 'internetGatewaySet', records: (r) => r.internetGateways, idParams: ['InternetGatewayId'], notFound: 'InvalidInternetGatewayID.NotFound' },
  DescribeInstances: { setName: 'reservationSet', records: (r) => r.instances, idParams: ['InstanceId'], notFound: 'InvalidInstanceID.NotFound' },
  DescribeVpcEndpoints: { setName: 'vpcEndpointSet', records: (r) => r.vpcEndpoints, idParams: ['VpcEndpointId'], notFound: 'InvalidVpcEndpointId.NotFound' },
  DescribeNatGateways: { setName: 'natGatewaySet', records: (r) => r.natGateways, idParams: ['NatGatewayId'], notFound: 'NatGatewayNotFound' },
  DescribeTransitGateways: { setName: 'transitGatewaySet', records: (r) => r.transitGateways, idParams: ['TransitGatewayIds'], notFound: 'InvalidTransitGatewayID.NotFound' },
  DescribeTransitGatewayAttachments: { setName: 'transitGatewayAttachments', records: (r) => r.transitGatewayAttachments, idParams: ['TransitGatewayAttachmentIds'], notFound: 'InvalidTransitGatewayAttachmentID.NotFound' },
  DescribeTransitGatewayVpcAttachments: { setName: 'transitGatewayVpcAttachments', records: (r) => r.transitGatewayVpcAttachments, idParams: ['TransitGatewayAttachmentIds'], notFound: 'InvalidTransitGatewayAttachmentID.NotFound' },
};

/** The message AWS gives a caller whose role lacks the permission for an operation (`ec2:DescribeVpcs`). */
function notAuthorized(caller: AwsCaller, operation: string): string {
  return `User: arn:aws:sts::${caller.account}:assumed-role/airlock-audit/airlock is not authorized to perform: ${operation}`;
}

/** Access key id of the credentials AssumeRole issues for an account. */
function assumedAccessKeyId(account: string, salt: string): string {
  return `ASIA${account}${salt.replace(/[^A-Z0-9]/gi, '').toUpperCase().padEnd(4, 'X').slice(0, 4)}`;
}

export const createAwsProvider: ProviderFactory<AwsEstate> = (estateInput: AwsEstate, env: ProviderEnv): ProviderServer => {
  const estate = awsEstateSchema.parse(estateInput);
  const model = buildAwsModel(estate);
  const storageCost = createStorageCost(estate, model.transfer, env);
  const regionNames = [...new Set(estate.accounts.flatMap((a) => a.regions.map((r) => r.name)))];
  const emptyRegions = new Map<string, RegionModel>();

  function callerOf(req: SimRequest): AwsCaller | undefined {
    const auth = req.headers.authorization ?? '';
    const m = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(auth);
    if (!m) return undefined;
    const accessKey = m[1] ?? '';
    const keyAccount = /^(?:AKIA|ASIA)(\d{12})/.exec(accessKey)?.[1];
    return { accessKey, account: keyAccount ?? model.management, region: m[2] ?? '', service: m[3] ?? '' };
  }

  function regionModel(caller: AwsCaller): RegionModel {
    const found = model.accounts.get(caller.account)?.regions.get(caller.region);
    if (found) return found;
    // Regions the estate does not declare exist but hold nothing; one shared empty model each.
    const k = `${caller.account}/${caller.region}`;
    let empty = emptyRegions.get(k);
    if (!empty) {
      empty = emptyRegionModel(caller.account, caller.region);
      if (emptyRegions.size < 10_000) emptyRegions.set(k, empty);
    }
    return empty;
  }

  function isDenied(caller: AwsCaller): boolean {
    const account = model.accounts.get(caller.account);
    if (!account) return caller.account !== model.management;
    return account.denied || (account.regions.get(caller.region)?.denied ?? false);
  }

  // ---- EC2 ---------------------------------------------------------------------------------
  function routeEc2(caller: AwsCaller, params: URLSearchParams): RoutedCall | undefined {
    const action = params.get('Action') ?? '';
    const operation = `ec2:${action}`;
    const base = { operation, bucket: `${caller.account}/${caller.region}`, throttle: 'ec2' as const };
    if (action === 'DescribeRegions') {
      return {
        ...base,
        handle: () =>
          xml(
            200,
            `<DescribeRegionsResponse xmlns="${EC2_NS}"><requestId>${randomUUID()}</requestId><regionInfo>${(regionNames.length > 0 ? regionNames : [caller.region])
              .map((r) => raw('item', el('regionName', r) + el('regionEndpoint', `ec2.${r}.amazonaws.com`) + el('optInStatus', 'opt-in-not-required')))
              .join('')}</regionInfo></DescribeRegionsResponse>`,
          ),
      };
    }
    const spec = EC2_ACTIONS[action];
    if (!spec) return undefined;
    return {
      ...base,
      handle: () => {
        if (isDenied(caller)) return ec2Error(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. ${notAuthorized(caller, operation)}`);
        const region = regionModel(caller);
        let records = spec.records(region);
        const ids = spec.idParams.flatMap((p) => listParam(params, p));
        if (ids.length > 0) {
          const missing = ids.filter((id) => !records.some((r) => r.id === id));
          if (missing.length > 0) return ec2Error(400, spec.notFound, `The ${spec.notFound.split('.')[0]?.replace(/^Invalid/, '') ?? 'resource'} ID '${missing.join("', '")}' does not exist`);
          records = records.filter((r) => ids.includes(r.id));
        }
        for (const f of ec2Filters(params)) {
          const matchers = f.values.map(glob);
          records = records.filter((r) => (r.filters.get(f.name) ?? []).some((v) => matchers.some((m) => m(v))));
        }
        const token = params.get('NextToken');
        const w = pageWindow(token, params.get('MaxResults'), env.pageSize(operation), records.length);
        if (!w) return ec2Error(400, 'InvalidNextToken', `The token '${token ?? ''}' is invalid.`);
        const page = records.slice(w.from, w.from + w.size);
        return xml(200, `<${action}Response xmlns="${EC2_NS}"><requestId>${randomUUID()}</requestId><${spec.setName}>${page.map((r) => r.xml).join('')}</${spec.setName}>${el('nextToken', w.next)}</${action}Response>`);
      },
    };
  }

  // ---- ELBv2 and classic ELB ---------------------------------------------------------------
  function routeElb(caller: AwsCaller, params: URLSearchParams): RoutedCall | undefined {
    const action = params.get('Action') ?? '';
    const classic = params.get('Version') === '2012-06-01';
    const ns = classic ? ELB_NS : ELBV2_NS;
    const prefix = classic ? 'elb' : 'elbv2';
    const operation = `${prefix}:${action}`;
    const wrap = (inner: string) => xml(200, `<${action}Response xmlns="${ns}"><${action}Result>${inner}</${action}Result><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`);
    /** A call that reads the caller's classic or v2 load balancers, refused in a denied account-region. */
    const call = (handle: (lbs: LbRecord[]) => SimResponse): RoutedCall => ({
      operation,
      bucket: `${caller.account}/${caller.region}`,
      throttle: 'aws-other',
      handle: () => {
        if (isDenied(caller)) return queryError(ns, 403, 'AccessDenied', notAuthorized(caller, `elasticloadbalancing:${action}`));
        const region = regionModel(caller);
        return handle(classic ? region.elb : region.elbv2);
      },
    });
    if (action === 'DescribeLoadBalancers') {
      return call((lbs) => {
        let all = lbs;
        const names = classic ? listParam(params, 'LoadBalancerNames.member') : listParam(params, 'Names.member');
        const arns = classic ? [] : listParam(params, 'LoadBalancerArns.member');
        if (names.length > 0 || arns.length > 0) {
          const missing = [...names.filter((n) => !all.some((l) => l.name === n)), ...arns.filter((a) => !all.some((l) => l.arn === a))];
          if (missing.length > 0) return queryError(ns, 400, 'LoadBalancerNotFound', `Load balancers '[${missing.join(', ')}]' not found`);
          all = all.filter((l) => names.includes(l.name) || arns.includes(l.arn));
        }
        const marker = params.get('Marker');
        const w = pageWindow(marker, params.get('PageSize'), env.pageSize(operation), all.length);
        if (!w) return queryError(ns, 400, 'ValidationError', `Invalid marker '${marker ?? ''}'`);
        const page = all.slice(w.from, w.from + w.size);
        return wrap(raw(classic ? 'LoadBalancerDescriptions' : 'LoadBalancers', page.map((l) => l.xml).join('')) + el('NextMarker', w.next));
      });
    }
    if (action === 'DescribeTags') {
      return call((all) => {
        const keys = classic ? listParam(params, 'LoadBalancerNames.member') : listParam(params, 'ResourceArns.member');
        const found = keys.map((k) => all.find((l) => (classic ? l.name : l.arn) === k));
        const missingIndex = found.findIndex((f) => f === undefined);
        if (missingIndex >= 0) return queryError(ns, 400, 'LoadBalancerNotFound', `Load balancer '${keys[missingIndex] ?? ''}' not found`);
        const descriptions = found
          .filter((l): l is LbRecord => l !== undefined)
          .map((l) => raw('member', (classic ? el('LoadBalancerName', l.name) : el('ResourceArn', l.arn)) + raw('Tags', Object.entries(l.tags).map(([k, v]) => raw('member', el('Key', k) + el('Value', v))).join(''))))
          .join('');
        return wrap(raw('TagDescriptions', descriptions));
      });
    }
    return undefined;
  }

  // ---- EKS ---------------------------------------------------------------------------------
  function routeEks(caller: AwsCaller, req: SimRequest): RoutedCall | undefined {
    const parts = req.url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (req.method !== 'GET' || parts[0] !== 'clusters') return undefined;
    const call = (action: string, handle: (operation: string) => SimResponse): RoutedCall => {
      const operation = `eks:${action}`;
      return {
        operation,
        bucket: `${caller.account}/${caller.region}`,
        throttle: 'aws-other',
        handle: () => (isDenied(caller) ? eksError(403, 'AccessDeniedException', notAuthorized(caller, operation)) : handle(operation)),
      };
    };
    if (parts.length === 1) {
      return call('ListClusters', (operation) => {
        const names = regionModel(caller).clusters.map((c) => c.name);
        const token = req.url.searchParams.get('nextToken');
        const w = pageWindow(token, req.url.searchParams.get('maxResults'), env.pageSize(operation), names.length);
        if (!w) return eksError(400, 'InvalidParameterException', `The nextToken '${token ?? ''}' is not valid.`);
        return jsonResponse(200, { clusters: names.slice(w.from, w.from + w.size), nextToken: w.next ?? null });
      });
    }
    if (parts.length === 2) {
      const name = parts[1] ?? '';
      return call('DescribeCluster', () => {
        const c = regionModel(caller).clusters.find((x) => x.name === name);
        return c ? jsonResponse(200, { cluster: c.body }) : eksError(404, 'ResourceNotFoundException', `No cluster found for name: ${name}.`);
      });
    }
    return undefined;
  }

  // ---- Route 53 ----------------------------------------------------------------------------
  function zoneSummary(z: HostedZoneModel): string {
    return raw(
      'HostedZone',
      el('Id', `/hostedzone/${z.id}`) + el('Name', z.name) + el('CallerReference', `airlock-sim-${z.id}`) + raw('Config', el('Comment', '') + el('PrivateZone', z.private)) + el('ResourceRecordSetCount', z.records.length),
    );
  }

  function routeRoute53(caller: AwsCaller, req: SimRequest): RoutedCall | undefined {
    const parts = req.url.pathname.split('/').filter((s) => s !== '').map(decodeURIComponent);
    if (req.method !== 'GET' || parts[0] !== '2013-04-01') return undefined;
    const q = req.url.searchParams;
    const account = model.accounts.get(caller.account);
    const call = (action: string, handle: (operation: string) => SimResponse): RoutedCall => {
      const operation = `route53:${action}`;
      return {
        operation,
        bucket: caller.account,
        throttle: 'aws-other',
        handle: () => (!account || account.denied ? queryError(R53_NS, 403, 'AccessDenied', notAuthorized(caller, operation)) : handle(operation)),
      };
    };
    const zoneCall = (action: string, handle: (zone: HostedZoneModel, operation: string) => SimResponse): RoutedCall =>
      call(action, (operation) => {
        const id = parts[2] ?? '';
        const z = account?.hostedZones.find((h) => h.id === id.replace(/^\/?hostedzone\//, ''));
        return z ? handle(z, operation) : queryError(R53_NS, 404, 'NoSuchHostedZone', `No hosted zone found with ID: ${id}`);
      });

    if (parts[1] === 'hostedzonesbyvpc' && parts.length === 2) {
      return call('ListHostedZonesByVPC', (operation) => {
        const vpcId = q.get('vpcid') ?? '';
        const vpcRegion = q.get('vpcregion') ?? '';
        if (!account?.regions.get(vpcRegion)?.vpcIds.has(vpcId)) return queryError(R53_NS, 400, 'InvalidVPCId', `The VPC ${vpcId} in ${vpcRegion} is not owned by account ${caller.account}.`);
        const zones = model.zonesByVpc.get(`${vpcRegion}/${vpcId}`) ?? [];
        const token = q.get('nexttoken');
        const w = pageWindow(token, q.get('maxitems'), env.pageSize(operation), zones.length);
        if (!w) return queryError(R53_NS, 400, 'InvalidPaginationToken', `The pagination token '${token ?? ''}' is invalid.`);
        const page = zones.slice(w.from, w.from + w.size);
        const summaries = page.map((z) => raw('HostedZoneSummary', el('HostedZoneId', z.id) + el('Name', z.name) + raw('Owner', el('OwningAccount', z.owner)))).join('');
        return xml(200, `<ListHostedZonesByVPCResponse xmlns="${R53_NS}">${raw('HostedZoneSummaries', summaries)}${el('MaxItems', w.size)}${el('NextToken', w.next)}</ListHostedZonesByVPCResponse>`);
      });
    }
    if (parts[1] === 'hostedzone' && parts.length === 2) {
      return call('ListHostedZones', (operation) => {
        const zones = account?.hostedZones ?? [];
        const marker = q.get('marker');
        const from = marker ? Math.max(0, zones.findIndex((z) => z.id === marker)) : 0;
        const size = clampPageSize(q.get('maxitems'), env.pageSize(operation));
        const page = zones.slice(from, from + size);
        const nextZone = zones[from + size];
        return xml(
          200,
          `<ListHostedZonesResponse xmlns="${R53_NS}">${raw('HostedZones', page.map(zoneSummary).join(''))}${el('Marker', marker ?? '')}${el('IsTruncated', nextZone !== undefined)}${nextZone ? el('NextMarker', nextZone.id) : ''}${el('MaxItems', size)}</ListHostedZonesResponse>`,
        );
      });
    }
    if (parts[1] === 'hostedzone' && parts.length === 3) {
      return zoneCall('GetHostedZone', (z) => {
        const tail = z.private
          ? raw('VPCs', z.vpcs.map((v) => raw('VPC', el('VPCRegion', v.region) + el('VPCId', v.vpcId))).join(''))
          : raw('DelegationSet', raw('NameServers', ['ns-1536.awsdns-00.co.uk', 'ns-0.awsdns-00.com'].map((n) => el('NameServer', n)).join('')));
        return xml(200, `<GetHostedZoneResponse xmlns="${R53_NS}">${zoneSummary(z)}${tail}</GetHostedZoneResponse>`);
      });
    }
    if (parts[1] === 'hostedzone' && parts[3] === 'rrset' && parts.length === 4) {
      return zoneCall('ListResourceRecordSets', (z, operation) => {
        const startName = q.get('name');
        const startType = q.get('type');
        let from = 0;
        if (startName) {
          const norm = startName.endsWith('.') ? startName : `${startName}.`;
          const key = recordSortKey(norm);
          from = z.records.findIndex((r) => {
            const k = recordSortKey(r.name);
            return k > key || (k === key && (!startType || r.type >= startType));
          });
          if (from < 0) from = z.records.length;
        }
        const size = clampPageSize(q.get('maxitems'), env.pageSize(operation));
        const page = z.records.slice(from, from + size);
        const next = z.records[from + size];
        const sets = page
          .map((r) => raw('ResourceRecordSet', el('Name', r.name) + el('Type', r.type) + el('TTL', r.ttl) + raw('ResourceRecords', r.values.map((v) => raw('ResourceRecord', el('Value', v))).join(''))))
          .join('');
        return xml(
          200,
          `<ListResourceRecordSetsResponse xmlns="${R53_NS}">${raw('ResourceRecordSets', sets)}${el('IsTruncated', next !== undefined)}${next ? el('NextRecordName', next.name) + el('NextRecordType', next.type) : ''}${el('MaxItems', size)}</ListResourceRecordSetsResponse>`,
        );
      });
    }
    return undefined;
  }

  // ---- STS ---------------------------------------------------------------------------------
  function routeSts(caller: AwsCaller, params: URLSearchParams, req: SimRequest): RoutedCall | undefined {
    const action = params.get('Action') ?? '';
    const base = { operation: `sts:${action}`, bucket: caller.account, throttle: 'aws-other' as const };
    if (action === 'AssumeRole') {
      return {
        ...base,
        handle: () => {
          const roleArn = params.get('RoleArn') ?? '';
          const session = params.get('RoleSessionName') ?? 'session';
          const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/.exec(roleArn);
          const target = m ? model.accounts.get(m[1] ?? '') : undefined;
          if (!m || !target || target.denied) {
            return queryError(STS_NS, 403, 'AccessDenied', `User: arn:aws:iam::${caller.account}:user/airlock is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
          }
          const account = m[1] ?? '';
          const role = m[2] ?? '';
          const keyId = assumedAccessKeyId(account, randomUUID().replace(/-/g, ''));
          const sessionToken = `SIM${Buffer.from(JSON.stringify({ account, role, session })).toString('base64url')}`;
          const expiration = new Date(Date.now() + Number(params.get('DurationSeconds') ?? '3600') * 1000).toISOString();
          return xml(
            200,
            `<AssumeRoleResponse xmlns="${STS_NS}"><AssumeRoleResult>${raw(
              'Credentials',
              el('AccessKeyId', keyId) + el('SecretAccessKey', `simsecret${randomUUID().replace(/-/g, '')}`) + el('SessionToken', sessionToken) + el('Expiration', expiration),
            )}${raw('AssumedRoleUser', el('AssumedRoleId', `AROA${account}SIM:${session}`) + el('Arn', `arn:aws:sts::${account}:assumed-role/${role}/${session}`))}</AssumeRoleResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
          );
        },
      };
    }
    if (action === 'GetCallerIdentity') {
      return {
        ...base,
        handle: () => {
          const token = req.headers['x-amz-security-token'];
          let arn = `arn:aws:iam::${caller.account}:user/airlock`;
          if (typeof token === 'string' && token.startsWith('SIM')) {
            try {
              const s = JSON.parse(Buffer.from(token.slice(3), 'base64url').toString()) as { account?: string; role?: string; session?: string };
              arn = `arn:aws:sts::${s.account ?? caller.account}:assumed-role/${s.role ?? 'role'}/${s.session ?? 'session'}`;
            } catch {
              // A session token the simulator did not issue: answer as the key's account.
            }
          }
          return xml(
            200,
            `<GetCallerIdentityResponse xmlns="${STS_NS}"><GetCallerIdentityResult>${el('Arn', arn)}${el('UserId', caller.accessKey)}${el('Account', caller.account)}</GetCallerIdentityResult><ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
          );
        },
      };
    }
    return undefined;
  }

  // ---- Organizations -----------------------------------------------------------------------
  function routeOrganizations(caller: AwsCaller, req: SimRequest): RoutedCall | undefined {
    const target = String(req.headers['x-amz-target'] ?? '');
    const action = target.replace(/^AWSOrganizationsV20161128\./, '');
    const operation = `organizations:${action}`;
    const base = { operation, bucket: caller.account, throttle: 'aws-other' as const };
    const orgArn = (suffix: string) => `arn:aws:organizations::${model.management}:${suffix}`;
    const notManagement = () => orgError('AccessDeniedException', "You don't have permissions to access this resource.");
    const reply = (body: unknown) => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() }, body: JSON.stringify(body) });
    if (action === 'ListAccounts') {
      return {
        ...base,
        handle: () => {
          if (caller.account !== model.management) return notManagement();
          let input: { NextToken?: string; MaxResults?: number } = {};
          try {
            input = JSON.parse(req.body || '{}') as typeof input;
          } catch {
            return orgError('InvalidInputException', 'The request body is not valid JSON.');
          }
          const all = [...model.accounts.values()];
          const w = pageWindow(input.NextToken, String(input.MaxResults ?? ''), env.pageSize(operation), all.length);
          if (!w) return orgError('InvalidInputException', 'The NextToken is not valid.');
          return reply({
            Accounts: all.slice(w.from, w.from + w.size).map((a) => ({
              Id: a.id,
              Arn: orgArn(`account/${model.organizationId}/${a.id}`),
              Email: a.email,
              Name: a.name,
              Status: 'ACTIVE',
              State: 'ACTIVE',
              JoinedMethod: a.id === model.management ? 'CREATED' : 'INVITED',
              JoinedTimestamp: 1704067200,
            })),
            ...(w.next ? { NextToken: w.next } : {}),
          });
        },
      };
    }
    if (action === 'DescribeOrganization') {
      return {
        ...base,
        handle: () =>
          reply({
            Organization: {
              Id: model.organizationId,
              Arn: orgArn(`organization/${model.organizationId}`),
              FeatureSet: 'ALL',
              MasterAccountArn: orgArn(`account/${model.organizationId}/${model.management}`),
              MasterAccountId: model.management,
              MasterAccountEmail: model.accounts.get(model.management)?.email ?? 'aws@example.com',
            },
          }),
      };
    }
    return undefined;
  }

  function formParams(req: SimRequest): URLSearchParams {
    const params = new URLSearchParams(req.url.search);
    for (const [k, v] of new URLSearchParams(req.body)) params.append(k, v);
    return params;
  }

  return {
    provider: 'aws',
    scopes: () => ({ accounts: [...model.accounts.keys()], regions: regionNames }),
    route(req) {
      const caller = callerOf(req);
      if (!caller) return undefined;
      switch (caller.service) {
        case 'ec2':
          return routeEc2(caller, formParams(req));
        case 'elasticloadbalancing':
          return routeElb(caller, formParams(req));
        case 'eks':
          return routeEks(caller, req);
        case 'route53':
          return routeRoute53(caller, req);
        case 'sts':
          return routeSts(caller, formParams(req), req);
        case 'organizations':
          return routeOrganizations(caller, req);
        case 's3':
          return storageCost.routeS3(req, caller, model.accounts.get(caller.account)?.denied ?? caller.account !== model.management);
        case 'ce':
          return storageCost.routeCostExplorer(req, caller, model.accounts.get(caller.account)?.denied ?? caller.account !== model.management);
        default:
          return undefined;
      }
    },
    notFound(req) {
      const caller = callerOf(req);
      if (!caller) return queryError(STS_NS, 403, 'MissingAuthenticationToken', 'Request is missing a SigV4 Authorization header with a credential scope.');
      const what = `${caller.service} ${req.method} ${req.url.pathname}`;
      if (caller.service === 'ec2') return ec2Error(400, 'InvalidAction', `The action ${formParams(req).get('Action') ?? ''} is not valid for this web service (simulator: ${what}).`);
      if (caller.service === 'eks') return eksError(404, 'NotFoundException', `Not found: ${what}`);
      if (caller.service === 'organizations') return orgError('InvalidInputException', `Unsupported operation ${String(req.headers['x-amz-target'] ?? '')}`);
      if (caller.service === 'route53') return queryError(R53_NS, 404, 'NotFound', `Not found: ${what}`);
      return queryError(caller.service === 'sts' ? STS_NS : ELBV2_NS, 400, 'InvalidAction', `Unsupported action (simulator: ${what} ${formParams(req).get('Action') ?? ''})`);
    },
    throttled(call) {
      const service = call.operation.split(':')[0];
      switch (service) {
        case 'ec2':
          return ec2Error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
        case 'eks':
          return eksError(429, 'ThrottlingException', 'Rate exceeded');
        case 'organizations':
          return orgError('TooManyRequestsException', "AWS Organizations can't complete your request because it received too many requests.");
        case 'ce':
          return { status: 400, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: 'LimitExceededException', Message: 'Rate exceeded' }) };
        case 's3':
          return { status: 503, headers: { 'content-type': 'application/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>' };
        case 'route53':
          return queryError(R53_NS, 400, 'Throttling', 'Rate exceeded');
        case 'sts':
          return queryError(STS_NS, 400, 'Throttling', 'Rate exceeded');
        default:
          return queryError(service === 'elb' ? ELB_NS : ELBV2_NS, 400, 'Throttling', 'Rate exceeded');
      }
    },
    fault(call, kind) {
      const service = call.operation.split(':')[0];
      const action = call.operation.split(':')[1] ?? '';
      const deniedMessage = `User is not authorized to perform: ${call.operation}`;
      switch (service) {
        case 'ec2':
          return kind === 'denied' ? ec2Error(403, 'UnauthorizedOperation', `You are not authorized to perform this operation. ${deniedMessage}`) : ec2Error(500, 'InternalError', 'An internal error has occurred');
        case 'eks':
          return kind === 'denied' ? eksError(403, 'AccessDeniedException', deniedMessage) : eksError(500, 'ServerException', `An internal error occurred in ${action}.`);
        case 'organizations':
          return kind === 'denied' ? orgError('AccessDeniedException', deniedMessage) : { status: 500, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: 'ServiceException', Message: 'AWS Organizations can\'t complete your request because of an internal service error.' }) };
        case 'route53':
          return kind === 'denied' ? queryError(R53_NS, 403, 'AccessDenied', deniedMessage) : queryError(R53_NS, 500, 'InternalError', 'An internal error occurred.');
        case 'ce':
          return { status: kind === 'denied' ? 400 : 500, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify({ __type: kind === 'denied' ? 'AccessDeniedException' : 'InternalServerError', Message: kind === 'denied' ? deniedMessage : 'Internal error' }) };
        case 's3':
          return { status: kind === 'denied' ? 403 : 500, headers: { 'content-type': 'application/xml' }, body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${kind === 'denied' ? 'AccessDenied' : 'InternalError'}</Code><Message>${kind === 'denied' ? 'Access Denied' : 'We encountered an internal error. Please try again.'}</Message></Error>` };
        default: {
          const ns = service === 'sts' ? STS_NS : service === 'elb' ? ELB_NS : ELBV2_NS;
          return kind === 'denied' ? queryError(ns, 403, 'AccessDenied', deniedMessage) : queryError(ns, 500, 'InternalFailure', 'The request processing has failed because of an unknown error.');
        }
      }
    },
  };
};

/** Monthly NAT / Transit Gateway data-processing figures of an estate (for cost collectors and tests). */
export function awsTransferFigures(estate: AwsEstate): ReturnType<typeof buildAwsModel>['transfer'] {
  return buildAwsModel(awsEstateSchema.parse(estate)).transfer;
}
