import { createServer, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configSchema } from '../../shared/config/schema.js';
import { silentLogger } from '../../shared/log.js';
import type { Run } from '../../shared/model/run.js';
import type { ShardResult } from '../../shared/audit.js';
import { publishRun } from '../../shared/publish.js';
import { ProgressStore } from '../../shared/store/progress.js';
import { TableFindingStore, type TableCommitStep } from '../../shared/store/table.js';
import { registerSecret } from '../../shared/util/redact.js';
import { finding, LB1, LB2, run } from '../drift/fixtures.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';

/**
 * The table store scrubs every stored entity of registered secrets, as the file store does:
 * sentinels in every secret slot (channel URL paths and queries, a signing secret, a connection
 * string's key) and the same values inside what the store is given to keep (finding messages and
 * evidence, coverage notes holding a cloud API's error text, the report, a receiver's echoed
 * error); every entity of every table is read back raw, at every commit step (the journal
 * included) and after delivery, and none may hold a sentinel.
 */

const SENTINELS = {
  slackToken: 'SENTINELslackTOKEN0a1b2c3d4e5f',
  teamsSig: 'SENTINELteamsSIG9z8y7x6w5v4u3t',
  hookPath: 'SENTINELhookPATH1q2w3e4r5t6y',
  signingKey: Buffer.from('SENTINELsigningKEY-0123456789abcdef').toString('base64'),
  accountKey: 'SENTINELaccountKEY+/5k4j3h2g1f0e==',
};

let azurite: AzuriteTable | undefined;
const servers: Server[] = [];
beforeAll(async () => {
  azurite = await startAzuriteTable();
});
afterAll(async () => {
  for (const s of servers) s.close();
  await azurite?.stop();
});

/** A receiver that quotes the request path, query and signature header in its error body. */
function echoServer(): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`no_service: ${String(req.url)} sig=${String(req.headers['webhook-signature'])}`);
    });
  });
  servers.push(server);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const a = server.address();
      resolve(`http://127.0.0.1:${typeof a === 'object' && a ? String(a.port) : '0'}`);
    }),
  );
}

const TABLES = ['Runs', 'Findings', 'Events', 'Outbox'];

/** Every entity of the store's tables, as the service returns it. */
async function rawEntities(prefix: string): Promise<string[]> {
  if (!azurite) throw new Error('Azurite did not start');
  const out: string[] = [];
  for (const t of TABLES) {
    const client = TableClient.fromConnectionString(azurite.connectionString, `${prefix}${t}`, { allowInsecureConnection: true });
    for await (const e of client.listEntities()) out.push(JSON.stringify(e));
  }
  return out;
}

