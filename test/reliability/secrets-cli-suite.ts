import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { recordFigures } from './figures.js';

/**
 * Secrets through the real CLI (issue 14): `airlock audit --verbose` as a child process over the
 * simulator, with a sentinel in every secret slot (Slack ids and token in the path, a Teams
 * workflow `sig`, a webhook path and `token=` query, the signing key, a table store's account key
 * and SAS signature), receivers that echo the request line and headers back in their error bodies
 * (HTTP 400, and 503 with `Retry-After: 0` so every retry is logged), every output format, and
 * configurations that fail (an inline secret, a store that cannot be reached). stdout, stderr,
 * every written file and the store are scanned: no sentinel may appear.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const SENTINELS = {
  slackToken: 'SENTINELcliSLACKtoken0a1b2c3d',
  slackIds: 'T0SENTCLI',
  teamsSig: 'SENTINELcliTEAMSsig9z8y7x6w5v',
  hookPath: 'SENTINELcliHOOKpath1q2w3e4r',
  hookQuery: 'SENTINELcliHOOKquery5t6y7u8i',
  signingKey: Buffer.from('SENTINELcliSIGNINGkey-0123456789').toString('base64'),
  accountKey: Buffer.from('SENTINELcliACCOUNTkey-0123456789abcdef').toString('base64'),
  sasSig: 'SENTINELcliSASsig4r5t6y7u8i9o',
  inline: 'SENTINELcliINLINEhook2w3e4r5t',
};
export const FORMATS = ['table', 'json', 'jsonl', 'csv', 'markdown', 'html', 'ocsf'] as const;
type Format = (typeof FORMATS)[number];
/** Resource Graph's default quota (15 per 5 s) would make back-to-back audits wait for the window. */
const UNTHROTTLED_GRAPH = { throttle: { resourceGraph: { quota: 100_000, windowSeconds: 5 } } };

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(root, 'bin/airlock.mjs'), ...args], { cwd: root, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

/** A receiver that quotes the request back: method, path and query, signature and id headers, body start. */
function echoServer(status: number, headers: Record<string, string> = {}): Promise<{ server: Server; base: string; requests: () => number }> {
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      count += 1;
      const body = Buffer.concat(chunks).toString('utf8').slice(0, 80);
      res.writeHead(status, { 'content-type': 'text/plain', ...headers }).end(`refused ${String(req.method)} ${String(req.url)} sig=${String(req.headers['webhook-signature'])} auth=${String(req.headers.authorization)} body=${body}`);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve({ server, base: `http://127.0.0.1:${typeof a === 'object' && a ? String(a.port) : '0'}`, requests: () => count });
    }),
  );
}

/** Every file the CLI wrote under `dir` (the configuration given to it is input, not output). */
async function filesUnder(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { recursive: true })).map(String).filter((n) => n !== 'airlock.yaml');
  const out: string[] = [];
  for (const n of names) {
    try {
      out.push(await readFile(path.join(dir, n), 'utf8'));
    } catch {
      // a directory
    }
  }
  return out;
}

function leaked(text: string): string[] {
  return Object.entries(SENTINELS)
    .filter(([, s]) => text.includes(s) || text.includes(encodeURIComponent(s)))
    .map(([k]) => k);
}

export interface SecretsCliRun {
  /** The output formats audited (each one CLI run with failing deliveries). */
  formats: readonly Format[];
  /** Also the slower failure cases (account-key table store, YAML error next to a secret). */
  allCases: boolean;
  suite: string;
  command: string;
}

