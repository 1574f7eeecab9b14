import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AirlockConfig } from '../../../shared/config/schema.js';
import { startSimulator, type BehaviourInput, type Scenario, type Simulator } from '../../../sim/index.js';

export interface AzureSim {
  sim: Simulator;
  config: AirlockConfig;
  stop(): Promise<void>;
}

/**
 * Starts the simulator for a scenario and writes an airlock.yaml that audits only its Azure
 * subscriptions (GCP and AWS disabled), with optional azure overrides (inventorySource...).
 */
export async function startAzureSim(scenario: Scenario | string, options: { behaviour?: BehaviourInput; azure?: Record<string, unknown>; config?: Record<string, unknown> } = {}): Promise<AzureSim> {
  const sim = await startSimulator({
    scenario,
    // Throttling is off unless a test turns it on: these tests are about shapes and counts. The
    // core still sends Resource Graph quota headers, which the collector honours, so the quota is
    // large enough never to run out.
    behaviour: { throttle: { enabled: false, resourceGraph: { quota: 100_000, windowSeconds: 5 } }, ...options.behaviour },
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'airlock-azure-'));
  try {
    const { config } = await sim.writeConfig(path.join(dir, 'airlock.yaml'), {
      overrides: {
        ...options.config,
        clouds: { azure: { ...(options.azure ?? {}) }, gcp: { enabled: false }, aws: { enabled: false } },
      },
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
