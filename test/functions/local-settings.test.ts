import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * local.settings.example.json against the app settings the code reads: every setting the
 * Functions app (functions/, and shared/ through it) reads is in the example, or listed below with
 * the reason it is not; every setting in the example is read by something; and the example's
 * values are the defaults docs/deploy.md describes.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Read by the code, deliberately not in the local example, and why. */
const NOT_IN_EXAMPLE: Record<string, string> = {
  AzureWebJobsStorage__accountName: 'identity-based storage in Azure; locally the AzureWebJobsStorage connection string (Azurite) is used',
  AzureWebJobsStorage__credential: 'identity-based storage in Azure only',
  AzureWebJobsStorage__clientId: 'identity-based storage in Azure only',
  AzureWebJobsStorage__queueServiceUri: 'identity-based storage in Azure only (derived from accountName)',
  AzureWebJobsStorage__tableServiceUri: 'identity-based storage in Azure only (derived from accountName)',
  AZURE_CLIENT_ID: 'the user-assigned identity in Azure; locally az login or a service principal',
  AIRLOCK_CONFIG_YAML: 'the alternative to AIRLOCK_CONFIG_FILE, which the example uses',
  AIRLOCK_AWS_WEB_IDENTITY_AUDIENCE: 'optional, with a documented default (docs/aws-setup.md)',
  APPLICATIONINSIGHTS_CONNECTION_STRING: 'set in Azure by Bicep; a local host runs without Application Insights',
};

/** Settings the Functions host reads, not the app's code. */
const HOST_SETTING = /^(FUNCTIONS_WORKER_RUNTIME|AzureFunctionsJobHost__.+)$/;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(root, dir), { recursive: true });
  return entries.map(String).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f));
}

/** Setting names in `env['NAME']`, `env[\`${STORAGE_CONNECTION}__x\`]` (and `${prefix}x`), `%NAME%` bindings and the secret-settings list. */
async function settingsRead(): Promise<Map<string, string>> {
  const read = new Map<string, string>();
  const storage = /export const STORAGE_CONNECTION = '([^']+)'/.exec(await readFile(path.join(root, 'functions/lib/platform.ts'), 'utf8'))?.[1];
  expect(storage, 'functions/lib/platform.ts names the storage connection setting').toBeDefined();
  for (const file of [...(await sources('functions')), ...(await sources('shared'))]) {
    const text = await readFile(path.join(root, file), 'utf8');
    for (const m of text.matchAll(/\benv\[['`]([A-Za-z_][A-Za-z0-9_]*)['`]\]/g)) read.set(m[1] ?? '', file);
    for (const m of text.matchAll(/\benv\[`\$\{(?:STORAGE_CONNECTION|prefix)\}(?:__)?([A-Za-z]+)`\]/g)) read.set(`${storage ?? ''}__${m[1] ?? ''}`, file);
    if (/\benv\[STORAGE_CONNECTION\]/.test(text)) read.set(storage ?? '', file);
    for (const m of text.matchAll(/'%([A-Za-z_][A-Za-z0-9_]*)%'/g)) read.set(m[1] ?? '', file);
    const secrets = /const SECRET_SETTINGS = \[([^\]]*)\]/.exec(text)?.[1];
    for (const m of (secrets ?? '').matchAll(/'([A-Za-z_][A-Za-z0-9_]*)'/g)) read.set(m[1] ?? '', file);
  }
  return read;
}

async function example(): Promise<Record<string, string>> {
  const doc = JSON.parse(await readFile(path.join(root, 'local.settings.example.json'), 'utf8')) as { Values: Record<string, string> };
  return doc.Values;
}

describe('local.settings.example.json', () => {
  it('holds every app setting the code reads, except those listed with a reason', async () => {
    const read = await settingsRead();
    // Not vacuous: the settings of the report upload and of storage are among those found.
    expect([...read.keys()]).toEqual(expect.arrayContaining(['AIRLOCK_REPORT_CONTAINER', 'AzureWebJobsStorage__blobServiceUri', 'AIRLOCK_SCHEDULE', 'AzureWebJobsStorage']));
    const values = await example();
    const missing = [...read].filter(([name]) => !(name in values) && !(name in NOT_IN_EXAMPLE)).map(([name, file]) => `${name} (read in ${file})`);
    expect(missing).toEqual([]);
    // The list of exceptions names settings the code still reads.
    expect(Object.keys(NOT_IN_EXAMPLE).filter((name) => !read.has(name))).toEqual([]);
  });

  it('holds nothing the code or the host does not read (AIRLOCK__ overrides aside)', async () => {
    const read = await settingsRead();
    const unknown = Object.keys(await example()).filter((name) => !read.has(name) && !HOST_SETTING.test(name) && !name.startsWith('AIRLOCK__'));
    expect(unknown).toEqual([]);
  });

  it('gives the report container and blob endpoint the defaults docs/deploy.md describes', async () => {
    const values = await example();
    const deploy = await readFile(path.join(root, 'docs/deploy.md'), 'utf8');
    const container = /\| `AIRLOCK_REPORT_CONTAINER` \| Bicep \(`([^`]+)`\)/.exec(deploy)?.[1];
    expect(container).toBeDefined();
    expect(values['AIRLOCK_REPORT_CONTAINER']).toBe(container);
    // Azurite's blob endpoint, as the documented local report link is built on it.
    const blob = values['AzureWebJobsStorage__blobServiceUri'];
    expect(blob).toMatch(/^http:\/\/127\.0\.0\.1:10000\/devstoreaccount1$/);
    expect(deploy).toContain(`\`${String(blob)}/${String(container)}/latest.html\``);
    expect(values['AzureWebJobsStorage']).toBe('UseDevelopmentStorage=true');
  });
});