/** Registers the CLI secrets scan; `npm test` runs one format, the long suite every one. */
export function secretsCliSuite(options: SecretsCliRun): void {
  let sim: Simulator;
  let dir: string;
  const servers: Server[] = [];
  let env: Record<string, string>;
  let bad: Awaited<ReturnType<typeof echoServer>>;
  let busy: Awaited<ReturnType<typeof echoServer>>;
  const figures: { runs: { case: string; exit: number | null; leaked: string[]; stderrLines: number; files: number }[] } = { runs: [] };

  beforeAll(async () => {
    [sim, bad, busy] = await Promise.all([
      startSimulator({ scenario: 'hybrid-broken', behaviour: { latency: { meanMs: 0, jitterMs: 0 }, ...UNTHROTTLED_GRAPH } }),
      echoServer(400),
      echoServer(503, { 'retry-after': '0' }),
    ]);
    servers.push(bad.server, busy.server);
    dir = await mkdtemp(path.join(tmpdir(), 'airlock-secrets-cli-'));
    env = {
      SLACK_URL: `${bad.base}/services/${SENTINELS.slackIds}/B0SENTCLI/${SENTINELS.slackToken}`,
      TEAMS_URL: `${busy.base}/workflows/6f1c0a6e-0000-4000-8000-000000000001/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${SENTINELS.teamsSig}`,
      HOOK_URL: `${busy.base}/hook/${SENTINELS.hookPath}?token=${SENTINELS.hookQuery}`,
      HOOK_SECRET: `whsec_${SENTINELS.signingKey}`,
    };
  }, 60_000);

  afterAll(async () => {
    await recordFigures(options.suite, {
      command: options.command,
      secretSlots: Object.keys(SENTINELS).length,
      cases: figures.runs.length,
      leaked: figures.runs.reduce((n, r) => n + r.leaked.length, 0),
      runs: figures.runs,
    });
    for (const s of servers) s.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const NOTIFICATIONS = [
    { name: 'slack-ops', kind: 'slack', url: 'env:SLACK_URL', minSeverity: 'info' },
    { name: 'teams-ops', kind: 'teams', url: 'env:TEAMS_URL', minSeverity: 'info' },
    { name: 'siem', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET', minSeverity: 'info' },
  ];

  /** The simulator's configuration with a table store whose connection string is the app setting STORE_CONNECTION. */
  async function tableStoreConfig(caseDir: string): Promise<string> {
    const { configFile } = await sim.writeConfig(path.join(caseDir, 'airlock.yaml'), { overrides: { notifications: NOTIFICATIONS } });
    const doc = parseYaml(await readFile(configFile, 'utf8')) as Record<string, unknown>;
    doc['store'] = { kind: 'table', connectionString: 'env:STORE_CONNECTION' };
    await writeFile(configFile, stringify(doc));
    return configFile;
  }

  async function scan(name: string, r: CliResult, caseDir: string): Promise<string[]> {
    const files = await filesUnder(caseDir);
    const found = leaked([r.stdout, r.stderr, ...files].join('\n'));
    figures.runs.push({ case: name, exit: r.code, leaked: found, stderrLines: r.stderr.split('\n').length - 1, files: files.length });
    return found;
  }

  describe('airlock audit --verbose: no secret in any output stream, file or store', () => {
    it.each(options.formats)('format %s: receivers echo path, query and signature; deliveries fail and are retried', async (format) => {
      const caseDir = path.join(dir, format);
      const { configFile } = await sim.writeConfig(path.join(caseDir, 'airlock.yaml'), { overrides: { notifications: NOTIFICATIONS } });
      const before = bad.requests() + busy.requests();
      const out = path.join(caseDir, `report.${format}`);
      // Every other format goes to --out, the rest to stdout: both paths are scanned.
      const toFile = FORMATS.indexOf(format) % 2 === 1;
      const r = await cli(['audit', '--config', configFile, '--cloud', 'azure', '--format', format, '--verbose', ...(toFile ? ['--out', out] : [])], env);
      // The audit ran (exit 3: hybrid-broken has an unreadable subscription), deliveries were attempted and failed.
      expect(r.code, r.stderr.slice(-2_000)).toBe(3);
      expect(bad.requests() + busy.requests()).toBeGreaterThan(before + 3);
      expect(r.stderr).toMatch(/dead-letter/);
      expect(r.stderr).toContain('<redacted>');
      expect(await scan(`format ${format}`, r, caseDir)).toEqual([]);
    }, 120_000);

    it('a table store whose SAS connection string points at a refusing endpoint: a clear error, no key or signature', async () => {
      const caseDir = path.join(dir, 'table');
      const configFile = await tableStoreConfig(caseDir);
      const connection = `TableEndpoint=${bad.base}/devstoreaccount1;SharedAccessSignature=sv=2022-11-02&ss=t&srt=sco&sp=rwdlacu&se=2030-01-01T00:00:00Z&sig=${SENTINELS.sasSig}`;
      const r = await cli(['audit', '--config', configFile, '--cloud', 'azure', '--verbose'], { ...env, STORE_CONNECTION: connection });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/^airlock: /m);
      expect(await scan('table store (SAS) refused', r, caseDir), `${r.stdout.slice(-2_000)}\n${r.stderr.slice(-3_000)}`).toEqual([]);
    }, 120_000);

    it.skipIf(!options.allCases)('a table store whose account-key connection string points at a refusing endpoint: a clear error, no key', async () => {
      const caseDir = path.join(dir, 'table-key');
      const configFile = await tableStoreConfig(caseDir);
      const connection = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${SENTINELS.accountKey};TableEndpoint=${bad.base}/devstoreaccount1;`;
      const r = await cli(['audit', '--config', configFile, '--cloud', 'azure', '--verbose', '--format', 'json'], { ...env, STORE_CONNECTION: connection });
      expect(r.code).not.toBe(0);
      expect(await scan('table store (account key) refused', r, caseDir)).toEqual([]);
    }, 120_000);

    it('a configuration with a webhook URL written inline: exit 2, the value not shown', async () => {
      const caseDir = path.join(dir, 'inline');
      const { configFile } = await sim.writeConfig(path.join(caseDir, 'airlock.yaml'));
      const text = await readFile(configFile, 'utf8');
      await writeFile(configFile, `${text}notifications:\n  - name: ops\n    kind: slack\n    url: https://hooks.slack.com/services/T0/B0/${SENTINELS.inline}\n`);
      const r = await cli(['audit', '--config', configFile, '--verbose'], env);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('notifications.0.url');
      expect(await scan('inline secret in configuration', r, caseDir)).toEqual([]);
    }, 120_000);

    it.skipIf(!options.allCases)('a configuration that is not YAML on the line holding a secret: exit 2, the value not shown', async () => {
      const caseDir = path.join(dir, 'broken');
      const { configFile } = await sim.writeConfig(path.join(caseDir, 'airlock.yaml'));
      const text = await readFile(configFile, 'utf8');
      await writeFile(configFile, `${text}notifications:\n  - name: ops\n    kind: slack\n    url: "https://hooks.slack.com/services/T0/B0/${SENTINELS.inline}\n`);
      const r = await cli(['audit', '--config', configFile, '--verbose'], env);
      expect(r.code).toBe(2);
      expect(await scan('YAML error next to a secret', r, caseDir)).toEqual([]);
    }, 120_000);
  });
}
