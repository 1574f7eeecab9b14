import type { AirlockConfig } from '../config/schema.js';
import type { CallRecord } from '../model/coverage.js';
import type { Inventory } from '../model/inventory/index.js';
import type { Cloud, Scope } from '../model/scope.js';
import type { Logger } from '../log.js';

export interface CollectContext {
  config: AirlockConfig;
  env: NodeJS.ProcessEnv;
  log: Logger;
  now: Date;
  signal?: AbortSignal;
}

export interface PlanResult {
  scopes: Scope[];
  /** Calls made while planning (e.g. expanding a management group); failures become coverage. */
  calls: CallRecord[];
}

export interface CollectResult {
  /** Only this collector's cloud is filled; other clouds stay empty. */
  inventory: Inventory;
  calls: CallRecord[];
}

/**
 * A cloud collector: turns configuration into scopes, and scopes into inventory. It knows
 * nothing about rules; every call it makes is reported as a CallRecord (failures included).
 */
export interface Collector {
  cloud: Cloud;
  plan(ctx: CollectContext): Promise<PlanResult>;
  /** How many scopes one shard holds (Resource Graph batches many subscriptions; AWS one account-region). */
  shardSize(ctx: CollectContext): number;
  collect(scopes: readonly Scope[], ctx: CollectContext): Promise<CollectResult>;
  /**
   * Gets one token before anything else: throws a CredentialError (what was tried, what to do)
   * when the credential cannot work at all. A token refused for one scope is coverage, not this.
   */
  checkCredentials?(ctx: CollectContext): Promise<void>;
}
