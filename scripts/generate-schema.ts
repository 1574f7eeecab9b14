import { writeFile } from 'node:fs/promises';
import { configJsonSchema } from '../shared/config/json-schema.js';

const target = new URL('../docs/airlock.schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
process.stderr.write('wrote docs/airlock.schema.json\n');
