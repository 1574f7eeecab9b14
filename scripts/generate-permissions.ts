import { writeFile } from 'node:fs/promises';
import { CLOUD_OPERATIONS, renderPermissionsMarkdown } from '../shared/collect/permissions.js';

const target = new URL('../docs/permissions.md', import.meta.url);
await writeFile(target, renderPermissionsMarkdown());
const counts = Object.entries(CLOUD_OPERATIONS).map(([cloud, ops]) => `${ops.length} ${cloud}`);
process.stderr.write(`wrote docs/permissions.md (operations: ${counts.join(', ')})\n`);
