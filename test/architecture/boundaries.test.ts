import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkBoundaries, importsOf, readSources } from './boundaries.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('architecture boundaries', () => {
  it('hold in the code base', () => {
    const violations = checkBoundaries(readSources(root, 'shared'));
    expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
  });

  it('catch a rule that does I/O or reaches into an SDK', () => {
    const violations = checkBoundaries(
      new Map([
        ['shared/rules/azure/bad.ts', "import { readFileSync } from 'node:fs';\nimport { NetworkManagementClient } from '@azure/arm-network';\nimport { parseCidr } from '../../util/cidr.js';\n"],
      ]),
    );
    expect(violations.map((v) => v.specifier)).toEqual(['node:fs', '@azure/arm-network']);
  });

  it('catch drift importing the store, and shared importing the CLI or the simulator', () => {
    const violations = checkBoundaries(
      new Map([
        ['shared/drift/reconcile.ts', "import type { FindingStore } from '../store/types.js';\n"],
        ['shared/audit.ts', "import { startSimulator } from '../sim/index.js';\nconst m = await import('../cli/output.js');\n"],
      ]),
    );
    expect(violations.map((v) => `${v.file} ${v.specifier}`)).toEqual([
      'shared/drift/reconcile.ts ../store/types.js',
      'shared/audit.ts ../sim/index.js',
      'shared/audit.ts ../cli/output.js',
    ]);
  });

  it('reads type-only imports and re-exports too', () => {
    expect(importsOf("import type { A } from './a.js';\nexport * from './b.js';\n")).toEqual(['./a.js', './b.js']);
  });
});
