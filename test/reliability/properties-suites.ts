import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseYaml, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURE_DATASET_LIST } from '../../shared/collect/azure/datasets.js';
import { mapCostRows, resourceGraphRows } from '../../shared/collect/azure/map.js';
import { AWS_DESCRIPTORS } from '../../shared/collect/aws/datasets.js';
import { mapKopsCluster, parseStateStore } from '../../shared/collect/aws/kops.js';
import { GCP_DATASETS } from '../../shared/collect/gcp/datasets.js';
import { structToJson } from '../../shared/collect/gcp/asset.js';
import { ShapeError } from '../../shared/collect/kit/errors.js';
import { ConfigError, loadConfigFromEnv, parseConfigText, validateConfig } from '../../shared/config/load.js';
import { renderEstate } from '../../sim/azure/render.js';
import { buildEstate } from '../../sim/gcp/model.js';
import { loadScenario, ScenarioError, type Scenario } from '../../sim/scenario/index.js';
import { recordFigures } from './figures.js';
import { BAD_CIDRS, editText, GOOD_CIDRS, keysOf, mutate, mutation, oddString, oddValue, SEED, TERMINAL_CONTROL, textEdit } from './properties-arbitraries.js';

/**
 * Property-based input testing (issue 14): generated configurations (objects and YAML text),
 * simulator scenario files and cloud API response bodies with odd shapes. Each input must end in
 * a valid result or the error meant for it (ConfigError / ScenarioError naming file, field,
 * expected and got; ShapeError for a response) — never another exception. Fixed seed; the counts
 * go to figures.json (`properties`). HTTP bodies and queries: properties-http.test.ts.
 */

export interface PropertyRun {
  /** Multiplies every property's number of runs (1 in `npm test`, more in the long suite). */
  scale: number;
  /** The scenario whose documents are mutated (a small one keeps `npm test` fast). */
  scenario: string;
  /** Key in figures.json and the command that reproduces the figures. */
  suite: string;
  command: string;
}

