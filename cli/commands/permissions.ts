import type { Command } from 'commander';
import { UsageError } from '../output.js';

const CLOUDS = ['azure', 'gcp', 'aws'] as const;

export function registerPermissionsCommand(program: Command): void {
  program
    .command('permissions')
    .description('print the least-privilege role for a cloud: Azure custom role JSON, GCP custom role YAML, AWS IAM policy JSON')
    .requiredOption('--cloud <cloud>', 'azure, gcp or aws')
    .option('--scope <scope>', 'Azure: the assignable scope, e.g. /subscriptions/<id> or /providers/Microsoft.Management/managementGroups/<group>')
    .action(async (opts: { cloud: string; scope?: string }) => {
      const cloud = CLOUDS.find((c) => c === opts.cloud);
      if (!cloud) throw new UsageError(`--cloud: expected azure, gcp or aws, got "${opts.cloud}"`);
      if (opts.scope !== undefined && cloud !== 'azure') throw new UsageError('--scope applies to --cloud azure only');
      // Loaded on use: the role comes from the collectors' descriptors, which pull in the SDKs.
      const { NoOperationsError, renderRole } = await import('../../shared/collect/permissions.js');
      try {
        process.stdout.write(renderRole(cloud, opts.scope === undefined ? {} : { scope: opts.scope }));
      } catch (err) {
        if (err instanceof NoOperationsError) throw new UsageError(err.message);
        throw err;
      }
    });
}
