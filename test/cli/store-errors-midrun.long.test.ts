import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { startSimulator, type Simulator } from '../../sim/index.js';
import { TableFindingStore } from '../../shared/store/table.js';
import { JOURNALLED } from '../../shared/store/types.js';
import { freePort, KEY, startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { Gate } from '../store/gate.js';
import { airlock } from './run-cli.js';

/**
 * `airlock audit` whose table store fails after it was opened (Azurite behind a local gate that
 * goes down at a chosen request): exit 4 and one line naming the store, the step, what failed, what
 * to check and what was left; the next audit, with the endpoint back, completes and records each
 * transition once (after waiting for the failed run's commit lease to lapse: 2 min each, hence a
 * long test). The file store's failures, step by step: test/store/store-failures.test.ts.
 */

let sim: Simulator;
let azurite: AzuriteTable;
let gate: Gate;
let configFile = '';
let dir = '';
beforeAll(async () => {
  sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: { throttle: { enabled: false } } });
  azurite = await startAzuriteTable();
  gate = await Gate.open(await freePort(), azurite.port);
  dir = await mkdtemp(path.join(tmpdir(), 'airlock-store-midrun-'));
  ({ configFile } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), { overrides: { notifications: [] } }));
  // The simulator writes a file store; this test's store is a table store behind the gate.
  const written = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
  await writeFile(configFile, stringify({ ...written, store: { kind: 'table', connectionString: 'env:STORE_CONNECTION', tablePrefix: 'midrun' } }));
}, 60_000);
afterAll(async () => {
  gate.down();
  await azurite.stop();
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ ...process.env, STORE_CONNECTION: azurite.connectionString.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${String(gate.port)}`) });

/** The store error line: the last line of stderr, the only one naming the store, no stack. */
function storeLine(r: { code: number; stdout: string; stderr: string }): string {
  expect(r.code, r.stderr).toBe(4);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines.filter((l) => l.includes('table store at'))).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.stderr).not.toContain(KEY);
  const line = lines.at(-1) ?? '';
  expect(line).toMatch(new RegExp(`^airlock: table store at http://127\\.0\\.0\\.1:${String(gate.port)}/devstoreaccount1 \\(tables midrunRuns, midrunFindings, midrunEvents, midrunOutbox\\): `));
  return line;
}

async function storeHolds(): Promise<{ runs: string[]; events: Map<string, number>; journal: number }> {
  const store = await TableFindingStore.open({ connectionString: azurite.connectionString, tablePrefix: 'midrun' });
  const runs = (await store.listRuns()).map((r) => r.id);
  const events = new Map<string, number>();
  for (const id of runs) for (const e of await store.listEvents(id)) events.set(`${e.fingerprint}:${e.state}`, (events.get(`${e.fingerprint}:${e.state}`) ?? 0) + 1);
  let journal = 0;
  const { TableClient } = await import('@azure/data-tables');
  const client = TableClient.fromConnectionString(azurite.connectionString, 'midrunRuns', { allowInsecureConnection: true });
  for await (const row of client.listEntities({ queryOptions: { filter: "PartitionKey eq 'journal'", select: ['RowKey'] } })) if (row.rowKey !== undefined) journal += 1;
  return { runs, events, journal };
}

describe('airlock audit: the table store fails mid-run', () => {
  it('gone at the journal write: exit 4, "not committed"; the next audit records the run once', async () => {
    const dropped = gate.downAt(/^POST \/devstoreaccount1\/\$batch /);
    const r = await airlock(['audit', '--config', configFile, '--cloud', 'azure'], env());
    await dropped;
    const line = storeLine(r);
    expect(line).toMatch(/: writing the journal of run [^:]+: could not connect \(/);
    expect(line).toMatch(/; check the TableEndpoint .+; run \S+ is not committed/);
    await gate.up();
    expect(await storeHolds()).toMatchObject({ runs: [], journal: 0 });
    const again = await airlock(['audit', '--config', configFile, '--cloud', 'azure'], env());
    expect(again.code, again.stderr).toBe(3); // hybrid-broken has an unreadable subscription: incomplete, not a store error
    const held = await storeHolds();
    expect(held.runs).toHaveLength(1);
    expect(held.journal).toBe(0);
    expect(held.events.size).toBeGreaterThan(0);
    expect([...held.events.values()].every((n) => n === 1)).toBe(true);
  }, 240_000);

  it('gone after the commit point: exit 4, "the commit is journalled; the next run completes it"; the next audit does', async () => {
    const before = await storeHolds();
    // The first transaction is the journal (the commit point); the second, the run's events.
    const dropped = gate.downAt(/^POST \/devstoreaccount1\/\$batch /, 2);
    const r = await airlock(['audit', '--config', configFile, '--cloud', 'azure'], env());
    await dropped;
    const line = storeLine(r);
    expect(line).toMatch(/: applying the journalled commit of run [^:]+: could not connect \(/);
    expect(line).toContain(`; ${JOURNALLED}; the commit lease could not be released; the next run takes it over once it lapses (at most 120 s)`);
    await gate.up();
    expect((await storeHolds()).journal).toBeGreaterThan(0);
    const again = await airlock(['audit', '--config', configFile, '--cloud', 'azure'], env());
    expect(again.code, again.stderr).toBe(3);
    const held = await storeHolds();
    // The interrupted run completed by the next, which committed its own: two more runs, no journal left, no transition twice.
    expect(held.runs).toHaveLength(before.runs.length + 2);
    expect(held.journal).toBe(0);
    expect([...held.events.values()].every((n) => n === 1)).toBe(true);
  }, 240_000);
});
