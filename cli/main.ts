import { Command, CommanderError } from 'commander';
import { ConfigError } from '../shared/config/load.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerConfigCommands } from './commands/config.js';
import { registerRulesCommands } from './commands/rules.js';
import { registerSimCommand } from './commands/sim.js';
import { EXIT, UsageError } from './output.js';

const program = new Command('airlock')
  .description('Drift and cost auditor for private Kubernetes clusters in hybrid networks (Azure, GCP, AWS)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or configuration error, 3 audit incomplete (a scope unread or a check undecided).',
  );

registerAuditCommand(program);
registerRulesCommands(program);
registerConfigCommands(program);
registerSimCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; everything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof ConfigError || err instanceof UsageError) {
    process.stderr.write(`airlock: ${err.message}\n`);
    process.exitCode = EXIT.usage;
  } else {
    process.stderr.write(`airlock: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 70;
  }
}