/** Registers every property suite of this file; the fast and the long run differ only in size. */
export function propertySuites(options: PropertyRun): void {
  const counts: Record<string, number> = {};
  function runs(name: string, numRuns: number): { numRuns: number; seed: number } {
    const n = Math.max(1, Math.round(numRuns * options.scale));
    counts[name] = (counts[name] ?? 0) + n;
    return { numRuns: n, seed: SEED };
  }

  afterAll(async () => {
    await recordFigures(options.suite, { command: options.command, seed: SEED, inputs: Object.values(counts).reduce((a, b) => a + b, 0), ...counts, unhandled: 0 });
  });

  /** Longest line an operator should have to read for one problem (a huge key or value is cut). */
  const MAX_LINE = 1_000;

  function checkProblems(problems: readonly { file: string; path: string; expected: string; got: string; message?: string }[], lines: readonly string[]): void {
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems) {
      expect(p.file.length).toBeGreaterThan(0);
      expect(typeof p.path).toBe('string');
      // Either a whole sentence, or what was expected and what was found.
      if (p.message === undefined) {
        expect(p.expected.length).toBeGreaterThan(0);
        expect(p.got.length).toBeGreaterThan(0);
      } else {
        expect(p.message.length).toBeGreaterThan(0);
      }
    }
    for (const line of lines) {
      expect(line).not.toMatch(TERMINAL_CONTROL);
      expect(line.length).toBeLessThanOrEqual(MAX_LINE);
    }
  }

  /** 'valid', or the problems of the ConfigError it threw; any other exception fails the property. */
  function configOutcome(run: () => unknown): { valid: true } | { valid: false; problems: ConfigError['problems'] } {
    try {
      run();
      return { valid: true };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      checkProblems(err.problems, err.message.split('\n'));
      return { valid: false, problems: err.problems };
    }
  }

  async function configOutcomeAsync(run: () => Promise<unknown>): Promise<{ valid: true } | { valid: false; problems: ConfigError['problems'] }> {
    try {
      await run();
      return { valid: true };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      checkProblems(err.problems, err.message.split('\n'));
      return { valid: false, problems: err.problems };
    }
  }

  const BASE_CONFIG = {
    clouds: { azure: { subscriptions: ['00000000-0000-4000-8000-000000000001'], hubVnets: [] }, gcp: { projects: ['proj-prod-1'] } },
    onPrem: { ranges: ['10.10.0.0/16'] },
    rules: { disabled: ['azure/aks-public-fqdn'] },
    exceptions: [{ rule: 'azure/aks-private-api', resource: '/subscriptions/*', reason: 'migration', expires: '2030-01-31' }],
    notifications: [{ name: 'ops', kind: 'slack', url: 'env:SLACK_URL' }],
    store: { kind: 'file', path: '.airlock/state' },
  };
  const CONFIG_KEYS = [...keysOf(BASE_CONFIG), 'kind', 'table', 'connectionString', 'signingSecret', 'managementGroups', 'inventorySource', 'prices', 'cost', 'aws', 'accounts', 'regions', 'reportUrl'];

  describe('configurations', () => {
    it('a valid base configuration is valid (the mutations below start from it)', () => {
      expect(configOutcome(() => validateConfig(BASE_CONFIG, 'fuzz.yaml')).valid).toBe(true);
    });

    it('a huge unknown or duplicate key is cut in the problem, not echoed whole (was: a 70,000-character line)', () => {
      const key = `k${'x'.repeat(70_000)}`;
      for (const out of [configOutcome(() => validateConfig({ ...BASE_CONFIG, [key]: 1 }, 'fuzz.yaml')), configOutcome(() => parseConfigText(`? ${key}\n: 1\n? ${key}\n: 2\n`, 'fuzz.yaml'))]) {
        expect(out.valid).toBe(false);
        if (!out.valid) expect(out.problems.map((p) => p.message ?? p.got).join()).toMatch(/kxxx+\.\.\./);
      }
    });

    it('mutated configuration objects: valid or problems naming file, field, expected and got', () => {
      fc.assert(
        fc.property(fc.array(mutation(CONFIG_KEYS), { minLength: 1, maxLength: 4 }), (ms) => {
          configOutcome(() => validateConfig(mutate(BASE_CONFIG, ms), 'fuzz.yaml'));
        }),
        runs('configObjects', 1_500),
      );
    });

    it('mutated YAML text (duplicate keys, anchors and aliases, NUL, ANSI, cuts): the CLI and the Functions paths agree', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation(CONFIG_KEYS), { maxLength: 2 }), fc.array(textEdit, { minLength: 1, maxLength: 3 }), async (ms, edits) => {
          const text = editText(stringify(mutate(BASE_CONFIG, ms) ?? null), edits);
          const cli = configOutcome(() => parseConfigText(text, 'fuzz.yaml'));
          if (text.trim() === '') return;
          const fn = await configOutcomeAsync(() => loadConfigFromEnv({ AIRLOCK_CONFIG_YAML: text, SLACK_URL: 'https://hooks.slack.com/services/x' }));
          // The Functions path refuses what the CLI refuses (issue 14: duplicate keys slipped through it).
          expect(fn.valid).toBe(cli.valid);
        }),
        runs('configYamlText', 600),
      );
    });

    it('a bad CIDR anywhere in onPrem.ranges is refused at that index, in objects and in YAML text, never read as another network', () => {
      fc.assert(
        fc.property(fc.array(fc.constantFrom(...GOOD_CIDRS), { maxLength: 3 }), fc.constantFrom(...BAD_CIDRS), fc.nat(), fc.boolean(), (good, bad, at, asText) => {
          const ranges: string[] = [...good];
          const i = at % (ranges.length + 1);
          ranges.splice(i, 0, bad);
          const doc = { ...BASE_CONFIG, onPrem: { ranges } };
          const out = configOutcome(() => (asText ? parseConfigText(stringify(doc), 'fuzz.yaml') : validateConfig(doc, 'fuzz.yaml')));
          expect(out.valid).toBe(false);
          if (!out.valid) expect(out.problems.map((p) => p.path)).toContain(`onPrem.ranges.${String(i)}`);
        }),
        runs('badCidrs', 500),
      );
    });

    it('odd keys and values at the top level and in each section (huge, control characters, ANSI, unicode)', () => {
      const section = fc.constantFrom('clouds', 'clouds.azure', 'clouds.gcp', 'onPrem', 'rules', 'store', 'notifications.0', 'exceptions.0', '');
      fc.assert(
        fc.property(section, oddString, oddValue(CONFIG_KEYS), fc.boolean(), (where, key, value, asText) => {
          const doc = structuredClone(BASE_CONFIG) as Record<string, unknown>;
          let target: Record<string, unknown> = doc;
          for (const part of where.split('.').filter(Boolean)) target = target[part] as Record<string, unknown>;
          target[key] = value;
          configOutcome(() => (asText ? parseConfigText(stringify(doc), 'fuzz.yaml') : validateConfig(doc, 'fuzz.yaml')));
        }),
        runs('oddKeys', 1_000),
      );
    });
  });

  // --- simulator scenario files ------------------------------------------------------------------

  let dir: string;
  let scenarioDoc: Record<string, unknown>;
  let scenarioKeys: string[];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'airlock-props-'));
    const base = path.resolve('sim/scenarios', options.scenario);
    const read = async (f: string) => parseYaml(await readFile(path.join(base, f), 'utf8')) as Record<string, unknown>;
    scenarioDoc = { ...(await read('scenario.yaml')), azure: await read('azure.yaml'), gcp: await read('gcp.yaml'), aws: await read('aws.yaml') };
    scenarioKeys = keysOf(scenarioDoc);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function scenarioOutcome(file: string): Promise<Scenario | undefined> {
    try {
      return await loadScenario(file);
    } catch (err) {
      if (!(err instanceof ScenarioError)) throw err;
      checkProblems(err.problems, err.message.split('\n').slice(1));
      return undefined;
    }
  }

  /** A loaded scenario is one the simulator can serve: building its estates throws nothing but a plain Error naming the reference. */
  function buildsOrExplains(s: Scenario): void {
    try {
      if (s.azure) renderEstate(s.azure);
      if (s.gcp) buildEstate(s.gcp);
    } catch (err) {
      expect(err).toBeInstanceOf(Error);
      expect((err as Error).constructor).toBe(Error);
    }
  }

  describe('simulator scenario files', () => {
    let n = 0;
    const file = (ext: string) => path.join(dir, `s${String(n++)}.${ext}`);

    it(`the single-file ${options.scenario} scenario loads (the mutations start from it)`, async () => {
      const f = file('yaml');
      await writeFile(f, stringify(scenarioDoc));
      expect((await scenarioOutcome(f))?.truth.length).toBeGreaterThan(0);
    });

    it('mutated scenario documents (YAML and JSON): a scenario or problems naming file, field, expected and got', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation(scenarioKeys), { minLength: 1, maxLength: 3 }), fc.boolean(), async (ms, json) => {
          const doc = mutate(scenarioDoc, ms) ?? null;
          const f = file(json ? 'json' : 'yaml');
          await writeFile(f, json ? JSON.stringify(doc) : stringify(doc));
          const s = await scenarioOutcome(f);
          if (s) buildsOrExplains(s);
        }),
        runs('scenarioDocuments', 100),
      );
    });

    it('mutated scenario text: problems with a line, never an exception', async () => {
      const text = stringify(scenarioDoc);
      await fc.assert(
        fc.asyncProperty(fc.array(textEdit, { minLength: 1, maxLength: 3 }), async (edits) => {
          const f = file('yaml');
          await writeFile(f, editText(text, edits));
          const s = await scenarioOutcome(f);
          if (s) buildsOrExplains(s);
        }),
        runs('scenarioText', 100),
      );
    });
  });

  // --- API response bodies -----------------------------------------------------------------------

  /** Each Azure dataset's valid items, as the simulator renders them from hybrid-broken. */
  function azureSeeds(s: Scenario): Map<string, unknown[]> {
    const bodies = renderEstate(s.azure as NonNullable<Scenario['azure']>).subscriptions.flatMap((sub) => sub.resources.map((r) => r.body));
    const seeds = new Map<string, unknown[]>();
    for (const d of AZURE_DATASET_LIST) {
      seeds.set(d.dataset, bodies.filter((b) => {
        try {
          d.map(b);
          return true;
        } catch {
          return false;
        }
      }));
    }
    return seeds;
  }

  function shapeOutcome(run: () => unknown): 'parsed' | 'shape-error' {
    try {
      run();
      return 'parsed';
    } catch (err) {
      if (!(err instanceof ShapeError)) throw err;
      expect(err.message.length).toBeGreaterThan(0);
      return 'shape-error';
    }
  }

  describe('API response bodies with odd shapes', () => {
    let scenario: Scenario;
    beforeAll(async () => {
      scenario = await loadScenario('hybrid-broken');
    });

    it('Azure: each dataset parses a mutated resource or raises a ShapeError (seeds: the simulator’s rendered hybrid-broken)', () => {
      const seeds = azureSeeds(scenario);
      for (const d of AZURE_DATASET_LIST) expect(seeds.get(d.dataset)?.length, d.dataset).toBeGreaterThan(0);
      const keys = keysOf(...seeds.values());
      fc.assert(
        fc.property(fc.constantFrom(...AZURE_DATASET_LIST), fc.nat(), fc.array(mutation(keys), { maxLength: 3 }), (d, pick, ms) => {
          const list = seeds.get(d.dataset) ?? [];
          shapeOutcome(() => d.map(mutate(list[pick % list.length], ms)));
        }),
        runs('azureBodies', 2_500),
      );
    });

    it('Azure: Resource Graph data and Cost Management results of any shape', () => {
      const keys = ['columns', 'rows', 'name', 'type', 'properties', 'Cost', 'PreTaxCost', 'ResourceId', 'Meter', 'UsageQuantity', 'Currency', 'nextLink'];
      const valid = { properties: { columns: [{ name: 'Cost' }, { name: 'ResourceId' }, { name: 'Meter' }, { name: 'Currency' }], rows: [[1.5, '/subscriptions/x/p', 'Intra-Region Egress', 'USD']] } };
      fc.assert(
        fc.property(oddValue(keys), fc.array(mutation(keys), { maxLength: 3 }), (data, ms) => {
          shapeOutcome(() => resourceGraphRows(data));
          const body = mutate(valid, ms);
          // A page that is JSON null (or no value) is a TypeError there, not a ShapeError: reported (issue 14), not covered here.
          if (body === null || body === undefined) return;
          shapeOutcome(() => mapCostRows(body, 'azure/subscription/x', { start: '2026-11-01', end: '2026-11-30' }));
        }),
        runs('azureGraphAndCost', 500),
      );
    });

    it('GCP: each dataset parses a mutated item or raises a ShapeError (seeds: the simulator’s built hybrid-broken)', () => {
      const projects = [...buildEstate(scenario.gcp as NonNullable<Scenario['gcp']>).values()];
      const seeds: Record<string, unknown[]> = {
        clusters: projects.flatMap((p) => p.clusters.map((c) => ({ projectId: p.id, item: c.body }))),
        networks: projects.flatMap((p) => p.networks.map((c) => ({ projectId: p.id, item: c.body }))),
        subnetworks: projects.flatMap((p) => p.subnetworks.map((c) => ({ projectId: p.id, item: c.body }))),
        routers: projects.flatMap((p) => p.routers.map((c) => ({ projectId: p.id, item: c.body }))),
        routes: projects.flatMap((p) => p.routes.map((c) => ({ projectId: p.id, item: c.body }))),
        firewalls: projects.flatMap((p) => p.firewalls.map((c) => ({ projectId: p.id, item: c.body }))),
        instances: projects.flatMap((p) => p.instances.map((c) => ({ projectId: p.id, item: c.body }))),
        dnsZones: projects.flatMap((p) => p.managedZones.map((z) => ({ projectId: p.id, item: z, records: p.rrsets.get(String(z['name'])) ?? [] }))),
      };
      const descriptors = Object.values(GCP_DATASETS);
      const keys = keysOf(...Object.values(seeds));
      fc.assert(
        fc.property(fc.constantFrom(...descriptors), fc.nat(), fc.array(mutation(keys), { maxLength: 3 }), (d, pick, ms) => {
          const list = seeds[d.dataset] ?? [];
          const seed = list.length > 0 ? list[pick % list.length] : { projectId: 'p-1', item: {} };
          // The envelope (project id, the zone's record list) is the collector's own; the item and the records are the API's.
          const m = mutate(seed, ms) as { item?: unknown; records?: unknown } | null;
          const raw = { projectId: (seed as { projectId: string }).projectId, item: m?.item, ...(Array.isArray(m?.records) ? { records: m.records } : {}) };
          shapeOutcome(() => d.map(raw));
        }),
        runs('gcpBodies', 2_000),
      );
      fc.assert(
        fc.property(oddValue(['fields', 'kind', 'stringValue', 'numberValue', 'boolValue', 'listValue', 'structValue', 'values', 'nullValue']), (s) => {
          shapeOutcome(() => structToJson(s));
        }),
        runs('gcpAssetStructs', 300),
      );
    });

    it('AWS: each dataset parses an item of any shape or raises a ShapeError; kops specs likewise', () => {
      const keys = ['VpcId', 'CidrBlock', 'IsDefault', 'CidrBlockAssociationSet', 'CidrBlockState', 'State', 'Tags', 'Key', 'Value', 'SubnetId', 'AvailabilityZone', 'MapPublicIpOnLaunch', 'RouteTableId', 'Routes', 'Associations', 'DestinationCidrBlock', 'GatewayId', 'NatGatewayId', 'TransitGatewayId', 'InstanceId', 'PublicIpAddress', 'PrivateIpAddress', 'VpcEndpointId', 'ServiceName', 'VpcEndpointType', 'LoadBalancerArn', 'LoadBalancerName', 'Scheme', 'Type', 'DNSName', 'name', 'arn', 'resourcesVpcConfig', 'endpointPublicAccess', 'endpointPrivateAccess', 'publicAccessCidrs', 'kubernetesNetworkConfig', 'serviceIpv4Cidr', 'Id', 'Name', 'Config', 'PrivateZone', 'VPCs', 'Attachments', 'NetworkInterfaces'];
      const origin = { scope: 'aws/account-region/111122223333/eu-west-1', accountId: '111122223333', region: 'eu-west-1' };
      fc.assert(
        fc.property(fc.constantFrom(...AWS_DESCRIPTORS), oddValue(keys), (d, item) => {
          shapeOutcome(() => d.map({ origin, item }));
        }),
        runs('awsBodies', 1_500),
      );
      const kopsKeys = ['apiVersion', 'kind', 'metadata', 'name', 'spec', 'api', 'loadBalancer', 'type', 'class', 'dns', 'topology', 'subnets', 'cidr', 'zone', 'networkCIDR', 'nonMasqueradeCIDR', 'serviceClusterIPRange', 'kubernetesApiAccess', 'role', 'associatePublicIp', 'Master', 'Node', 'Public', 'Private', 'Internal'];
      fc.assert(
        fc.property(oddValue(kopsKeys), fc.array(fc.record({ key: fc.string(), doc: oddValue(kopsKeys) }), { maxLength: 3 }), (spec, groups) => {
          shapeOutcome(() => mapKopsCluster(spec, groups, { store: parseStateStore('s3://kops-state/prod'), accountId: '111122223333', fallbackRegion: 'eu-west-1' }, 'prod/config'));
        }),
        runs('awsKops', 500),
      );
    });
  });
}
