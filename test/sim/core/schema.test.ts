import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { scenarioJsonSchema } from '../../../sim/scenario/json-schema.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('docs/scenario.schema.json', () => {
  it('is up to date with the scenario schema (npm run sim:schema)', () => {
    const onDisk = JSON.parse(readFileSync(path.join(root, 'docs/scenario.schema.json'), 'utf8')) as unknown;
    expect(onDisk).toEqual(scenarioJsonSchema());
  });

  it('accepts the shipped scenarios and rejects a broken one', () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    // The schema uses "uri", "date" and friends; without the formats AJV warns and ignores them.
    // ajv-formats is CommonJS with `exports.default`: under nodenext the default import is the module.
    ajvFormats.default(ajv);
    const validate = ajv.compile(scenarioJsonSchema());
    for (const name of ['conformant', 'hybrid-broken', 'demo']) {
      const dir = path.join(root, 'sim/scenarios', name);
      const doc = parse(readFileSync(path.join(dir, 'scenario.yaml'), 'utf8')) as Record<string, unknown>;
      for (const cloud of ['azure', 'gcp', 'aws']) {
        try {
          const section = parse(readFileSync(path.join(dir, `${cloud}.yaml`), 'utf8')) as Record<string, unknown>;
          doc[cloud] = Object.fromEntries(Object.entries(section).filter(([k]) => !k.startsWith('x-')));
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      expect(validate(doc), `${name}: ${ajv.errorsText(validate.errors)}`).toBe(true);
    }
    expect(validate({ name: 'Not Kebab', truth: [{ ruleId: 'x' }] })).toBe(false);
  });
});
