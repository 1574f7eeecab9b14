import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../shared/store/index.js';
import { startAzuriteTable, type AzuriteTable } from '../helpers/azurite.js';
import { useDriftEstate } from './drift-harness.js';

/**
 * Exactly-once delivery across a crash: `drift-crash-child.ts` (audit, then publish) is SIGKILLed
 * between the store write and delivery, then run again with the same run id and once more, on the
 * file store and on a table store (Azurite). Three child processes, each a full audit, per store:
 * `npm run test:long`. The drift sequence in process: drift-notify.test.ts.
 */

const estate = useDriftEstate();

describe('drift alerts over the simulator', () => {
  it.each(['file', 'table'] as const)('delivers each message exactly once when the process is killed between store write and delivery (%s store)', async (kind) => {
    const { receiver, dir, config, configFile, env, children } = estate();
    let azurite: AzuriteTable | undefined;
    let childConfig = configFile;
    let childEnv: NodeJS.ProcessEnv = env;
    let storeConfig = config.store;
    if (kind === 'table') {
      azurite = await startAzuriteTable();
      storeConfig = { kind: 'table', connectionString: 'env:E2E_TABLES', tablePrefix: 'crash' };
      const raw = parse(await readFile(configFile, 'utf8')) as Record<string, unknown>;
      childConfig = join(dir, 'airlock-table.yaml');
      await writeFile(childConfig, stringify({ ...raw, store: storeConfig }));
      childEnv = { ...env, E2E_TABLES: azurite.connectionString };
    }
    try {
      const here = dirname(fileURLToPath(import.meta.url));
      // tsx as a loader keeps the script in one process, so the parent sees the SIGKILL itself.
      const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
      const child = (runId: string, extraEnv: NodeJS.ProcessEnv = {}) =>
        new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) => {
          const proc = execFile(process.execPath, ['--import', tsxLoader, join(here, 'drift-crash-child.ts'), childConfig, runId], { env: { ...process.env, ...childEnv, ...extraEnv }, timeout: 120_000 }, (err, stdout, stderr) => {
            children.delete(proc);
            const e = err as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
            resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
          });
          children.add(proc);
        });

      const crashed = await child('crash-run-1', { AIRLOCK_TEST_CRASH: 'after-commit' });
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
      expect(receiver.requests()).toHaveLength(0);
      const store = await openStore(storeConfig, { env: childEnv });
      expect((await store.getRun('crash-run-1'))?.deliveries.map((d) => d.status)).toEqual(['pending', 'pending', 'pending']);

      // The run is retried with the same id: nothing is written twice, each message goes out once.
      const retried = await child('crash-run-1');
      expect(retried.code, retried.stderr).toBe(0);
      expect(JSON.parse(retried.stdout)).toMatchObject({ committed: false });
      expect(receiver.accepted('/slack')).toHaveLength(1);
      expect(receiver.accepted('/teams')).toHaveLength(1);
      expect(receiver.accepted('/hook')).toHaveLength(1);
      expect(receiver.accepted('/hook')[0]?.headers['webhook-id']).toMatch(/^crash-run-1:siem:[0-9a-f]{16}$/);

      // A later run of the same estate sends nothing more.
      const next = await child('crash-run-2');
      expect(next.code, next.stderr).toBe(0);
      const seen = receiver.requests().map((r) => `${r.path} ${String(r.headers['idempotency-key'])} ${r.status} ${r.body.slice(0, 300)}`);
      expect(seen, `${seen.join('\n')}\n--- crash-run-2 stderr:\n${next.stderr}`).toHaveLength(3);
      expect((await store.getRun('crash-run-1'))?.deliveries.map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
      expect(await store.listEvents('crash-run-1')).toHaveLength((await store.loadFindingStates()).length);
    } finally {
      await azurite?.stop();
    }
  }, 240_000);
});
