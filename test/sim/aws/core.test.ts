import { DescribeSubnetsCommand, EC2Client, paginateDescribeSubnets } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity } from '@aws-sdk/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../../sim/index.js';

// The AWS emulation served by the simulator core (paging, EC2 token bucket, faults, counting),
// read through the SDK v3 clients with endpoint, region and static credentials only.

let sim: Simulator;
let platform: AwsCredentialIdentity;

beforeAll(async () => {
  sim = await startSimulator({
    scenario: 'hybrid-broken',
    // Two EC2 reads of burst, refilled at 5 per second: the third quick call is throttled.
    behaviour: { pageSize: { default: 1 }, throttle: { ec2: { bucket: 2, refillPerSecond: 5 } } },
  });
  const sts = new STSClient({ endpoint: sim.endpoints.aws.url, region: 'eu-west-2', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sim' } });
  const c = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222233334444:role/airlock-audit', RoleSessionName: 'airlock' }))).Credentials;
  platform = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
});

afterAll(async () => {
  await sim.stop();
});

describe('AWS emulation behind the simulator core', () => {
  it('pages subnets one at a time and the SDK rides out RequestLimitExceeded', async () => {
    const ec2 = new EC2Client({ endpoint: sim.endpoints.aws.url, region: 'eu-west-2', credentials: platform });
    const ids = [];
    for await (const page of paginateDescribeSubnets({ client: ec2 }, { Filters: [{ Name: 'vpc-id', Values: ['vpc-0c0ffee0000000001'] }] })) ids.push(...(page.Subnets ?? []).map((s) => s.SubnetId));
    expect(ids).toEqual(['subnet-0c0ffee0000000011', 'subnet-0c0ffee0000000012', 'subnet-0c0ffee0000000021', 'subnet-0c0ffee0000000022']);
    const counts = sim.counts().providers.aws.operations['ec2:DescribeSubnets'];
    expect(counts?.throttled).toBeGreaterThanOrEqual(1);
    expect(counts?.ok).toBe(4);
  });

  it('answers a denied account-region with UnauthorizedOperation', async () => {
    const sts = new STSClient({ endpoint: sim.endpoints.aws.url, region: 'ap-southeast-2', credentials: { accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'sim' } });
    const c = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::888899990000:role/airlock-audit', RoleSessionName: 'airlock' }))).Credentials;
    const ec2 = new EC2Client({ endpoint: sim.endpoints.aws.url, region: 'ap-southeast-2', credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' } });
    await expect(ec2.send(new DescribeSubnetsCommand({}))).rejects.toMatchObject({ name: 'UnauthorizedOperation' });
  });

  it('surfaces an injected EKS server error once, then serves the cluster', async () => {
    sim.setBehaviour({ faults: { calls: [{ kind: 'server-error', operation: 'eks:DescribeCluster', times: 1 }] } });
    const eks = new EKSClient({ endpoint: sim.endpoints.aws.url, region: 'eu-west-2', credentials: platform, maxAttempts: 1 });
    await expect(eks.send(new DescribeClusterCommand({ name: 'legacy-web' }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } });
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'legacy-web' }));
    expect(cluster?.resourcesVpcConfig).toMatchObject({ endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] });
  });
});