describe('table store: secrets scrubbed from every stored entity', () => {
  it('0 sentinels in runs, findings, events, outbox, journal, report and dead-letter entries', async () => {
    const base = await echoServer();
    const env = {
      SLACK_URL: `${base}/services/T0SENTINEL/B0SENTINEL/${SENTINELS.slackToken}`,
      TEAMS_URL: `${base}/workflows/6f1c0a6e-0000-4000-8000-000000000001/triggers/manual/paths/invoke?api-version=2016-06-01&sv=1.0&sig=${SENTINELS.teamsSig}`,
      HOOK_URL: `${base}/hook/${SENTINELS.hookPath}?token=${SENTINELS.hookPath}`,
      HOOK_SECRET: `whsec_${SENTINELS.signingKey}`,
    };
    // Registered before anything is stored, as the Functions host does at start-up (registerSettingSecrets),
    // and the store's own `env:` connection string as resolving it does.
    for (const value of Object.values(env)) registerSecret(value);
    registerSecret(`DefaultEndpointsProtocol=https;AccountName=elsewhere;AccountKey=${SENTINELS.accountKey};EndpointSuffix=core.windows.net`);
    const config = configSchema.parse({
      notifications: [
        { name: 'slack', kind: 'slack', url: 'env:SLACK_URL', minSeverity: 'info' },
        { name: 'teams', kind: 'teams', url: 'env:TEAMS_URL', minSeverity: 'info' },
        { name: 'hook', kind: 'webhook', url: 'env:HOOK_URL', signingSecret: 'env:HOOK_SECRET', minSeverity: 'info' },
      ],
    });
    // What a run may carry that came from elsewhere: a resource's tag in evidence, a message, a cloud API's error text.
    const all = Object.values(SENTINELS).join(' ');
    const r: Run = run({
      id: 'run-secrets',
      findings: [finding({ resource: LB1, severity: 'critical', message: `tagged ${all}`, evidence: { tag: all, url: env.HOOK_URL } }), finding({ resource: LB2, evidence: { note: env.SLACK_URL } })],
    });
    r.coverage.notes.push(`resource graph said: 403 for ${env.TEAMS_URL} (key ${SENTINELS.accountKey})`);

    const prefix = `s${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const snapshots: { step: TableCommitStep | 'delivered'; entities: string[] }[] = [];
    if (!azurite) throw new Error('Azurite did not start');
    // Read the tables at every commit step: the journal exists only between its write and its removal.
    const store = await TableFindingStore.open({
      connectionString: azurite.connectionString,
      tablePrefix: prefix,
      onStep: async (step) => {
        snapshots.push({ step, entities: await rawEntities(prefix) });
      },
    });
    // A clock that the deliverer's waits move on, so retries happen at once.
    const clock = { at: Date.parse('2026-11-22T06:00:00Z') };
    const sleep = (ms: number): Promise<void> => Promise.resolve(void (clock.at += ms));
    const options = { config, store, env, now: () => new Date(clock.at), log: silentLogger, report: () => `report naming ${all}` };
    const result = await publishRun(r, { ...options, delivery: { maxAttempts: 2, sleep } });
    snapshots.push({ step: 'delivered', entities: await rawEntities(prefix) });

    // Not vacuous: the receivers' errors were recorded, the journal was read, every kind of entity was there.
    expect(result.deliveries.map((d) => d.status)).toEqual(['dead-letter', 'dead-letter', 'dead-letter']);
    expect(snapshots.map((s) => s.step)).toContain('journal-written');
    const final = snapshots.at(-1)?.entities ?? [];
    expect(final.filter((e) => e.includes('"lastError"') || e.includes('no_service')).length).toBeGreaterThan(0);
    const entities = snapshots.flatMap((s) => s.entities);
    const leaks = entities.flatMap((e) => Object.entries(SENTINELS).filter(([, s]) => e.includes(s)).map(([slot]) => `${slot} in ${e.slice(0, 120)}`));
    expect(leaks).toEqual([]);
    expect(entities.join('\n')).toContain('<redacted>');
    // Scrubbed, still readable through the store.
    expect((await store.getRun('run-secrets'))?.coverage.notes[0]).toContain('<redacted>');
    expect(await store.getReport('run-secrets')).toContain('<redacted>');
  });
});

describe('run progress store: secrets scrubbed before a shard result is cut into entities', () => {
  it('a secret that straddles the 240,000-character cut is in no entity, whole or split', async () => {
    const secret = 'SENTINELprogressSECRET-7f6e5d4c3b2a';
    registerSecret(secret);
    const connectionString = azurite?.connectionString ?? '';
    const tableName = `progress${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = await ProgressStore.open({ connectionString, tableName });
    // JSON.stringify puts `{"note":"` (9 characters) before the padding: the secret starts 10 before the cut.
    const note = `${'x'.repeat(240_000 - 9 - 10)}${secret} echoed by a cloud API`;
    await store.create({ runId: 'run-secret', trigger: 'timer', request: {}, phase: 'planning' });
    await store.recordShard('run-secret', { shardId: 's1', scopes: ['azure/subscription/x'], status: 'ok', result: { note } as unknown as ShardResult });
    const raw: string[] = [];
    for await (const e of TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true }).listEntities()) raw.push(JSON.stringify(e));
    expect(raw.length).toBeGreaterThan(2);
    const all = raw.join('');
    expect(all).not.toContain(secret);
    // Cut across two entities, the second half would start the next entity unscrubbed.
    expect(all).not.toContain(secret.slice(10));
  });
});
