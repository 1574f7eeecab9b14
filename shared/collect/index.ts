import type { Cloud } from '../model/scope.js';
import type { Collector } from './types.js';

/**
 * A collector whose module (and with it its cloud's SDK, ~100 MB for some) is imported when a run
 * first plans, checks credentials for or collects that cloud: a cloud that is not configured costs
 * nothing. `shardSize` is only asked after planning, when the module is loaded.
 */
function lazyCollector(cloud: Cloud, load: () => Promise<Collector>): Collector {
  let loaded: Collector | undefined;
  let loading: Promise<Collector> | undefined;
  const collector = async (): Promise<Collector> => (loaded ??= await (loading ??= load()));
  return {
    cloud,
    async checkCredentials(ctx) {
      await (await collector()).checkCredentials?.(ctx);
    },
    plan: async (ctx) => (await collector()).plan(ctx),
    shardSize(ctx) {
      if (!loaded) throw new Error(`the ${cloud} collector was asked for its shard size before planning (planning loads it)`);
      return loaded.shardSize(ctx);
    },
    collect: async (scopes, ctx) => (await collector()).collect(scopes, ctx),
  };
}

/**
 * The collectors a default run uses, one per cloud, each loaded on first use. The cloud issues
 * add theirs here; a configured cloud without a collector is reported as unread in the run's coverage.
 */
export const defaultCollectors: readonly Collector[] = [
  lazyCollector('azure', async () => (await import('./azure/index.js')).azureCollector),
  lazyCollector('gcp', async () => (await import('./gcp/index.js')).gcpCollector),
  lazyCollector('aws', async () => (await import('./aws/index.js')).awsCollector),
];
