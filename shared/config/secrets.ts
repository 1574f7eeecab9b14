import { registerSecret } from '../util/redact.js';
import { ConfigError } from './problems.js';

/**
 * Resolves an `env:NAME` secret reference. The value is never logged by callers. A missing setting
 * is a configuration error with a one-line message, so the CLI and the function log show one line.
 * The value is registered with the redaction registry as it is resolved, so no log line, stored
 * record or output of this process can carry it (nor the path or query of a URL it holds).
 */
export function resolveSecret(ref: string, env: NodeJS.ProcessEnv): string {
  const fail = (message: string): never => {
    throw new ConfigError([{ file: 'app settings', path: '', expected: 'a set app setting', got: 'nothing', message }], message);
  };
  const match = /^env:(.+)$/.exec(ref);
  if (!match?.[1]) return fail('unsupported secret reference (expected env:NAME; the value is not shown: it may be a secret)');
  const value = env[match[1]];
  if (value === undefined || value === '') return fail(`secret ${ref} is not set (app setting ${match[1]} is empty or missing)`);
  registerSecret(value);
  return value;
}
