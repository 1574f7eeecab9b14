import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import { awsCollector } from '../../shared/collect/aws/index.js';
import { validateConfig } from '../../shared/config/load.js';
import type { Run } from '../../shared/model/run.js';
import { awsEstateSchema, type AwsEstate } from '../../sim/aws/scenario.js';
import type { Scenario } from '../../sim/index.js';
import { NOW, startAwsSim } from '../collect/aws/harness.js';

/**
 * Simulator/moto parity of the whole pipeline: one small declarative estate (ESTATE, in the
 * simulator scenario's shape) is built in moto by moto_estate.py --estate and served by the
 * simulator with moto's ids, and runAudit over each must give the same aws/* findings (rule id +
 * resource id). Without moto, the simulator half still runs and must give the expected findings.
 */

const motoAvailable = spawnSync('python3', ['-c', 'import moto.server, boto3'], { stdio: 'ignore' }).status === 0;
const root = fileURLToPath(new URL('../../', import.meta.url));
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const ON_PREM = ['10.10.0.0/16'];
const STATE_STORE = 's3://parity-kops-state/clusters';
const clock = (): Date => NOW;

/** A kops spec shaped like the real ones (kops 1.3x cluster-completed.spec), left with a Public API load balancer. */
const KOPS_SPEC = `apiVersion: kops.k8s.io/v1alpha2
kind: Cluster
metadata:
  name: parity.k8s.local
spec:
  api:
    loadBalancer:
      class: Network
      type: Public
  cloudProvider: aws
  configBase: ${STATE_STORE}/parity.k8s.local
  kubernetesVersion: 1.31.4
  networkCIDR: 10.30.0.0/16
  networking:
    calico: {}
  nonMasqueradeCIDR: 100.64.0.0/10
  subnets:
  - cidr: 10.30.32.0/19
    name: ${REGION}a
    type: Private
    zone: ${REGION}a
  - cidr: 10.30.0.0/22
    name: utility-${REGION}a
    type: Utility
    zone: ${REGION}a
  topology:
    dns:
      type: None
`;
const KOPS_IG = `apiVersion: kops.k8s.io/v1alpha2
kind: InstanceGroup
metadata:
  name: control-plane-${REGION}a
spec:
  role: ControlPlane
  subnets:
  - ${REGION}a
`;

/** The estate both sides build: the region in the simulator's scenario shape, plus the kops state store. */
const ESTATE = {
  region: {
    name: REGION,
    vpcs: [
      {
        // Overlaps on-prem 10.10.0.0/16.
        name: 'parity',
        cidr: '10.10.64.0/20',
        internetGateway: true,
        subnets: [
          { name: 'private-a', cidr: '10.10.64.0/22', az: 'a' },
          { name: 'private-b', cidr: '10.10.68.0/22', az: 'b' },
          { name: 'public-a', cidr: '10.10.72.0/24', az: 'a', mapPublicIpOnLaunch: true },
        ],
        routeTables: [{ name: 'public', subnets: ['public-a'], routes: [{ destination: '0.0.0.0/0', target: 'igw' }] }],
      },
    ],
    instances: [
      { name: 'bastion', subnet: 'public-a' },
      { name: 'node-a', subnet: 'private-a' },
    ],
    loadBalancers: [
      { name: 'orders-public', type: 'application', scheme: 'internet-facing', vpc: 'parity', subnets: ['public-a', 'private-b'] },
      { name: 'orders-internal', type: 'application', scheme: 'internal', vpc: 'parity', subnets: ['private-a', 'private-b'] },
    ],
    clusters: [
      { name: 'orders', subnets: ['private-a', 'private-b'], endpointPublicAccess: true, endpointPrivateAccess: false, publicAccessCidrs: ['0.0.0.0/0'] },
      { name: 'payments', subnets: ['private-a', 'private-b'], endpointPublicAccess: false, endpointPrivateAccess: true },
    ],
  },
  s3Buckets: [{ name: 'parity-kops-state', objects: { 'clusters/parity.k8s.local/cluster-completed.spec': KOPS_SPEC, [`clusters/parity.k8s.local/instancegroup/control-plane-${REGION}a`]: KOPS_IG } }],
};

