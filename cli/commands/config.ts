import type { Command } from 'commander';
import { ConfigError, formatProblem, loadConfigFile } from '../../shared/config/load.js';
import { printable } from '../../shared/config/problems.js';
import { EXIT } from '../output.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('work with airlock.yaml');
  config
    .command('validate')
    .description('check a configuration file and list every problem (file:line:col, path, expected, got)')
    .argument('<file>', 'path to airlock.yaml')
    .action(async (file: string) => {
      // The path comes from the command line and may hold anything; print it escaped.
      const shown = printable(file);
      try {
        const parsed = await loadConfigFile(file);
        const clouds = Object.keys(parsed.clouds).join(', ') || 'none';
        process.stdout.write(`${shown}: valid (clouds: ${clouds}; ${parsed.exceptions.length} exception(s), ${parsed.notifications.length} channel(s))\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        // An unreadable file is one line; a readable one lists every problem.
        if (err.summary !== undefined) process.stderr.write(`airlock: ${err.message}\n`);
        else process.stderr.write(`${shown}: ${err.problems.length} problem(s)\n${err.problems.map(formatProblem).join('\n')}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}
