import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** One import boundary of architecture.md: files under `from` may import only what `allowed` accepts. */
export interface Boundary {
  name: string;
  from: string;
  /** Given the import specifier and the repo-relative resolved path (for relative imports), may it be imported? */
  allowed(specifier: string, resolved: string | undefined): boolean;
}

export interface Violation {
  file: string;
  specifier: string;
  boundary: string;
}

const inside = (resolved: string | undefined, ...dirs: string[]) => resolved !== undefined && dirs.some((d) => resolved === d || resolved.startsWith(`${d}/`));

/** The architecture's boundaries (../shared/architecture.md, "Boundaries that must hold"). */
const BOUNDARIES: Boundary[] = [
  {
    name: 'rules import only the model, pure helpers, price tables and config types',
    from: 'shared/rules',
    allowed: (spec, resolved) => inside(resolved, 'shared/model', 'shared/util', 'shared/cost', 'shared/rules', 'shared/config/schema.ts'),
  },
  {
    name: 'drift imports only the model, pure helpers and config types',
    from: 'shared/drift',
    allowed: (spec, resolved) => inside(resolved, 'shared/model', 'shared/util', 'shared/drift', 'shared/config/schema.ts'),
  },
  {
    name: 'shared never imports functions, cli or sim',
    from: 'shared',
    allowed: (spec, resolved) => !inside(resolved, 'functions', 'cli', 'sim'),
  },
];

/** Import specifiers of a TypeScript source (static imports, re-exports, dynamic imports with literal specifiers). */
export function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

function resolveSpecifier(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  return path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
}

/** Checks repo-relative files (path → source text) against the boundaries. */
export function checkBoundaries(files: ReadonlyMap<string, string>, boundaries: readonly Boundary[] = BOUNDARIES): Violation[] {
  const violations: Violation[] = [];
  for (const [file, source] of files) {
    for (const boundary of boundaries.filter((b) => file.startsWith(`${b.from}/`))) {
      for (const specifier of importsOf(source)) {
        if (!boundary.allowed(specifier, resolveSpecifier(file, specifier))) violations.push({ file, specifier, boundary: boundary.name });
      }
    }
  }
  return violations;
}

export function readSources(root: string, dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) out.set(child, readFileSync(path.join(root, child), 'utf8'));
    }
  };
  walk(dir);
  return out;
}
