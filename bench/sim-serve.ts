/**
 * Serves the large generated estate and shows that the heap stays flat across many requests:
 * providers are built once per scenario, never per request. Reports heap after each batch of
 * requests and the ratio of the last batch to the first. Run: npm run bench:sim.
 * Results: bench/results/sim-serve.json.
 */
import http from 'node:http';
import https from 'node:https';
import { mkdir, writeFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';
import pLimit from 'p-limit';
import { generateScenario } from '../sim/generate.js';
import { startSimulator } from '../sim/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  return Number((process.memoryUsage().heapUsed / 1e6).toFixed(1));
}

function request(url: string, agent: http.Agent, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve) => {
    const lib = url.startsWith('https') ? https : http;
    const req = lib.request(url, { agent, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      res.resume();
      res.on('end', () => {
        resolve(res.statusCode ?? 0);
      });
    });
    req.on('error', () => {
      resolve(-1);
    });
    req.end(init.body);
  });
}

const options = { subscriptions: 2000, projects: 500, accountRegions: 200, seed: 42 };
const scenario = await generateScenario(options);
const startBegan = performance.now();
const sim = await startSimulator({ scenario, behaviour: { throttle: { enabled: false } } });
const startMs = Math.round(performance.now() - startBegan);
const scopes = sim.scopes();
const subscriptions = scopes.azure.subscriptions ?? [];
const projects = scopes.gcp.projects ?? [];
const accounts = scopes.aws.accounts ?? [];
const regions = scopes.aws.regions ?? [];

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
const tlsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: sim.endpoints.azure.caPem });
const limit = pLimit(32);

/** The i-th request of the mix: AKS list, Resource Graph, GKE list, VPC networks, EC2 DescribeVpcs. */
function nth(i: number): Promise<number> {
  const sub = subscriptions[i % Math.max(1, subscriptions.length)] ?? '00000000-0000-0000-0000-000000000000';
  const project = projects[i % Math.max(1, projects.length)] ?? 'no-project';
  switch (i % 5) {
    case 0:
      return request(`${sim.endpoints.azure.url}/subscriptions/${sub}/providers/Microsoft.ContainerService/managedClusters?api-version=2024-09-01`, tlsAgent, {
        headers: { authorization: 'Bearer simulator' },
      });
    case 1:
      return request(`${sim.endpoints.azure.url}/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01`, tlsAgent, {
        method: 'POST',
        headers: { authorization: 'Bearer simulator', 'content-type': 'application/json' },
        body: JSON.stringify({ subscriptions: [sub], query: "Resources | where type =~ 'microsoft.network/virtualnetworks' | order by id asc", options: { $top: 100 } }),
      });
    case 2:
      return request(`${sim.endpoints.gcp.url}/v1/projects/${project}/locations/-/clusters`, agent);
    case 3:
      return request(`${sim.endpoints.gcp.url}/compute/v1/projects/${project}/global/networks`, agent);
    default: {
      const account = accounts[i % Math.max(1, accounts.length)] ?? '123456789012';
      const region = regions[i % Math.max(1, regions.length)] ?? 'eu-west-1';
      return request(`${sim.endpoints.aws.url}/`, agent, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `AWS4-HMAC-SHA256 Credential=${account}/20261122/${region}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
        },
        body: 'Action=DescribeVpcs&Version=2016-11-15',
      });
    }
  }
}

const batches = 10;
const perBatch = 2000;
const heap: number[] = [heapMb()];
const statuses = new Map<number, number>();
const started = performance.now();
for (let b = 0; b < batches; b++) {
  const results = await Promise.all(Array.from({ length: perBatch }, (_, k) => limit(() => nth(b * perBatch + k))));
  for (const s of results) statuses.set(s, (statuses.get(s) ?? 0) + 1);
  heap.push(heapMb());
}
const elapsedMs = performance.now() - started;
agent.destroy();
tlsAgent.destroy();
const counts = sim.counts();
await sim.stop();

const first = heap[1] ?? heap[0] ?? 1;
const last = heap.at(-1) ?? first;
const result = {
  bench: 'sim-serve',
  date: new Date().toISOString(),
  node: process.version,
  requested: options,
  served: { subscriptions: subscriptions.length, projects: projects.length, accounts: accounts.length, regions: regions.length, skipped: scenario.skipped },
  /** Building the providers for the whole estate (once per scenario) and opening the listeners. */
  startMs,
  requests: batches * perBatch,
  requestsPerSecond: Math.round((batches * perBatch) / (elapsedMs / 1000)),
  statuses: Object.fromEntries(statuses),
  heapMbAfterEachBatch: heap,
  /** Heap after the last batch divided by heap after the first: about 1 when memory is flat. */
  heapGrowthRatio: Number((last / first).toFixed(3)),
  simulatorCounted: counts.total,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/sim-serve.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
