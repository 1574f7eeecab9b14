import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { CredentialError } from '../shared/collect/kit/errors.js';
import { redact } from '../shared/util/redact.js';
import { EXIT, UsageError } from './output.js';

type Register = (program: Command) => void;

/**
 * Each command's module, loaded on demand: `airlock rules`, `explain` and `config validate` load
 * neither the simulator nor a cloud SDK, so they start fast. Without a known command (help, a
 * typo) every module is loaded, so help lists them all. Order is the help's order.
 */
const COMMANDS: readonly { names: readonly string[]; load: () => Promise<Register> }[] = [
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommand },
  { names: ['report'], load: async () => (await import('./commands/report.js')).registerReportCommand },
  { names: ['rules', 'explain'], load: async () => (await import('./commands/rules.js')).registerRulesCommands },
  { names: ['permissions'], load: async () => (await import('./commands/permissions.js')).registerPermissionsCommand },
  { names: ['config'], load: async () => (await import('./commands/config.js')).registerConfigCommands },
  { names: ['sim'], load: async () => (await import('./commands/sim.js')).registerSimCommand },
  { names: ['demo'], load: async () => (await import('./commands/demo.js')).registerDemoCommand },
];

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

/**
 * A configuration error, without loading the configuration modules (YAML, the schema) at start-up:
 * a command that reads configuration has loaded them already when it throws one.
 */
async function isConfigError(err: unknown): Promise<boolean> {
  if (!(err instanceof Error) || err.name !== 'ConfigError') return false;
  const { ConfigError } = await import('../shared/config/problems.js');
  return err instanceof ConfigError;
}

/** A store that cannot be used, recognised the same way (the store modules load with the commands that open one). */
async function isStoreError(err: unknown): Promise<boolean> {
  if (!(err instanceof Error) || err.name !== 'StoreError') return false;
  const { StoreError } = await import('../shared/store/types.js');
  return err instanceof StoreError;
}

const program = new Command('airlock')
  .version(packageVersion(), '-V, --version', 'print the version')
  .description('Drift and cost auditor for private Kubernetes clusters in hybrid networks (Azure, GCP, AWS)')
  .exitOverride()
  .configureOutput({ writeErr: (s) => process.stderr.write(s) })
  .addHelpText(
    'after',
    '\nExit codes: 0 ok, 1 findings at or above --fail-on, 2 usage or configuration error, 3 audit incomplete (a scope unread or a check undecided), 4 store error (the configured store cannot be used, or failed during the run).',
  );

// The command is the first argument that is not an option (the CLI has no global option taking a value).
const named = process.argv.slice(2).find((a) => !a.startsWith('-'));
const wanted = COMMANDS.filter((c) => named !== undefined && c.names.includes(named));
for (const register of await Promise.all((wanted.length > 0 ? wanted : COMMANDS).map((c) => c.load()))) register(program);

/**
 * Every error line passes through the redaction registry: an error may quote what a server sent
 * back (a storage service echoing the request URL with its SAS signature) or a resolved secret.
 */
function fail(text: string): void {
  process.stderr.write(`${redact(text)}\n`);
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Help and version are not errors; everything else commander rejects is a usage error.
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else if (err instanceof UsageError || err instanceof CredentialError || (await isConfigError(err))) {
    fail(`airlock: ${(err as Error).message}`);
    process.exitCode = EXIT.usage;
  } else if (await isStoreError(err)) {
    // Which store, where, what failed and what to check are in the message: no stack needed.
    fail(`airlock: ${(err as Error).message}`);
    process.exitCode = EXIT.store;
  } else {
    // One line; the stack (SDK internals) only when asked for.
    const line = err instanceof Error ? `${err.name}: ${err.message.split('\n')[0] ?? ''}` : String(err);
    fail(`airlock: ${process.argv.includes('--verbose') && err instanceof Error ? (err.stack ?? line) : `${line} (--verbose shows where)`}`);
    process.exitCode = 70;
  }
}
