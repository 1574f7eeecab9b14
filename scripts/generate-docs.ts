import { writeFile } from 'node:fs/promises';
import { renderRulesMarkdown } from '../shared/report/rules-doc.js';
import { allRules } from '../shared/rules/index.js';

const target = new URL('../docs/rules.md', import.meta.url);
await writeFile(target, renderRulesMarkdown(allRules));
process.stderr.write(`wrote docs/rules.md (${allRules.length} rules)\n`);
