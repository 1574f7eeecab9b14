import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `airlock audit --cloud aws` as a child process against an estate built in moto with boto3 (VPC,
 * subnets, IGW route, instances, an EKS cluster, an internet-facing ALB, a kops state store in S3
 * holding a real kops spec): the CLI must report the findings the estate was built to have.
 */

const motoAvailable = spawnSync('python3', ['-c', 'import moto.server, boto3'], { stdio: 'ignore' }).status === 0;
const root = fileURLToPath(new URL('../../', import.meta.url));
const ACCOUNT = '123456789012';

interface Ids {
  vpc: string;
  publicA: string;
  bastion: string;
  alb: string;
}

function exitOf(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => proc.once('exit', () => { resolve(); }));
}

/** Starts moto_estate.py and waits for its JSON line; kills it before throwing if it never comes. */
async function startMotoEstate(): Promise<{ url: string; ids: Ids; proc: ChildProcess }> {
  const script = path.join(root, 'test/collect/aws/moto_estate.py');
  const proc = spawn('python3', [script, path.join(root, 'test/collect/aws/fixtures/kops')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let timer: NodeJS.Timeout | undefined;
  try {
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      let err = '';
      timer = setTimeout(() => { reject(new Error(`moto_estate.py printed nothing within 60 s: ${err}`)); }, 60_000);
      proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) resolve(out.slice(0, nl));
      });
      proc.stderr.on('data', (d: Buffer) => { err += d.toString(); });
      proc.once('exit', (code) => { reject(new Error(`moto_estate.py exited with ${String(code)}: ${err}`)); });
    });
    const parsed = JSON.parse(line) as { port: number; ids: Ids };
    return { url: `http://127.0.0.1:${parsed.port}`, ids: parsed.ids, proc };
  } catch (err) {
    const exited = exitOf(proc);
    proc.kill('SIGKILL');
    await exited;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => { resolve({ code, stdout, stderr }); });
  });
}

describe.skipIf(!motoAvailable)('airlock audit --cloud aws against moto (skipped: python3 with moto and boto3 is not installed)', () => {
  let moto: { url: string; ids: Ids; proc: ChildProcess } | undefined;
  let dir = '';
  let findings: { ruleId: string; resource: { id: string } }[] = [];
  let coverage: { scope: { id: string }; complete: boolean; failed: { api: string }[] }[] = [];
  let exitCode: number | null = null;

  beforeAll(async () => {
    moto = await startMotoEstate();
    dir = await mkdtemp(path.join(tmpdir(), 'airlock-moto-'));
    const configFile = path.join(dir, 'airlock.yaml');
    await writeFile(
      configFile,
      stringify({
        onPrem: { ranges: ['10.10.0.0/16'] },
        clouds: {
          azure: { enabled: false },
          gcp: { enabled: false },
          aws: { accounts: [ACCOUNT], regions: ['us-east-1'], credential: 'simulator', endpoint: moto.url, kopsStateStores: ['s3://moto-kops-state'] },
        },
        store: { kind: 'file', path: path.join(dir, 'state') },
      }),
    );
    const r = await runCli(['audit', '--config', configFile, '--cloud', 'aws', '--format', 'json', '--no-publish']);
    exitCode = r.code;
    const run = JSON.parse(r.stdout) as { findings: typeof findings; coverage: { scopes: typeof coverage } };
    findings = run.findings;
    coverage = run.coverage.scopes;
  }, 180_000);

  afterAll(async () => {
    if (moto) {
      const exited = exitOf(moto.proc);
      moto.proc.kill('SIGKILL');
      await exited;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reports the findings the estate was built to have', () => {
    const ids = moto?.ids;
    if (!ids) throw new Error('moto did not start');
    const got = new Set(findings.map((f) => `${f.ruleId} ${f.resource.id}`));
    const cluster = `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/orders`;
    for (const expected of [
      `aws/eks-public-endpoint ${cluster}`,
      `aws/eks-private-endpoint ${cluster}`,
      `aws/lb-internet-facing ${ids.alb}`,
      `aws/subnet-igw-route ${ids.publicA}`,
      `aws/subnet-auto-public-ip ${ids.publicA}`,
      `aws/instance-public-ip ${ids.bastion}`,
      `aws/address-overlap ${ids.vpc}`,
      `aws/route53-private-zone ${ids.vpc}`,
      'aws/kops-api-internal s3://moto-kops-state/privatecalico.example.com',
      'aws/kops-private-topology s3://moto-kops-state/privatecalico.example.com',
    ]) {
      expect(got, expected).toContain(expected);
    }
    expect(exitCode).not.toBe(2);
  });

  it('reads the estate through the SDK (EC2, ELB, EKS, Route 53, S3) without a coverage gap besides Cost Explorer', () => {
    expect(coverage.map((c) => c.scope.id)).toEqual([`${ACCOUNT}/us-east-1`]);
    const failedApis = coverage.flatMap((c) => c.failed.map((f) => f.api));
    // moto's Cost Explorer answers without NAT/TGW usage or not at all; every other read must succeed.
    expect(failedApis.filter((a) => a !== 'ce:GetCostAndUsage')).toEqual([]);
  });
});
