import { randomUUID } from 'node:crypto';
import { stringify } from 'yaml';
import { pageWindow } from '../core/paging.js';
import type { ProviderEnv, RoutedCall, SimRequest, SimResponse } from '../core/types.js';
import { el, esc, raw } from './model.js';
import type { AwsEstate } from './scenario.js';

/**
 * S3 (path-style: `/<bucket>?list-type=2`, `/<bucket>/<key>`) for kops state stores, and Cost
 * Explorer GetCostAndUsage (JSON 1.1) grouped by USAGE_TYPE from the estate's NAT and Transit
 * Gateway data-processing figures, as `<REGION CODE>-NatGateway-Bytes` / `-TransitGateway-Bytes`.
 */

const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** AWS pricing region codes of usage types (us-east-1 has none for NAT; the others always do). */
const USAGE_PREFIX: Record<string, string> = {
  'us-east-1': '', 'us-east-2': 'USE2-', 'us-west-1': 'USW1-', 'us-west-2': 'USW2-', 'ca-central-1': 'CAN1-',
  'eu-west-1': 'EU-', 'eu-west-2': 'EUW2-', 'eu-west-3': 'EUW3-', 'eu-central-1': 'EUC1-', 'eu-north-1': 'EUN1-',
  'ap-northeast-1': 'APN1-', 'ap-northeast-2': 'APN2-', 'ap-southeast-1': 'APS1-', 'ap-southeast-2': 'APS2-', 'ap-south-1': 'APS3-', 'sa-east-1': 'SAE1-',
};

export function usageType(region: string, kind: 'nat-gateway' | 'transit-gateway'): string {
  // Transit Gateway usage in us-east-1 carries USE1- (NAT does not): both forms occur in real bills.
  const prefix = USAGE_PREFIX[region] ?? `${region.toUpperCase()}-`;
  return `${kind === 'transit-gateway' && prefix === '' ? 'USE1-' : prefix}${kind === 'nat-gateway' ? 'NatGateway' : 'TransitGateway'}-Bytes`;
}

interface Figure {
  account: string;
  region: string;
  kind: 'nat-gateway' | 'transit-gateway';
  quantityGb: number;
  cost: number;
}