/** What the estate was built to have, by name: `<name>` stands for the id (or ARN) of the resource so named. */
const EXPECTED = [
  `aws/address-overlap <parity>`,
  `aws/eks-private-endpoint arn:aws:eks:${REGION}:${ACCOUNT}:cluster/orders`,
  `aws/eks-public-endpoint arn:aws:eks:${REGION}:${ACCOUNT}:cluster/orders`,
  `aws/instance-public-ip <bastion>`,
  `aws/kops-api-internal ${STATE_STORE}/parity.k8s.local`,
  `aws/lb-internet-facing <orders-public>`,
  `aws/route53-private-zone <parity>`,
  `aws/subnet-auto-public-ip <public-a>`,
  `aws/subnet-igw-route <public-a>`,
].sort();

interface Built {
  /** Name → id (`parity/igw` for a VPC's internet gateway). */
  ids: Record<string, string>;
  publicIps: Record<string, string>;
  lbArns: Record<string, string>;
}

/** Ids for the simulator when moto is absent: fixed, in the shapes AWS uses. */
function fixedIds(): Built {
  return {
    ids: { parity: 'vpc-0a0a0000000000001', 'parity/igw': 'igw-0a0a0000000000001', 'private-a': 'subnet-0a0a0000000000011', 'private-b': 'subnet-0a0a0000000000012', 'public-a': 'subnet-0a0a0000000000021', public: 'rtb-0a0a0000000000001', bastion: 'i-0a0a0000000000101', 'node-a': 'i-0a0a0000000000102' },
    publicIps: { bastion: '203.0.113.10' },
    lbArns: {
      'orders-public': `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/orders-public/0a0a00000000a001`,
      'orders-internal': `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}:loadbalancer/app/orders-internal/0a0a00000000a002`,
    },
  };
}

/** ESTATE as a simulator estate, with the ids the other side chose so resource ids line up. */
function simEstate(built: Built): AwsEstate {
  const id = (name: string): string => {
    const v = built.ids[name];
    if (!v) throw new Error(`no id for ${name}`);
    return v;
  };
  const publicSubnets = new Set(ESTATE.region.vpcs.flatMap((v) => v.subnets.filter((s) => s.mapPublicIpOnLaunch).map((s) => s.name)));
  const r = ESTATE.region;
  return awsEstateSchema.parse({
    managementAccount: ACCOUNT,
    accounts: [
      {
        id: ACCOUNT,
        name: 'parity',
        regions: [
          {
            name: r.name,
            vpcs: r.vpcs.map((v) => ({
              ...v,
              id: id(v.name),
              internetGateway: v.internetGateway ? id(`${v.name}/igw`) : false,
              subnets: v.subnets.map((s) => ({ ...s, id: id(s.name) })),
              routeTables: v.routeTables.map((t) => ({ ...t, id: id(t.name) })),
            })),
            // AWS gives an instance a public IP exactly when its subnet maps one on launch.
            instances: r.instances.map((i) => ({ ...i, id: id(i.name), ...(publicSubnets.has(i.subnet) ? { publicIp: built.publicIps[i.name] ?? '203.0.113.10' } : {}) })),
            loadBalancers: r.loadBalancers.map((l) => ({ ...l, id: built.lbArns[l.name]?.split('/').pop() })),
            clusters: r.clusters,
          },
        ],
      },
    ],
    s3Buckets: ESTATE.s3Buckets,
  });
}

/** aws/* findings as sorted `<rule> <resource>` pairs, ids replaced by the names they were built from. */
function pairs(run: Run, built: Built): string[] {
  const names = new Map<string, string>([...Object.entries(built.ids), ...Object.entries(built.lbArns)].map(([name, id]) => [id.toLowerCase(), `<${name}>`]));
  return [...new Set(run.findings.filter((f) => f.ruleId.startsWith('aws/')).map((f) => `${f.ruleId} ${names.get(f.resource.id.toLowerCase()) ?? f.resource.id}`))].sort();
}

async function auditSim(built: Built): Promise<Run> {
  const scenario: Scenario = { name: 'aws-parity', description: '', config: {}, behaviour: undefined, aws: simEstate(built), truth: [] };
  const sim = await startAwsSim(scenario, { aws: { kopsStateStores: [STATE_STORE] }, config: { onPrem: { ranges: ON_PREM } } });
  try {
    return await runAudit(sim.config, { clouds: ['aws'], collectors: [awsCollector], clock });
  } finally {
    await sim.stop();
  }
}

