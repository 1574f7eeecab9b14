/**
 * Serves the large generated estate and shows that the heap stays flat across many requests:
 * providers are built once per scenario, never per request. Reports heap after each batch of
 * requests and the ratio of the last batch to the first. Throughput is reported against a
 * same-run baseline, never as an absolute: a bare node:http/https server on 127.0.0.1 that returns
 * a fixed body of the simulator's mean response size, driven by the same request loop (same mix
 * of TLS and plain requests, agents and concurrency) for a bounded number of requests;
 * simVsBareRps = simulator rps / bare rps. Run: npm run bench:sim.
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
import { generateLocalCertificate } from '../sim/core/tls.js';
import { startSimulator } from '../sim/index.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapMb(): number {
  gc();
  return Number((process.memoryUsage().heapUsed / 1e6).toFixed(1));
}

/** Response body bytes read, for the mean size the bare baseline serves. */
let bodyBytes = 0;

function request(url: string, agent: http.Agent, init: { method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<number> {
  return new Promise((resolve) => {
    const lib = url.startsWith('https') ? https : http;
    const req = lib.request(url, { agent, method: init.method ?? 'GET', headers: init.headers ?? {} }, (res) => {
      res.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
      });
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

let agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
let tlsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: sim.endpoints.azure.caPem });
const limit = pLimit(32);

/** Where the request loop sends each cloud's requests: the simulator, then the bare baseline. */
let target = { azure: sim.endpoints.azure.url, gcp: sim.endpoints.gcp.url, aws: sim.endpoints.aws.url };

/** The i-th request of the mix: AKS list, Resource Graph, GKE list, VPC networks, EC2 DescribeVpcs. */
function nth(i: number): Promise<number> {
  const sub = subscriptions[i % Math.max(1, subscriptions.length)] ?? '00000000-0000-0000-0000-000000000000';
  const project = projects[i % Math.max(1, projects.length)] ?? 'no-project';
  switch (i % 5) {
    case 0:
      return request(`${target.azure}/subscriptions/${sub}/providers/Microsoft.ContainerService/managedClusters?api-version=2024-09-01`, tlsAgent, {
        headers: { authorization: 'Bearer simulator' },
      });
    case 1:
      return request(`${target.azure}/providers/Microsoft.ResourceGraph/resources?api-version=2022-10-01`, tlsAgent, {
        method: 'POST',
        headers: { authorization: 'Bearer simulator', 'content-type': 'application/json' },
        body: JSON.stringify({ subscriptions: [sub], query: "Resources | where type =~ 'microsoft.network/virtualnetworks' | order by id asc", options: { $top: 100 } }),
      });
    case 2:
      return request(`${target.gcp}/v1/projects/${project}/locations/-/clusters`, agent);
    case 3:
      return request(`${target.gcp}/compute/v1/projects/${project}/global/networks`, agent);
    default: {
      const account = accounts[i % Math.max(1, accounts.length)] ?? '123456789012';
      const region = regions[i % Math.max(1, regions.length)] ?? 'eu-west-1';
      return request(`${target.aws}/`, agent, {
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
/** The bare baseline runs a bounded part of the loop: this many batches. */
const bareBatches = 5;

/** Runs `count` batches of the request loop; heap after each batch (gc first) when asked. Returns the time spent in requests. */
async function loop(count: number, statuses: Map<number, number>, heap?: number[]): Promise<number> {
  let timed = 0;
  for (let b = 0; b < count; b++) {
    // Only the requests are timed, not the gc of the heap samples.
    const began = performance.now();
    const results = await Promise.all(Array.from({ length: perBatch }, (_, k) => limit(() => nth(b * perBatch + k))));
    timed += performance.now() - began;
    for (const s of results) statuses.set(s, (statuses.get(s) ?? 0) + 1);
    heap?.push(heapMb());
  }
  return timed;
}

const heap: number[] = [heapMb()];
const statuses = new Map<number, number>();
bodyBytes = 0;
const elapsedMs = await loop(batches, statuses, heap);
const meanBodyBytes = Math.round(bodyBytes / (batches * perBatch));
agent.destroy();
tlsAgent.destroy();
const counts = sim.counts();
await sim.stop();

// The baseline: what node:http(s) and this loop manage on this machine with no simulator work.
const bareBody = Buffer.from(JSON.stringify({ value: 'x'.repeat(Math.max(0, meanBodyBytes - '{"value":""}'.length)) }));
const bareHandler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': bareBody.length });
    res.end(bareBody);
  });
};
const tls = await generateLocalCertificate();
const bareHttp = http.createServer(bareHandler);
const bareHttps = https.createServer({ key: tls.key, cert: tls.cert }, bareHandler);
const listen = (server: http.Server): Promise<string> =>
  new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? String(address.port) : '0');
    });
  });
const httpPort = await listen(bareHttp);
const httpsPort = await listen(bareHttps);
target = { azure: `https://127.0.0.1:${httpsPort}`, gcp: `http://127.0.0.1:${httpPort}`, aws: `http://127.0.0.1:${httpPort}` };
agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
tlsAgent = new https.Agent({ keepAlive: true, maxSockets: 32, ca: tls.cert });
const bareStatuses = new Map<number, number>();
bodyBytes = 0;
const bareMs = await loop(bareBatches, bareStatuses);
const bareMeanBodyBytes = Math.round(bodyBytes / (bareBatches * perBatch));
agent.destroy();
tlsAgent.destroy();
const closed = (server: http.Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
    server.closeAllConnections();
  });
await Promise.all([closed(bareHttp), closed(bareHttps)]);

const simRps = (batches * perBatch) / (elapsedMs / 1000);
const bareRps = (bareBatches * perBatch) / (bareMs / 1000);

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
  requestsPerSecond: Math.round(simRps),
  meanBodyBytes,
  statuses: Object.fromEntries(statuses),
  /** The same-run baseline: a bare node:http(s) server with a fixed body of the simulator's mean size, same loop. */
  bare: { requests: bareBatches * perBatch, requestsPerSecond: Math.round(bareRps), meanBodyBytes: bareMeanBodyBytes, statuses: Object.fromEntries(bareStatuses) },
  /** Simulator rps / bare rps: the share of the bare server's throughput the simulator keeps. */
  simVsBareRps: Number((simRps / bareRps).toFixed(3)),
  heapMbAfterEachBatch: heap,
  /** Heap after the last batch divided by heap after the first: about 1 when memory is flat. */
  heapGrowthRatio: Number((last / first).toFixed(3)),
  simulatorCounted: counts.total,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/sim-serve.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(result)}\n`);
