import { rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { generateScenario, parseGenerateSpec } from '../../sim/generate.js';
import { loadScenario, ScenarioError, startSimulator, type Scenario } from '../../sim/index.js';
import { replayIndex } from '../../sim/replay/index.js';
import { UsageError } from '../output.js';

interface SimOptions {
  scenario?: string;
  writeConfig?: string;
  truth?: boolean;
  generate?: string;
  replay?: string | boolean;
}

const REPLAY_SCENARIO: Scenario = {
  name: 'replay',
  description: 'Recorded cloud responses from shared/realdata',
  config: {},
  behaviour: undefined,
  truth: [],
};

async function resolveScenario(opts: SimOptions): Promise<Scenario> {
  if (opts.generate !== undefined) {
    if (opts.scenario !== undefined) throw new UsageError('give --scenario or --generate, not both');
    let spec;
    try {
      spec = parseGenerateSpec(opts.generate);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const generated = await generateScenario(spec);
    for (const [cloud, reason] of Object.entries(generated.skipped)) process.stderr.write(`airlock sim: ${cloud} left out of the generated estate: ${reason}\n`);
    return generated;
  }
  if (opts.scenario !== undefined) {
    try {
      return await loadScenario(opts.scenario);
    } catch (err) {
      if (err instanceof ScenarioError) throw new UsageError(err.message);
      throw err;
    }
  }
  if (opts.replay !== undefined && opts.replay !== false) return REPLAY_SCENARIO;
  throw new UsageError('airlock sim needs --scenario <name|file>, --generate subscriptions=N,projects=N,account-regions=N, or --replay [dir]');
}

function waitForSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const done = (signal: NodeJS.Signals) => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve(signal);
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}

export function registerSimCommand(program: Command): void {
  program
    .command('sim')
    .description('serve a simulated Azure / GCP / AWS estate on 127.0.0.1 for audits, demos and tests')
    .option('--scenario <name|file>', 'scenario name under sim/scenarios, a scenario directory, or one YAML/JSON file')
    .option('--write-config <file>', 'write an airlock.yaml pointing every cloud at the simulator (and the CA PEM beside it)')
    .option('--truth', 'print the scenario ground truth as JSON [{"ruleId","resourceId"}] and exit')
    .option('--generate <spec>', 'generate an estate: subscriptions=N,projects=N,account-regions=N[,seed=N]')
    .option('--replay [dir]', 'serve recorded responses from a realdata directory (default ../shared/realdata)')
    .addHelpText('after', '\nServes until SIGINT or SIGTERM. Prints the endpoints as one JSON line on stdout.')
    .action(async (opts: SimOptions) => {
      const scenario = await resolveScenario(opts);
      if (opts.truth) {
        process.stdout.write(`${JSON.stringify(scenario.truth.map(({ ruleId, resourceId }) => ({ ruleId, resourceId })), null, 2)}\n`);
        return;
      }
      const replay = opts.replay === undefined || opts.replay === false ? undefined : typeof opts.replay === 'string' ? { dir: opts.replay } : {};
      if (replay) {
        try {
          replayIndex(replay);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
      }
      const sim = await startSimulator({ scenario, ...(replay ? { replay } : {}) });
      let tempCa: string | undefined;
      try {
        let caFile: string;
        let configFile: string | undefined;
        if (opts.writeConfig !== undefined) {
          const written = await sim.writeConfig(opts.writeConfig);
          caFile = written.caFile;
          configFile = written.configFile;
        } else {
          tempCa = path.join(os.tmpdir(), `airlock-sim-${process.pid}-ca.pem`);
          await writeFile(tempCa, sim.endpoints.azure.caPem);
          caFile = tempCa;
        }
        const line = {
          scenario: scenario.name,
          azure: sim.endpoints.azure.url,
          caFile,
          gcp: sim.endpoints.gcp.url,
          aws: sim.endpoints.aws.url,
          ...(configFile ? { config: configFile } : {}),
          ...(replay ? { replay: true } : {}),
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
        const signal = await waitForSignal();
        process.stderr.write(`airlock sim: ${signal}, stopping\n`);
      } finally {
        await sim.stop();
        if (tempCa) await rm(tempCa, { force: true });
      }
      process.exitCode = 0;
    });
}