function s3Error(status: number, code: string, message: string, resource: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message><Resource>${esc(resource)}</Resource><RequestId>${randomUUID()}</RequestId></Error>`,
  };
}

function ceJson(status: number, body: unknown, type?: string): SimResponse {
  return {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(type ? { __type: type, Message: String(body) } : body),
  };
}

export interface StorageCost {
  routeS3(req: SimRequest, caller: { account: string; region: string }, denied: boolean): RoutedCall | undefined;
  routeCostExplorer(req: SimRequest, caller: { account: string }, denied: boolean): RoutedCall | undefined;
}

export function createStorageCost(estate: AwsEstate, figures: readonly Figure[], env: ProviderEnv): StorageCost {
  const buckets = new Map(
    estate.s3Buckets.map((b) => [b.name, new Map(Object.entries(b.objects).map(([k, v]) => [k, typeof v === 'string' ? v : stringify(v)] as const).sort(([a], [c]) => (a < c ? -1 : a > c ? 1 : 0)))]),
  );
  return {
    routeS3(req, caller, denied) {
      const path = req.url.pathname.replace(/^\/+/, '');
      const slash = path.indexOf('/');
      const bucketName = decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
      const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
      if (req.method !== 'GET' || bucketName === '') return undefined;
      const q = req.url.searchParams;
      const operation = key === '' ? 's3:ListObjectsV2' : 's3:GetObject';
      if (key === '' && q.get('list-type') !== '2') return undefined;
      return {
        operation,
        bucket: caller.account,
        throttle: 'aws-other',
        handle: () => {
          if (denied) return s3Error(403, 'AccessDenied', 'Access Denied', `/${bucketName}`);
          const objects = buckets.get(bucketName);
          if (!objects) return s3Error(404, 'NoSuchBucket', 'The specified bucket does not exist', `/${bucketName}`);
          if (key !== '') {
            const body = objects.get(key);
            if (body === undefined) return s3Error(404, 'NoSuchKey', 'The specified key does not exist.', `/${bucketName}/${key}`);
            return { status: 200, headers: { 'content-type': 'application/octet-stream', 'content-length': String(Buffer.byteLength(body)), etag: `"${randomUUID()}"` }, body };
          }
          const prefix = q.get('prefix') ?? '';
          const delimiter = q.get('delimiter') ?? '';
          // Keys and common prefixes interleaved in key order, as S3 pages them.
          const entries: { key: string; common: boolean }[] = [];
          const seen = new Set<string>();
          for (const k of objects.keys()) {
            if (!k.startsWith(prefix)) continue;
            const rest = k.slice(prefix.length);
            const cut = delimiter ? rest.indexOf(delimiter) : -1;
            if (cut >= 0) {
              const common = prefix + rest.slice(0, cut + delimiter.length);
              if (!seen.has(common)) {
                seen.add(common);
                entries.push({ key: common, common: true });
              }
            } else entries.push({ key: k, common: false });
          }
          const token = q.get('continuation-token');
          const w = pageWindow(token, q.get('max-keys'), env.pageSize(operation), entries.length);
          if (!w) return s3Error(400, 'InvalidArgument', 'The continuation token provided is incorrect', `/${bucketName}`);
          const page = entries.slice(w.from, w.from + w.size);
          const contents = page.filter((e) => !e.common).map((e) => raw('Contents', el('Key', e.key) + el('LastModified', '2026-01-12T08:30:00.000Z') + el('ETag', '"0"') + el('Size', Buffer.byteLength(objects.get(e.key) ?? '')) + el('StorageClass', 'STANDARD'))).join('');
          const commons = page.filter((e) => e.common).map((e) => raw('CommonPrefixes', el('Prefix', e.key))).join('');
          return {
            status: 200,
            headers: { 'content-type': 'application/xml', 'x-amz-request-id': randomUUID() },
            body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="${S3_NS}">${el('Name', bucketName)}${el('Prefix', prefix)}${delimiter ? el('Delimiter', delimiter) : ''}${el('KeyCount', page.length)}${el('MaxKeys', w.size)}${el('IsTruncated', w.next !== undefined)}${token ? el('ContinuationToken', token) : ''}${el('NextContinuationToken', w.next)}${contents}${commons}</ListBucketResult>`,
          };
        },
      };
    },

    routeCostExplorer(req, caller, denied) {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (target !== 'AWSInsightsIndexService.GetCostAndUsage') return undefined;
      const operation = 'ce:GetCostAndUsage';
      return {
        operation,
        bucket: caller.account,
        throttle: 'aws-other',
        handle: () => {
          if (denied) return ceJson(400, `User: arn:aws:sts::${caller.account}:assumed-role/airlock-audit/airlock is not authorized to perform: ce:GetCostAndUsage`, 'AccessDeniedException');
          let input: { TimePeriod?: { Start?: string; End?: string }; GroupBy?: { Key?: string }[]; NextPageToken?: string; Filter?: { Dimensions?: { Key?: string; Values?: string[] } } };
          try {
            input = JSON.parse(req.body || '{}') as typeof input;
          } catch {
            return ceJson(400, 'The request body is not valid JSON.', 'ValidationException');
          }
          const start = input.TimePeriod?.Start;
          const end = input.TimePeriod?.End;
          if (!start || !end || !(start < end)) return ceJson(400, 'Start date must be before end date.', 'ValidationException');
          if (input.GroupBy?.[0]?.Key !== 'USAGE_TYPE') return ceJson(400, 'The simulator groups by USAGE_TYPE only.', 'ValidationException');
          const linked = input.Filter?.Dimensions?.Key === 'LINKED_ACCOUNT' ? new Set(input.Filter.Dimensions.Values ?? []) : undefined;
          const sums = new Map<string, { gb: number; usd: number }>();
          for (const f of figures) {
            if (f.account !== caller.account || (linked && !linked.has(f.account))) continue;
            const k = usageType(f.region, f.kind);
            const s = sums.get(k) ?? { gb: 0, usd: 0 };
            s.gb += f.quantityGb;
            s.usd += f.cost;
            sums.set(k, s);
          }
          const groups = [...sums].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, s]) => ({ Keys: [k], Metrics: { UnblendedCost: { Amount: s.usd.toFixed(4), Unit: 'USD' }, UsageQuantity: { Amount: s.gb.toFixed(4), Unit: 'GB' } } }));
          const w = pageWindow(input.NextPageToken, '', env.pageSize(operation), groups.length);
          if (!w) return ceJson(400, 'Invalid NextPageToken.', 'InvalidNextTokenException');
          return ceJson(200, {
            GroupDefinitions: [{ Type: 'DIMENSION', Key: 'USAGE_TYPE' }],
            ResultsByTime: [{ TimePeriod: { Start: start, End: end }, Total: {}, Groups: groups.slice(w.from, w.from + w.size), Estimated: false }],
            DimensionValueAttributes: [],
            ...(w.next ? { NextPageToken: w.next } : {}),
          });
        },
      };
    },
  };
}
