import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileFindingStore } from '../../shared/store/index.js';
import { storeContract } from './contract.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function fresh(): Promise<FileFindingStore> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-store-'));
  dirs.push(dir);
  return new FileFindingStore(join(dir, 'state'));
}

storeContract('file', fresh, (store) => {
  // Another handle on the same directory, as a second process would open it.
  if (!(store instanceof FileFindingStore)) throw new Error('not a file store');
  return Promise.resolve(new FileFindingStore(store.dir));
});

describe('file store', () => {
  it('leaves no temporary files behind after its atomic writes', async () => {
    const store = await fresh();
    await store.commitRun({
      run: {
        id: 'r1', trigger: 'cli', startedAt: '2026-11-22T06:00:00.000Z', finishedAt: '2026-11-22T06:00:00.000Z', clouds: [], complete: true, apiCalls: {},
        counts: { bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, total: 0 },
        drift: { counts: { new: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, regressed: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, resolved: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, persisting: { critical: 0, high: 0, medium: 0, low: 0, info: 0 }, excepted: { critical: 0, high: 0, medium: 0, low: 0, info: 0 } }, carriedOver: { scopes: [], findings: 0 } },
        coverage: { scopes: 0, incomplete: [], notes: [] }, undecided: 0, deliveries: [], committedAt: '2026-11-22T06:00:00.000Z',
      },
      states: [], events: [], outbox: [],
    });
    const all = await readdir(store.dir, { recursive: true });
    expect(all.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(all).toContain('findings.json');
  });
});
