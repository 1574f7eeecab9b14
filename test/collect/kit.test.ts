import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { RestError } from '@azure/core-rest-pipeline';
import { GaxiosError } from 'gaxios';
import { GoogleError } from 'google-gax';
import { describe, expect, it } from 'vitest';
import { currentCounter, noteAttempt, noteResponse, tracked } from '../../shared/collect/kit/calls.js';
import { ciObject, operationsOf } from '../../shared/collect/kit/descriptor.js';
import { classifyError, ShapeError } from '../../shared/collect/kit/errors.js';
import { BucketLimiter } from '../../shared/collect/kit/limiter.js';
import { z } from 'zod';

const gaxios = (status: number, body: unknown): GaxiosError => {
  const url = new URL('http://127.0.0.1/compute/v1/projects/p/global/networks');
  const config = { url, headers: new Headers(), responseType: 'json' as const };
  return new GaxiosError('request failed', config, Object.assign(new Response(JSON.stringify(body), { status }), { config, data: body }) as never);
};
const aws = (name: string, status: number): EC2ServiceException =>
  new EC2ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message: `${name} happened` });

describe('classifyError: one vocabulary over three SDK families', () => {
  it('Azure RestError', () => {
    expect(classifyError('azure', new RestError('AuthorizationFailed: no', { statusCode: 403, code: 'AuthorizationFailed' })).kind).toBe('denied');
    expect(classifyError('azure', new RestError('slow down', { statusCode: 429 })).kind).toBe('throttled');
    expect(classifyError('azure', new RestError('gone', { statusCode: 404, code: 'ResourceGroupNotFound' })).kind).toBe('not-found');
    expect(classifyError('azure', new RestError('missing registration', { statusCode: 409, code: 'MissingSubscriptionRegistration' })).kind).toBe('api-disabled');
    expect(classifyError('azure', new RestError('boom', { statusCode: 503 }))).toMatchObject({ kind: 'server', status: 503 });
    expect(classifyError('azure', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })).kind).toBe('network');
  });
  it('Google GaxiosError (REST fallback) and GoogleError', () => {
    const quota = gaxios(403, { error: { code: 403, message: 'Quota exceeded', errors: [{ reason: 'rateLimitExceeded', domain: 'usageLimits' }] } });
    expect(classifyError('gcp', quota)).toMatchObject({ kind: 'throttled', status: 403, code: 'rateLimitExceeded' });
    const disabled = gaxios(403, { error: { code: 403, message: 'Kubernetes Engine API has not been used in project 1 before or it is disabled. Enable it by visiting ...', status: 'PERMISSION_DENIED', details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'SERVICE_DISABLED' }] } });
    expect(classifyError('gcp', disabled).kind).toBe('api-disabled');
    expect(classifyError('gcp', gaxios(403, { error: { code: 403, message: 'forbidden', errors: [{ reason: 'forbidden' }] } })).kind).toBe('denied');
    const grpc = Object.assign(new GoogleError('denied'), { code: 7 });
    expect(classifyError('gcp', grpc).kind).not.toBe('throttled');
  });
  it('AWS ServiceException', () => {
    expect(classifyError('aws', aws('RequestLimitExceeded', 503)).kind).toBe('throttled');
    expect(classifyError('aws', aws('UnauthorizedOperation', 403))).toMatchObject({ kind: 'denied', code: 'UnauthorizedOperation' });
    expect(classifyError('aws', aws('OptInRequired', 401)).kind).toBe('api-disabled');
    expect(classifyError('aws', aws('InternalError', 500)).kind).toBe('server');
  });
  it('shapes and JSON errors are malformed', () => {
    expect(classifyError('azure', new ShapeError('truncated')).kind).toBe('malformed');
    expect(classifyError('aws', new SyntaxError('Unexpected end of JSON input')).kind).toBe('malformed');
  });
});

describe('tracked', () => {
  it('counts attempts and retries through the async context and records the classification', async () => {
    const r = await tracked({ cloud: 'gcp', api: 'compute:networks.list', scope: 'gcp/project/p', dataset: 'networks' }, async () => {
      noteResponse(noteAttempt(), 429, {});
      noteResponse(noteAttempt(), 200, { 'X-Quota': '1' });
      expect(currentCounter()?.lastHeaders).toEqual({ 'x-quota': '1' });
      await Promise.resolve();
      throw gaxios(403, { error: { code: 403, message: 'no', errors: [{ reason: 'forbidden' }] } });
    });
    expect(r.record).toMatchObject({ cloud: 'gcp', ok: false, requests: 2, retries: 1, errorKind: 'denied', status: 403 });
    expect(r.record.message).toContain('compute:networks.list for gcp/project/p (networks) failed with HTTP 403');
  });
  it('abandons a call past its deadline even when the SDK ignores the signal', async () => {
    const r = await tracked({ cloud: 'aws', api: 'ec2:DescribeVpcs', scope: 'aws/account-region/1/eu-west-1', dataset: 'vpcs', timeoutMs: 20 }, () => new Promise<never>(() => undefined));
    expect(r.record).toMatchObject({ ok: false, errorKind: 'timeout' });
  });
  it('stops when the run is aborted', async () => {
    const run = new AbortController();
    const pending = tracked({ cloud: 'azure', api: 'arm:x', scope: 'azure/subscription/s', dataset: 'clusters', signal: run.signal }, (signal) => new Promise<never>((_, reject) => { signal.addEventListener('abort', () => { reject(new Error('aborted')); }); }));
    run.abort();
    expect((await pending).record.errorKind).toBe('timeout');
  });
});

describe('BucketLimiter', () => {
  it('never exceeds the per-bucket bound nor the global cap', async () => {
    const limiter = new BucketLimiter({ perBucket: 2, global: 5 });
    const tick = (): Promise<void> => new Promise((r) => setImmediate(r));
    await Promise.all(Array.from({ length: 60 }, (_, i) => limiter.run(`sub-${i % 6}`, async () => { await tick(); await tick(); })));
    for (const s of limiter.stats().values()) expect(s.maxInFlight).toBeLessThanOrEqual(2);
    expect(limiter.maxInFlight).toBe(5);
    expect([...limiter.stats().values()].reduce((n, s) => n + s.tasks, 0)).toBe(60);
  });
});

describe('descriptor helpers', () => {
  it('ciObject accepts any casing of a key and keeps the exact spelling when both appear', () => {
    const s = ciObject({ authorizedIPRanges: z.array(z.string()).optional() });
    expect(s.parse({ authorizedIpRanges: ['10.0.0.0/8'] })).toEqual({ authorizedIPRanges: ['10.0.0.0/8'] });
    expect(s.parse({ AUTHORIZEDIPRANGES: ['1.1.1.1/32'], authorizedIPRanges: ['10.0.0.0/8'] })).toEqual({ authorizedIPRanges: ['10.0.0.0/8'] });
  });
  it('operationsOf finds every declared operation once and refuses two permissions for one api', () => {
    const op = { api: 'ec2:DescribeVpcs', permission: 'ec2:DescribeVpcs', description: 'VPCs' };
    expect(operationsOf([{ paths: { list: op } }, { paths: { parent: { list: op } } }])).toEqual([op]);
    expect(() => operationsOf([{ paths: [op, { ...op, permission: 'ec2:Other' }] }])).toThrow(/two permissions/);
  });
});
