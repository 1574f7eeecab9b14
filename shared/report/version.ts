import { readFile } from 'node:fs/promises';

let cached: Promise<string> | undefined;

/**
 * Airlock's version as reports print it (HTML footer, OCSF metadata.product), from package.json:
 * two levels up from the sources (shared/report/), three from the build (dist/shared/report/).
 */
export function productVersion(): Promise<string> {
  cached ??= (async () => {
    for (const rel of ['../../package.json', '../../../package.json']) {
      try {
        const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'airlock' && pkg.version) return pkg.version;
      } catch {
        // not at this level: try the next one up
      }
    }
    return 'unknown';
  })();
  return cached;
}
