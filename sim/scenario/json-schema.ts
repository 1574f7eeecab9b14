import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { configSchema } from '../../shared/config/schema.js';
import { singleFileScenarioSchema } from './index.js';

/**
 * The JSON Schema of the scenario format (input side: defaults are optional), for editors. It
 * describes the single-file form; scenario.yaml is the same without the cloud sections, and
 * azure.yaml / gcp.yaml / aws.yaml are `properties.azure` / `.gcp` / `.aws`.
 */
export function scenarioJsonSchema(): Record<string, unknown> {
  // For editors, `config` is described by the airlock.yaml schema it overrides.
  const schema = z.toJSONSchema(singleFileScenarioSchema.extend({ config: configSchema.optional() }), { io: 'input', unrepresentable: 'any' });
  return {
    ...schema,
    title: 'Airlock simulator scenario',
    // Top-level x-* keys hold YAML anchors and are ignored by the loader.
    patternProperties: { '^x-': {} },
  };
}

/** `npm run sim:schema` writes docs/scenario.schema.json. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const target = new URL('../../docs/scenario.schema.json', import.meta.url);
  await writeFile(target, `${JSON.stringify(scenarioJsonSchema(), null, 2)}\n`);
  process.stderr.write('wrote docs/scenario.schema.json\n');
}
