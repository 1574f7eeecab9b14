import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { recursive: true });
  return entries.filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

function imports(text: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) out.push({ spec: m[3] ?? '', typeOnly: m[2] !== undefined });
  for (const m of text.matchAll(/^\s*import\s+'([^']+)'/gm)) out.push({ spec: m[1] ?? '', typeOnly: false });
  return out;
}

describe('architecture boundaries', () => {
  it('drift is pure: only the model, small utilities and config types; no SDK, fs, network or clock', async () => {
    const files = await sources('shared/drift');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await readFile(join(ROOT, file), 'utf8');
      for (const { spec, typeOnly } of imports(text)) {
        const allowed = spec.startsWith('./') || spec.startsWith('../model/') || spec.startsWith('../util/') || (typeOnly && spec.startsWith('../config/'));
        expect(allowed, `${file} imports ${spec}`).toBe(true);
      }
      expect(text, `${file} reads the clock`).not.toMatch(/Date\.now\(|new Date\(\)/);
    }
  });

  it('store, notify and publish never import functions, cli or sim', async () => {
    const files = [...(await sources('shared/store')), ...(await sources('shared/notify')), 'shared/publish.ts'];
    for (const file of files) {
      const text = await readFile(join(ROOT, file), 'utf8');
      for (const { spec } of imports(text)) expect(spec, `${file} imports ${spec}`).not.toMatch(/(^|\/)(functions|cli|sim)\/|@azure\/functions/);
    }
  });
});
