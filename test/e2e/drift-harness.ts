import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { AirlockConfig } from '../../shared/config/schema.js';
import { startSimulator, type Scenario, type Simulator } from '../../sim/index.js';
import { killChildren } from '../helpers/children.js';
import { startReceiver, type Receiver } from '../notify/receiver.js';

/**
 * The estate of the in-process drift tests (drift-notify.test.ts: the drift sequence;
 * drift-notify.long.test.ts: the process killed between store write and delivery): one simulator
 * per file, and per test a fresh receiver and a configuration with a file store in a directory of
 * its own, notifying Slack, Teams and a signed webhook on the receiver.
 */

/**
 * Several audits run back to back against one simulator here; the default Resource Graph quota
 * (15 queries per 5 s, as in Azure) would make each wait for the window. Throttling is covered in
 * test/collect/azure; these tests are about drift and delivery.
 */
const UNTHROTTLED_GRAPH = { throttle: { resourceGraph: { quota: 100_000, windowSeconds: 5 } } };

export const SECRET = `whsec_${Buffer.from('airlock-e2e-signing-secret-abcdef').toString('base64')}`;

export interface DriftEstate {
  sim: Simulator;
  /** The scenario as the simulator started with it (each test starts from it). */
  base: Scenario;
  receiver: Receiver;
  dir: string;
  config: AirlockConfig;
  configFile: string;
  /** The app settings the configuration's `env:` references resolve from. */
  env: NodeJS.ProcessEnv;
  /** Children a test started; killed and awaited after each test, before its receiver and store go. */
  children: Set<ChildProcess>;
}

/** Registers the hooks that build the estate; the returned function gives it inside a test. */
export function useDriftEstate(): () => DriftEstate {
  let sim: Simulator | undefined;
  let base: Scenario | undefined;
  let current: DriftEstate | undefined;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    sim = await startSimulator({ scenario: 'hybrid-broken', behaviour: UNTHROTTLED_GRAPH });
    base = structuredClone(sim.scenario);
  });
  afterAll(async () => {
    await sim?.stop();
  });

  beforeEach(async () => {
    if (!sim || !base) throw new Error('the simulator did not start');
    await sim.replaceScenario(base);
    const receiver = await startReceiver();
    const dir = await mkdtemp(join(tmpdir(), 'airlock-e2e-drift-'));
    const written = await sim.writeConfig(join(dir, 'airlock.yaml'), {
      storePath: join(dir, 'state'),
      overrides: {
        reportUrl: 'https://airlock.example.org/reports/latest',
        notifications: [
          { name: 'slack-ops', kind: 'slack', url: 'env:E2E_SLACK_URL', minSeverity: 'info' },
          { name: 'teams-ops', kind: 'teams', url: 'env:E2E_TEAMS_URL', minSeverity: 'info' },
          { name: 'siem', kind: 'webhook', url: 'env:E2E_HOOK_URL', signingSecret: 'env:E2E_HOOK_SECRET', minSeverity: 'info' },
        ],
      },
    });
    const env = { E2E_SLACK_URL: receiver.url('/slack'), E2E_TEAMS_URL: receiver.url('/teams'), E2E_HOOK_URL: receiver.url('/hook'), E2E_HOOK_SECRET: SECRET };
    current = { sim, base, receiver, dir, config: written.config, configFile: written.configFile, env, children };
  });
  afterEach(async () => {
    // A child still running (a failed or timed-out test) is killed and awaited before its receiver goes.
    await killChildren(children);
    await current?.receiver.close();
    if (current) await rm(current.dir, { recursive: true, force: true });
    current = undefined;
  });

  return () => {
    if (!current) throw new Error('the drift estate is built for each test (call this inside one)');
    return current;
  };
}
