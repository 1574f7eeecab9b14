/** Resolves an `env:NAME` secret reference. The value is never logged by callers. */
export function resolveSecret(ref: string, env: NodeJS.ProcessEnv): string {
  const match = /^env:(.+)$/.exec(ref);
  if (!match?.[1]) throw new Error(`unsupported secret reference "${ref}" (expected env:NAME)`);
  const value = env[match[1]];
  if (value === undefined || value === '') throw new Error(`secret ${ref} is not set (app setting ${match[1]} is empty or missing)`);
  return value;
}
