import type { Rule } from '../rules/kit.js';

const CLOUD_TITLES: Record<string, string> = { azure: 'Azure', gcp: 'Google Cloud', aws: 'AWS', audit: 'The audit itself' };

function anchor(id: string): string {
  return id.replace(/[^a-z0-9]+/g, '-');
}

/** docs/rules.md, generated from rule metadata (`npm run docs`); a test keeps the committed file in sync. */
export function renderRulesMarkdown(rules: readonly Rule[]): string {
  const lines: string[] = [
    '# Airlock rules',
    '',
    '<!-- Generated from rule metadata by `npm run docs`. Do not edit by hand. -->',
    '',
    `${rules.length} rules. Severity is the default; a rule's description says when it reports higher or lower.`,
    'A rule whose input could not be read for a scope says it could not decide there; it never passes silently, and its findings there are withheld (the undecided entry counts them).',
    '',
    '| rule | severity | category | title |',
    '|---|---|---|---|',
    ...rules.map(({ meta }) => `| [\`${meta.id}\`](#${anchor(meta.id)}) | ${meta.severity} | ${meta.category} | ${meta.title} |`),
  ];
  let group = '';
  for (const { meta } of rules) {
    const prefix = meta.id.split('/')[0] ?? '';
    if (prefix !== group) {
      group = prefix;
      lines.push('', `## ${CLOUD_TITLES[prefix] ?? prefix}`);
    }
    lines.push(
      '',
      `### ${meta.id}`,
      '',
      `**${meta.title}** — severity \`${meta.severity}\`, category \`${meta.category}\`, resource: ${meta.resource}.`,
      '',
      `**Fires when:** ${meta.description}`,
      '',
      `**Risk:** ${meta.risk}`,
      '',
      `**Remediation:** ${meta.remediation}`,
    );
    if (meta.needs.length > 0) lines.push('', `**Reads:** ${meta.needs.map((n) => `\`${n}\``).join(', ')}`);
    if (meta.references.length > 0) lines.push('', '**References:**', '', ...meta.references.map((r) => `- ${r}`));
  }
  return `${lines.join('\n')}\n`;
}
