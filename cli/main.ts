import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/config/load.js';
import { CredentialError } from '../shared/collect/kit/errors.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerPermissionsCommand } from './commands/permissions.js';
import { registerRulesCommands } from './commands/rules.js';
import { registerSimCommand } from './commands/sim.js';
import { EXIT, UsageError } from './output.js';

/** The package version, from the sources (cli/) or from the build (dist/cli/). */
function packageVersion(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'airlock' && pkg.version) return pkg.version;
    } catch {
      // not at this level: try the next one up
    }
  }
  return 'unknown';
}

const program = new Command('airlock')
  .version(packageVersion(), '-V, --version', 'print the version')
  .description('Drift and cost auditor for private Kubernetes clusters in hybrid networks (Azure, GCP, AWS)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or configuration error, 3 audit incomplete (a scope unread or a check undecided).',
  );

registerAuditCommand(program);
registerRulesCommands(program);
registerPermissionsCommand(program);
registerConfigCommands(program);
registerSimCommand(program);
registerDemoCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; everything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof ConfigError || err instanceof UsageError || err instanceof CredentialError) {
    process.stderr.write(`airlock: ${err.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`airlock: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  }
}
