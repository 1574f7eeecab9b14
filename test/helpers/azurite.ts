import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Azurite's well-known development account (public, documented by Microsoft; not a secret). */
export const ACCOUNT = 'devstoreaccount1';
export const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteTable {
  port: number;
  connectionString: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      resolve(false);
    });
  });
}

export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

async function startOnce(port: number, workDir: string): Promise<AzuriteTable | undefined> {
  const require = createRequire(import.meta.url);
  const main = join(dirname(require.resolve('azurite/package.json')), 'dist/src/table/main.js');
  const child = spawn(
    process.execPath,
    [main, '--tableHost', '127.0.0.1', '--tablePort', String(port), '--inMemoryPersistence', '--disableTelemetry', '--skipApiVersionCheck', '--silent'],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  for (let i = 0; i < 200; i += 1) {
    if (child.exitCode !== null) return undefined; // port taken between our probe and its bind: try another
    // Azurite says so once its own listen succeeded; a bare TCP probe could reach another server
    // that grabbed the port between our probe and Azurite's bind.
    if (output.includes('successfully started') && (await listening(port))) {
      return {
        port,
        connectionString: `DefaultEndpointsProtocol=http;AccountName=${ACCOUNT};AccountKey=${KEY};TableEndpoint=http://127.0.0.1:${String(port)}/${ACCOUNT};`,
        stop: () => stopChild(child),
      };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stopChild(child);
  throw new Error(`azurite-table did not listen on 127.0.0.1:${String(port)} within 10 s; output: ${output.slice(0, 2000)}`);
}

/** Starts Azurite's table service in memory on 127.0.0.1 and a free port. Call stop() in afterAll. */
export async function startAzuriteTable(): Promise<AzuriteTable> {
  const workDir = await mkdtemp(join(tmpdir(), 'airlock-azurite-'));
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const started = await startOnce(await freePort(), workDir);
    if (started) {
      return {
        ...started,
        stop: async () => {
          await started.stop();
          await rm(workDir, { recursive: true, force: true });
        },
      };
    }
  }
  await rm(workDir, { recursive: true, force: true });
  throw new Error('azurite-table could not bind a free port on 127.0.0.1 after 5 attempts');
}
