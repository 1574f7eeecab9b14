import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { isAllowed, latencyFor, mergeBehaviour, pageSizeFor, parseBehaviour, type Behaviour, type BehaviourInput } from './behaviour.js';
import { FaultInjector, seededRandom } from './faults.js';
import { Throttler } from './throttle.js';
import { generateLocalCertificate, type TlsMaterial } from './tls.js';
import type { ProviderEnv, ProviderName, ProviderServer, RoutedCall, SimRequest, SimResponse } from './types.js';

export const PROVIDERS = ['azure', 'gcp', 'aws'] as const satisfies readonly ProviderName[];

/** What happened to calls of one operation. */
export interface OperationCounts {
  calls: number;
  /** Handler answered below 400. */
  ok: number;
  /** Handler answered 400 or above (e.g. a GET of a missing resource) or threw. */
  errors: number;
  throttled: number;
  /** Injected faults (server-error, reset, slow, truncated, malformed, denied). */
  faults: number;
  /** Refused by the allow-list. */
  denied: number;
}

interface ProviderCounts {
  total: number;
  operations: Record<string, OperationCounts>;
}

export interface SimCounts {
  total: number;
  providers: Record<ProviderName, ProviderCounts>;
  /**
   * Most requests in flight at once per throttling bucket, keyed `<provider>|<model>|<bucket>`
   * (e.g. `azure|arm|<subscription>`), plus `<provider>|<model>|*` for all buckets of a model.
   */
  maxInFlight: Record<string, number>;
}

/** Requests that match no operation are counted under this name. */
export const UNROUTED = '(unrouted)';

export interface SimEndpoints {
  azure: { url: string; caPem: string };
  gcp: { url: string };
  aws: { url: string };
}

export interface SimServerOptions {
  behaviour?: BehaviourInput;
  /** Milliseconds clock for the throttling models; tests pass a fake one to advance time. */
  now?: () => number;
  /** Reuse a certificate instead of generating one. */
  tls?: TlsMaterial;
}

type Outcome = Exclude<keyof OperationCounts, 'calls'>;

function emptyCounts(): OperationCounts {
  return { calls: 0, ok: 0, errors: 0, throttled: 0, faults: 0, denied: 0 };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', reject);
  });
}

/** Headers the core adds to throttling answers; the provider's own headers win. */
function throttleHeaders(call: RoutedCall, retryAfterSeconds: number): Record<string, string> {
  const retryAfter = String(retryAfterSeconds);
  switch (call.throttle) {
    case 'arm':
    case 'resource-graph':
      return { 'retry-after': retryAfter };
    case 'cost-management':
      return { 'retry-after': retryAfter, 'x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after': retryAfter };
    default:
      return {};
  }
}

