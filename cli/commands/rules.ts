import type { Command } from 'commander';
import { allRules, findRule } from '../../shared/rules/index.js';
import { renderTable, UsageError } from '../output.js';

export function registerRulesCommands(program: Command): void {
  program
    .command('rules')
    .description('list every rule with its id, severity, cloud and title')
    .option('--format <format>', 'table or json', 'table')
    .action((opts: { format: string }) => {
      if (opts.format === 'json') {
        const list = allRules.map(({ meta }) => ({
          id: meta.id,
          title: meta.title,
          severity: meta.severity,
          cloud: meta.cloud,
          category: meta.category,
          resource: meta.resource,
        }));
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      if (opts.format !== 'table') throw new UsageError(`--format: expected table or json, got "${opts.format}"`);
      const rows = allRules.map(({ meta }) => [meta.id, meta.severity, meta.cloud, meta.title]);
      process.stdout.write(`${renderTable(['RULE', 'SEVERITY', 'CLOUD', 'TITLE'], rows)}\n`);
    });

  program
    .command('explain')
    .description('print what a rule checks, the risk and the remediation')
    .argument('<rule-id>', 'e.g. azure/aks-private-dns-links')
    .action((id: string) => {
      const rule = findRule(id);
      if (!rule) {
        const near = allRules.filter((r) => r.meta.id.includes(id.split('/').pop() ?? id)).map((r) => r.meta.id);
        throw new UsageError(`unknown rule "${id}"${near.length > 0 ? `; did you mean ${near.join(', ')}?` : ''} (airlock rules lists them)`);
      }
      const { meta } = rule;
      const text = [
        `${meta.id}  [${meta.severity}, ${meta.category}]`,
        meta.title,
        '',
        `Checks:       ${meta.description}`,
        `Resource:     ${meta.resource}`,
        `Risk:         ${meta.risk}`,
        `Remediation:  ${meta.remediation}`,
        ...(meta.references.length > 0 ? ['References:', ...meta.references.map((r) => `  ${r}`)] : []),
      ];
      process.stdout.write(`${text.join('\n')}\n`);
    });
}
