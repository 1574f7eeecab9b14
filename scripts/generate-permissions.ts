import { writeFile } from 'node:fs/promises';
import { AZURE_OPERATIONS, renderAzurePermissionsMarkdown } from '../shared/collect/azure/permissions.js';

const target = new URL('../docs/permissions.md', import.meta.url);
await writeFile(target, renderAzurePermissionsMarkdown());
process.stderr.write(`wrote docs/permissions.md (${Object.keys(AZURE_OPERATIONS).length} Azure operations)\n`);
