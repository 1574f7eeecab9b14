import { writeFile } from 'node:fs/promises';
import { findingsJsonSchema } from '../shared/report/document.js';

const target = new URL('../docs/findings.schema.json', import.meta.url);
await writeFile(target, `${JSON.stringify(findingsJsonSchema(), null, 2)}\n`);
process.stderr.write('wrote docs/findings.schema.json\n');
