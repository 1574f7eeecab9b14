import type { Command } from 'commander';
import { ConfigError, formatProblem, loadConfigFile } from '../../shared/config/load.js';
import { EXIT } from '../output.js';

export function registerConfigCommands(program: Command): void {
  const config = program.command('config').description('work with airlock.yaml');
  config
    .command('validate')
    .description('check a configuration file and list every problem (file:line, path, expected, got)')
    .argument('<file>', 'path to airlock.yaml')
    .action(async (file: string) => {
      try {
        const parsed = await loadConfigFile(file);
        const clouds = Object.keys(parsed.clouds).join(', ') || 'none';
        process.stdout.write(`${file}: valid (clouds: ${clouds}; ${parsed.exceptions.length} exception(s), ${parsed.notifications.length} channel(s))\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(`${file}: ${err.problems.length} problem(s)\n${err.problems.map(formatProblem).join('\n')}\n`);
        process.exitCode = EXIT.usage;
      }
    });
}
