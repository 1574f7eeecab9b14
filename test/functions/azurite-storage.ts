import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ACCOUNT, freePort, KEY, stopChild } from '../helpers/azurite.js';

export interface AzuriteStorage {
  /** Queue, table and blob endpoints of the development account, as AzureWebJobsStorage takes it. */
  connectionString: string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite's queue, table and blob services in memory on 127.0.0.1 (free ports), with node
 * directly. Call stop() in afterAll.
 */
export async function startAzuriteStorage(): Promise<AzuriteStorage> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('azurite/package.json'));
  const workDir = await mkdtemp(join(tmpdir(), 'airlock-azurite-fn-'));
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const [queuePort, tablePort, blobPort] = [await freePort(), await freePort(), await freePort()];
    const children: ChildProcess[] = [];
    const outputs: string[] = [];
    const start = (service: 'queue' | 'table' | 'blob', port: number): ChildProcess => {
      const child = spawn(
        process.execPath,
        [join(root, `dist/src/${service}/main.js`), `--${service}Host`, '127.0.0.1', `--${service}Port`, String(port), '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent'],
        { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const i = outputs.push('') - 1;
      const append = (d: Buffer): void => {
        outputs[i] = `${outputs[i] ?? ''}${d.toString()}`;
      };
      child.stdout.on('data', append);
      child.stderr.on('data', append);
      children.push(child);
      return child;
    };
    start('queue', queuePort);
    start('table', tablePort);
    start('blob', blobPort);
    let ok = false;
    for (let i = 0; i < 200 && !ok; i += 1) {
      if (children.some((c) => c.exitCode !== null)) break;
      ok = outputs.every((o) => /successfully (started|listens)/.test(o));
      if (!ok) await new Promise((r) => setTimeout(r, 50));
    }
    if (ok) {
      return {
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};QueueEndpoint=http://127.0.0.1:${String(queuePort)}/${ACCOUNT};TableEndpoint=http://127.0.0.1:${String(tablePort)}/${ACCOUNT};BlobEndpoint=http://127.0.0.1:${String(blobPort)}/${ACCOUNT};`,
        stop: async () => {
          await Promise.all(children.map(stopChild));
          await rm(workDir, { recursive: true, force: true });
        },
      };
    }
    await Promise.all(children.map(stopChild));
  }
  await rm(workDir, { recursive: true, force: true });
  throw new Error('azurite (queue, table, blob) could not start on 127.0.0.1 after 5 attempts');
}
