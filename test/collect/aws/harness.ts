import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CollectContext } from '../../../shared/collect/types.js';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import { silentLogger } from '../../../shared/log.js';
import { startSimulator, type BehaviourInput, type Scenario, type Simulator } from '../../../sim/index.js';

export interface AwsSim {
  sim: Simulator;
  config: AirlockConfig;
  stop(): Promise<void>;
}

/**
 * Starts the simulator for a scenario and writes an airlock.yaml that audits only its AWS
 * accounts × regions (Azure and GCP disabled), with optional aws overrides.
 */
export async function startAwsSim(scenario: Scenario | string, options: { behaviour?: BehaviourInput; aws?: Record<string, unknown>; config?: Record<string, unknown> } = {}): Promise<AwsSim> {
  // Throttling off unless a test turns it on; latency off (it changes no result).
  const sim = await startSimulator({ scenario, behaviour: { throttle: { enabled: false }, latency: { meanMs: 0, jitterMs: 0 }, ...options.behaviour } });
  const dir = await mkdtemp(path.join(tmpdir(), 'airlock-aws-'));
  try {
    const { config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
      overrides: { ...options.config, clouds: { azure: { enabled: false }, gcp: { enabled: false }, aws: { ...(options.aws ?? {}) } } },
    });
    return {
      sim,
      config,
      async stop() {
        await sim.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

export const NOW = new Date('2026-11-22T06:00:00Z');

export function ctxFor(config: AirlockConfig): CollectContext {
  return { config, env: {}, log: silentLogger, now: NOW };
}
