import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listScenarios, loadScenario, ScenarioError } from '../../../sim/scenario/index.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'airlock-scenario-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scenarioDir(name: string, files: Record<string, string>): Promise<string> {
  const d = path.join(dir, name);
  await mkdir(d, { recursive: true });
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(d, file), text);
  return d;
}

async function problemsOf(target: string) {
  try {
    await loadScenario(target);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as ScenarioError).problems;
  }
  throw new Error(`loadScenario(${target}) did not fail`);
}

describe('loadScenario', () => {
  it('loads the shipped scenarios by name, with on-prem ranges in their config', async () => {
    expect(listScenarios()).toEqual(expect.arrayContaining(['conformant', 'hybrid-broken', 'demo']));
    for (const name of ['conformant', 'hybrid-broken', 'demo']) {
      const s = await loadScenario(name);
      expect(s.name).toBe(name);
      expect(s.description.length).toBeGreaterThan(20);
      expect(s.config).toMatchObject({ onPrem: { ranges: ['10.10.0.0/16', '172.20.0.0/14'] } });
    }
    const broken = await loadScenario('hybrid-broken');
    expect(broken.truth).toContainEqual({ ruleId: 'audit/stale-exception', resourceId: 'exception:azure/aks-public-fqdn:/subscriptions/*/resourcegroups/legacy-*' });
  });

  it('names the known scenarios when a name is unknown', async () => {
    const [problem] = await problemsOf('no-such-scenario');
    expect(problem?.expected).toContain('conformant');
    expect(problem?.got).toContain('no-such-scenario');
  });

  it('reports a missing file path as not found', async () => {
    const [problem] = await problemsOf(path.join(dir, 'absent.yaml'));
    expect(problem?.got).toContain('not found');
  });

  it('reports YAML syntax errors with their line', async () => {
    const d = await scenarioDir('syntax', { 'scenario.yaml': 'name: syntax\ndescription: [unclosed\n' });
    const [problem] = await problemsOf(d);
    expect(problem?.file).toBe(path.join(d, 'scenario.yaml'));
    expect(problem?.expected).toBe('valid YAML or JSON');
    expect(problem?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports schema problems in scenario.yaml with path, line, expected and got', async () => {
    const d = await scenarioDir('bad-meta', { 'scenario.yaml': 'name: Bad Name\ndescription: x\nbehaviour:\n  throttle:\n    arm: { bucket: 0, refillPerSecond: 1 }\nsurprise: 1\n' });
    const problems = await problemsOf(d);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'name', line: 1, got: '"Bad Name"', expected: expect.stringContaining('kebab-case') as unknown }),
        expect.objectContaining({ path: 'behaviour.throttle.arm.bucket', line: 5, got: '0' }),
        expect.objectContaining({ path: '', got: 'surprise', expected: expect.stringContaining('unknown key') as unknown }),
      ]),
    );
  });

  it('checks config overrides against the airlock.yaml schema', async () => {
    const d = await scenarioDir('bad-config', {
      'scenario.yaml': 'name: bad-config\nconfig:\n  onPrem:\n    ranges: [10.0.0.0/33]\n  clouds:\n    azure:\n      hubVnets: [not-an-id]\n',
    });
    const problems = await problemsOf(d);
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(['config.onPrem.ranges.0', 'config.clouds.azure.hubVnets.0']));
    expect(problems.find((p) => p.path === 'config.onPrem.ranges.0')).toMatchObject({ line: 4, got: '"10.0.0.0/33"' });
  });

  it('validates each cloud file with its own schema and names that file', async () => {
    const d = await scenarioDir('bad-cloud', { 'scenario.yaml': 'name: bad-cloud\n', 'gcp.yaml': 'projects: not-a-list\n' });
    const [problem] = await problemsOf(d);
    expect(problem).toMatchObject({ file: path.join(d, 'gcp.yaml'), path: 'projects', line: 1, got: '"not-a-list"' });
  });

  it('loads a single file with cloud sections, ignores x- anchor keys, and unions the truth', async () => {
    const file = path.join(dir, 'single.yaml');
    await writeFile(
      file,
      [
        'description: one file',
        'x-ranges: &ranges [10.10.0.0/16]',
        'config:',
        '  onPrem: { ranges: *ranges }',
        'truth:',
        '  - { ruleId: audit/stale-exception, resourceId: "exception:x" }',
        'azure:',
        '  truth:',
        '    - { ruleId: azure/aks-private-api, resourceId: /subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/a }',
        'gcp:',
        '  truth:',
        '    - { ruleId: gcp/gke-private-nodes, resourceId: projects/p/locations/l/clusters/c }',
        '    - { ruleId: audit/stale-exception, resourceId: "EXCEPTION:X" }',
        '',
      ].join('\n'),
    );
    const s = await loadScenario(file);
    expect(s.name).toBe('single');
    expect(s.config).toEqual({ onPrem: { ranges: ['10.10.0.0/16'] } });
    expect(s.azure).toBeDefined();
    expect(s.aws).toBeUndefined();
    expect(s.truth.map((t) => t.ruleId).sort()).toEqual(['audit/stale-exception', 'azure/aks-private-api', 'gcp/gke-private-nodes']);
  });

  it('accepts JSON scenario files and reports their problems with lines', async () => {
    const file = path.join(dir, 'single.json');
    await writeFile(file, '{\n  "name": "json-one",\n  "truth": [{ "ruleId": "nope", "resourceId": "x" }]\n}\n');
    const [problem] = await problemsOf(file);
    expect(problem).toMatchObject({ path: 'truth.0.ruleId', line: 3 });
  });
});