/** Lower-cases header names so core and provider headers merge without duplicates. */
function lowerKeys(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/**
 * One process, three listeners on 127.0.0.1: Azure over HTTPS (self-signed certificate generated at
 * start), GCP and AWS over HTTP. Every request goes through the same pipeline: route → allow-list →
 * throttle → injected faults → latency → handler → count.
 */
export class SimServer {
  readonly endpoints: SimEndpoints;
  private behaviourState: Behaviour;
  private providers: Partial<Record<ProviderName, ProviderServer>> = {};
  private readonly throttler: Throttler;
  private readonly faults = new FaultInjector();
  private readonly counters = new Map<ProviderName, Map<string, OperationCounts>>();
  private readonly inFlight = new Map<string, { now: number; max: number }>();
  private readonly sleepers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  private latencyDraws = 0;
  private stopped = false;

  private constructor(
    private readonly servers: Record<ProviderName, http.Server>,
    private readonly sockets: Set<Socket>,
    ports: Record<ProviderName, number>,
    caPem: string,
    behaviour: Behaviour,
    now: () => number,
  ) {
    this.behaviourState = behaviour;
    this.throttler = new Throttler(now);
    this.endpoints = {
      azure: { url: `https://127.0.0.1:${ports.azure}`, caPem },
      gcp: { url: `http://127.0.0.1:${ports.gcp}` },
      aws: { url: `http://127.0.0.1:${ports.aws}` },
    };
    for (const name of PROVIDERS) {
      const server = servers[name];
      server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
        this.handle(name, req, res).catch((err: unknown) => {
          this.sendRaw(res, 500, { error: { code: 'SimulatorError', message: `simulator ${name}: ${String(err)}` } });
        });
      });
    }
  }

  static async start(options: SimServerOptions = {}): Promise<SimServer> {
    const behaviour = parseBehaviour(options.behaviour ?? {});
    const tls = options.tls ?? (await generateLocalCertificate());
    const servers: Record<ProviderName, http.Server> = {
      azure: https.createServer({ key: tls.key, cert: tls.cert }),
      gcp: http.createServer(),
      aws: http.createServer(),
    };
    const sockets = new Set<Socket>();
    for (const server of Object.values(servers)) {
      // Track raw sockets so stop() can close keep-alive connections too.
      server.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.once('close', () => sockets.delete(socket));
      });
    }
    const ports: Record<ProviderName, number> = { azure: 0, gcp: 0, aws: 0 };
    try {
      for (const name of PROVIDERS) ports[name] = await listen(servers[name]);
    } catch (err) {
      for (const server of Object.values(servers)) server.close();
      throw new Error(`simulator could not listen on 127.0.0.1: ${String(err)}`, { cause: err });
    }
    return new SimServer(servers, sockets, ports, tls.cert, behaviour, options.now ?? Date.now);
  }

  /** The environment a provider factory receives: its base URL and the current page sizes. */
  env(provider: ProviderName): ProviderEnv {
    return {
      baseUrl: this.endpoints[provider].url,
      pageSize: (operation: string) => pageSizeFor(this.behaviourState, provider, operation),
    };
  }

  setProviders(providers: Partial<Record<ProviderName, ProviderServer>>): void {
    this.providers = { ...providers };
  }

  provider(name: ProviderName): ProviderServer | undefined {
    return this.providers[name];
  }

  get behaviour(): Behaviour {
    return this.behaviourState;
  }

  /** Applies a partial behaviour; throttling and exact-call fault state start afresh. */
  setBehaviour(partial: BehaviourInput): void {
    this.behaviourState = mergeBehaviour(this.behaviourState, partial);
    this.throttler.reset();
    this.faults.reset();
  }

  counts(): SimCounts {
    const providers = {} as Record<ProviderName, ProviderCounts>;
    let total = 0;
    for (const name of PROVIDERS) {
      const operations: Record<string, OperationCounts> = {};
      let providerTotal = 0;
      for (const [op, c] of this.counters.get(name) ?? []) {
        operations[op] = { ...c };
        providerTotal += c.calls;
      }
      providers[name] = { total: providerTotal, operations };
      total += providerTotal;
    }
    const maxInFlight = Object.fromEntries([...this.inFlight].map(([k, v]) => [k, v.max]));
    return { total, providers, maxInFlight };
  }

  resetCounts(): void {
    this.counters.clear();
    // Requests still in flight keep their entries; only the peaks start afresh.
    for (const v of this.inFlight.values()) v.max = v.now;
  }

  /** Counts a request in flight in its bucket and in its model's total until `leave`. */
  private enter(keys: readonly string[]): void {
    for (const key of keys) {
      const v = this.inFlight.get(key) ?? { now: 0, max: 0 };
      v.now += 1;
      v.max = Math.max(v.max, v.now);
      this.inFlight.set(key, v);
    }
  }

  private leave(keys: readonly string[]): void {
    for (const key of keys) {
      const v = this.inFlight.get(key);
      if (v) v.now -= 1;
    }
  }

  /** Closes every listener and every open connection (keep-alive included) and cancels delays. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const sleeper of this.sleepers) {
      clearTimeout(sleeper.timer);
      sleeper.resolve();
    }
    this.sleepers.clear();
    const closed = Object.values(this.servers).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => {
            resolve();
          });
        }),
    );
    for (const server of Object.values(this.servers)) server.closeAllConnections();
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await Promise.all(closed);
  }

  private count(provider: ProviderName, operation: string, outcome: Outcome): void {
    let ops = this.counters.get(provider);
    if (!ops) {
      ops = new Map();
      this.counters.set(provider, ops);
    }
    let c = ops.get(operation);
    if (!c) {
      c = emptyCounts();
      ops.set(operation, c);
    }
    c.calls += 1;
    c[outcome] += 1;
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const sleeper = {
        timer: setTimeout(() => {
          this.sleepers.delete(sleeper);
          resolve();
        }, ms),
        resolve,
      };
      this.sleepers.add(sleeper);
    });
  }

  private latencyMs(provider: ProviderName, operation: string): number {
    const { meanMs, jitterMs } = latencyFor(this.behaviourState, provider);
    if (jitterMs === 0) return meanMs;
    this.latencyDraws += 1;
    const r = seededRandom(this.behaviourState.seed, `latency|${operation}|${this.latencyDraws}`);
    return Math.max(0, meanMs + (r * 2 - 1) * jitterMs);
  }

  private send(res: http.ServerResponse, response: SimResponse, extraHeaders: Record<string, string> = {}): void {
    if (res.destroyed || res.headersSent) return;
    const body = response.body ?? '';
    const headers = { ...lowerKeys(response.headers), ...extraHeaders, 'content-length': String(Buffer.byteLength(body)) };
    res.writeHead(response.status, headers);
    res.end(body);
  }

  private sendRaw(res: http.ServerResponse, status: number, body: unknown): void {
    this.send(res, { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }

  private async handle(providerName: ProviderName, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const body = await readBody(req);
    const simReq: SimRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      url: new URL(req.url ?? '/', this.endpoints[providerName].url),
      headers: req.headers,
      body,
    };
    const provider = this.providers[providerName];
    if (!provider) {
      this.sendRaw(res, 503, { error: { code: 'SimulatorNoProvider', message: `simulator: no ${providerName} provider is loaded` } });
      return;
    }
    let call: RoutedCall | undefined;
    try {
      call = provider.route(simReq);
    } catch (err) {
      this.count(providerName, UNROUTED, 'errors');
      this.sendRaw(res, 500, {
        error: { code: 'SimulatorRouteError', message: `simulator ${providerName}: route(${simReq.method} ${simReq.url.pathname}) threw: ${String(err)}` },
      });
      return;
    }
    if (!call) {
      this.count(providerName, UNROUTED, 'errors');
      this.send(res, provider.notFound(simReq));
      return;
    }
    const keys = [`${providerName}|${call.throttle}|${call.bucket}`, `${providerName}|${call.throttle}|*`];
    this.enter(keys);
    try {
      await this.serve(providerName, provider, call, req, res);
    } finally {
      this.leave(keys);
    }
  }

  /** Allow-list → throttle → injected faults → latency → handler → count, for a routed call. */
  private async serve(providerName: ProviderName, provider: ProviderServer, call: RoutedCall, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const behaviour = this.behaviourState;

    if (!isAllowed(behaviour, call.operation)) {
      this.count(providerName, call.operation, 'denied');
      this.send(res, provider.fault(call, 'denied'));
      return;
    }

    const decision = this.throttler.take(call.throttle, call.bucket, behaviour);
    if (!decision.allowed) {
      this.count(providerName, call.operation, 'throttled');
      const answer = provider.throttled(call, decision.retryAfterSeconds);
      this.send(res, { ...answer, headers: { ...throttleHeaders(call, decision.retryAfterSeconds), ...lowerKeys(answer.headers) } }, decision.headers);
      return;
    }

    const fault = this.faults.decide(call, behaviour);
    if (fault === 'throttled') {
      // The provider's own throttling answer, asking for faults.retryAfterMs.
      const ms = behaviour.faults.retryAfterMs;
      this.count(providerName, call.operation, 'throttled');
      const answer = provider.throttled(call, Math.ceil(ms / 1000));
      const ask = call.throttle === 'arm' || call.throttle === 'resource-graph' || call.throttle === 'cost-management' ? { 'retry-after-ms': String(ms) } : {};
      this.send(res, { ...answer, headers: { ...throttleHeaders(call, Math.ceil(ms / 1000)), ...ask, ...lowerKeys(answer.headers) } }, decision.headers);
      return;
    }
    if (fault === 'server-error' || fault === 'denied') {
      this.count(providerName, call.operation, 'faults');
      this.send(res, provider.fault(call, fault), decision.headers);
      return;
    }
    if (fault === 'reset') {
      this.count(providerName, call.operation, 'faults');
      req.socket.destroy();
      return;
    }

    await this.sleep(this.latencyMs(providerName, call.operation) + (fault === 'slow' ? behaviour.faults.slowMs : 0));
    if (res.destroyed) return;

    let response: SimResponse;
    try {
      response = call.handle();
    } catch (err) {
      this.count(providerName, call.operation, 'errors');
      this.sendRaw(res, 500, {
        error: { code: 'SimulatorHandlerError', message: `simulator ${providerName}: handler of ${call.operation} threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}` },
      });
      return;
    }

    if (fault === 'truncated') {
      this.count(providerName, call.operation, 'faults');
      this.writeTruncated(res, response, decision.headers);
      return;
    }
    if (fault === 'malformed') {
      this.count(providerName, call.operation, 'faults');
      this.send(res, { ...response, body: malformedBody(response.body ?? '') }, decision.headers);
      return;
    }
    this.count(providerName, call.operation, fault === 'slow' ? 'faults' : response.status < 400 ? 'ok' : 'errors');
    this.send(res, response, decision.headers);
  }

  /** Promises the full Content-Length, sends half the bytes, then drops the connection. */
  private writeTruncated(res: http.ServerResponse, response: SimResponse, extraHeaders: Record<string, string>): void {
    const bytes = Buffer.from(response.body ?? '', 'utf8');
    res.writeHead(response.status, { ...lowerKeys(response.headers), ...extraHeaders, 'content-length': String(bytes.length) });
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
      res.destroy();
    });
  }
}

/** A complete response whose body no JSON or XML parser accepts. */
function malformedBody(body: string): string {
  return `${body.slice(0, Math.floor(body.length / 2))}\u0000<<{"sim":"malformed"`;
}