function exitOf(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => proc.once('exit', () => { resolve(); }));
}

/** Stops moto_estate.py: closing stdin ends it; SIGKILL if it is still there after 10 s. */
async function stopMoto(proc: ChildProcess): Promise<void> {
  const exited = exitOf(proc);
  proc.stdin?.end();
  const timer = setTimeout(() => { proc.kill('SIGKILL'); }, 10_000);
  await exited;
  clearTimeout(timer);
}

/** Builds ESTATE in moto (moto_estate.py --estate) and waits for its JSON line; kills it before throwing if none comes. */
async function startMoto(file: string): Promise<{ url: string; built: Built; proc: ChildProcess }> {
  const proc = spawn('python3', [path.join(root, 'test/collect/aws/moto_estate.py'), '--estate', file], { stdio: ['pipe', 'pipe', 'pipe'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      timer = setTimeout(() => { reject(new Error(`moto_estate.py printed nothing within 60 s: ${err.slice(-2000)}`)); }, 60_000);
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      proc.once('error', reject);
      proc.once('exit', (code) => { reject(new Error(`moto_estate.py exited with ${String(code)}: ${err.slice(-2000)}`)); });
    });
    const parsed = JSON.parse(line) as { port: number } & Built;
    return { url: `http://127.0.0.1:${String(parsed.port)}`, built: { ids: parsed.ids, publicIps: parsed.publicIps, lbArns: parsed.lbArns }, proc };
  } catch (err) {
    const exited = exitOf(proc);
    proc.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

describe('aws parity: the simulator half', () => {
  it('reports what the estate was built to have, and reads everything', async () => {
    const built = fixedIds();
    const run = await auditSim(built);
    expect(pairs(run, built)).toEqual(EXPECTED);
    expect(run.complete).toBe(true);
  }, 120_000);
});

describe.skipIf(!motoAvailable)('aws parity: moto and the simulator give the same findings (skipped: python3 with moto and boto3 is not installed)', () => {
  let moto: { url: string; built: Built; proc: ChildProcess } | undefined;
  let dir = '';
  let fromMoto: Run | undefined;
  let fromSim: Run | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'airlock-parity-'));
    const file = path.join(dir, 'estate.json');
    await writeFile(file, JSON.stringify(ESTATE));
    moto = await startMoto(file);
    const config = validateConfig(
      {
        onPrem: { ranges: ON_PREM },
        clouds: {
          azure: { enabled: false },
          gcp: { enabled: false },
          aws: { accounts: [ACCOUNT], regions: [REGION], credential: 'simulator', endpoint: moto.url, kopsStateStores: [STATE_STORE] },
        },
        store: { kind: 'file', path: path.join(dir, 'state') },
      },
      path.join(dir, 'airlock.yaml'),
    );
    fromMoto = await runAudit(config, { clouds: ['aws'], collectors: [awsCollector], clock });
    fromSim = await auditSim(moto.built);
  }, 240_000);

  afterAll(async () => {
    if (moto) await stopMoto(moto.proc);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives the same rule id + resource id pairs from moto as from the simulator, and they are the expected ones', () => {
    if (!moto || !fromMoto || !fromSim) throw new Error('setup failed');
    expect(pairs(fromMoto, moto.built)).toEqual(pairs(fromSim, moto.built));
    expect(pairs(fromMoto, moto.built)).toEqual(EXPECTED);
    // The same resources by id, not only by name: the simulator served moto's ids.
    expect(fromSim.findings.map((f) => f.resource.id)).toContain(moto.built.ids['public-a']);
  });

  it('reads moto completely except Cost Explorer', () => {
    const failed = (fromMoto?.coverage.scopes ?? []).flatMap((s) => s.failed.map((f) => f.api));
    expect(failed.filter((a) => a !== 'ce:GetCostAndUsage')).toEqual([]);
    expect(fromMoto?.coverage.scopes.map((s) => s.scope.id)).toEqual([`${ACCOUNT}/${REGION}`]);
  });
});
