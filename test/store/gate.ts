import { connect, createServer, type Server, type Socket } from 'node:net';

/** The answer of a storage service that no longer accepts the account's credentials. */
const FORBIDDEN_BODY = JSON.stringify({ 'odata.error': { code: 'AuthenticationFailed', message: { lang: 'en-US', value: 'Server failed to authenticate the request.' } } });
const FORBIDDEN = `HTTP/1.1 403 Server failed to authenticate the request.\r\nContent-Type: application/json;odata=minimalmetadata\r\nx-ms-error-code: AuthenticationFailed\r\nContent-Length: ${String(Buffer.byteLength(FORBIDDEN_BODY))}\r\nConnection: close\r\n\r\n${FORBIDDEN_BODY}`;

/**
 * A TCP gate on 127.0.0.1 in front of a local service (Azurite), so a test can make the endpoint
 * go away mid-run and come back with the service's data intact (Azurite itself runs in memory:
 * stopping it would lose the store). While up it forwards bytes as they are; `down()` stops
 * listening and cuts every connection (what a client sees when the service stops); `refuse()`
 * answers every request 403 AuthenticationFailed (a key rotated under a running process);
 * `downAt(pattern)` goes down when a request line matches, without forwarding that request.
 */
export class Gate {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private refusing = false;
  private trigger: { pattern: { test: (line: string) => boolean }; fired: () => void } | undefined;

  private constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  static async open(port: number, target: number): Promise<Gate> {
    const gate = new Gate(port, target);
    await gate.up();
    return gate;
  }

  /** Listens again on the same port, forwarding everything. */
  async up(): Promise<void> {
    this.refusing = false;
    this.trigger = undefined;
    if (this.server) return;
    const server = createServer((client) => {
      this.connection(client);
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => {
        resolve();
      });
    });
  }

  down(): void {
    this.server?.close();
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  refuse(): void {
    this.refusing = true;
  }

  /** Goes down at the nth request (default the first) whose request line ("POST /account/table HTTP/1.1") matches. */
  downAt(pattern: RegExp, nth = 1): Promise<void> {
    let seen = 0;
    return new Promise((resolve) => {
      this.trigger = { pattern: { test: (line: string) => pattern.test(line) && (seen += 1) === nth }, fired: resolve };
    });
  }

  private connection(client: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.target });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      // A client writes each request's head at the start of a write: a chunk that starts with a request line starts a request.
      const line = /^[A-Z]+ \S+ HTTP\/1\.1/.exec(chunk.toString('latin1', 0, 400))?.[0];
      if (line !== undefined && this.refusing) {
        upstream.destroy();
        client.end(FORBIDDEN);
        return;
      }
      const trigger = this.trigger;
      if (line !== undefined && trigger?.pattern.test(line)) {
        this.trigger = undefined;
        this.down();
        trigger.fired();
        return;
      }
      upstream.write(chunk);
    });
  }
}
