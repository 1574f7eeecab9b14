import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importsOf } from '../architecture/boundaries.js';

/**
 * The Function App ships dist/ with production dependencies only. Nothing the app loads may come
 * from sim/, test/, tsx or a devDependency. That the built entry loads from the build output and
 * the production dependency tree alone (a full `npm run build`): package.long.test.ts.
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => path.posix.join(dir, f.split(path.sep).join('/')));
}

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

const builtin = new Set(builtinModules);

describe('the deployed app', () => {
  const files = [...sources('functions'), ...sources('shared')];

  it('imports nothing from sim/, test/, tsx or a devDependency, and only declared production dependencies', () => {
    expect(files.length).toBeGreaterThan(50);
    const problems: string[] = [];
    for (const file of files) {
      for (const spec of importsOf(readFileSync(path.join(ROOT, file), 'utf8'))) {
        if (spec.startsWith('.')) {
          const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
          if (/^(sim|test|bench|scripts|cli)\//.test(resolved)) problems.push(`${file}: ${spec} (outside the app)`);
          continue;
        }
        if (spec.startsWith('node:') || builtin.has(spec)) continue;
        const name = packageOf(spec);
        if (name === 'tsx' || name in pkg.devDependencies) problems.push(`${file}: ${spec} (devDependency)`);
        else if (!(name in pkg.dependencies)) problems.push(`${file}: ${spec} (not a declared dependency)`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('keeps the simulator, test and build tools out of the production dependencies', () => {
    for (const name of ['tsx', 'selfsigned', 'azurite', 'vitest', 'typescript', 'eslint', 'knip']) {
      expect(pkg.dependencies, name).not.toHaveProperty(name);
    }
    expect(pkg.main).toBe('dist/functions/*.js');
  });
});
