/**
 * A tiny TCP proxy on loopback that can make one replica slow, the same way for HAProxy and
 * promgate. While `delayMs` > 0, request bytes that start a query (`GET /api/` or `POST /api/`)
 * are held that long before being forwarded; health probes (/-/ready) and everything else pass
 * at once, as on a real replica that is slow to evaluate but quick to say it is ready. Order on
 * a connection is kept, so a probe queued behind a slow query on the same socket waits too.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

const QUERY_START = /^(GET|POST) \/api\//;

export class DelayProxy {
  readonly #server: Server;
  readonly #sockets = new Set<Socket>();
  delayMs = 0;

  private constructor(upstream: URL) {
    this.#server = createServer((client) => this.#connection(client, upstream.hostname, Number(upstream.port || 80)));
  }

  /** Listens on 127.0.0.1 (free port) and forwards to `upstream` (http://host:port). */
  static async start(upstream: string): Promise<DelayProxy> {
    const proxy = new DelayProxy(new URL(upstream));
    await new Promise<void>((resolve, reject) => {
      proxy.#server.once('error', reject);
      proxy.#server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get url(): string {
    const addr = this.#server.address();
    if (addr === null || typeof addr !== 'object') throw new Error('delay proxy is not listening');
    return `http://127.0.0.1:${addr.port}`;
  }

  #connection(client: Socket, host: string, port: number): void {
    const upstream = connect(port, host);
    this.#sockets.add(client).add(upstream);
    let releaseAt = 0;
    client.on('data', (chunk: Buffer) => {
      const delay = this.delayMs > 0 && QUERY_START.test(chunk.subarray(0, 16).toString('latin1')) ? this.delayMs : 0;
      // Never before an earlier chunk of this connection: bytes must stay in order.
      releaseAt = Math.max(releaseAt, Date.now() + delay);
      const wait = releaseAt - Date.now();
      if (wait <= 0) upstream.write(chunk);
      else setTimeout(() => upstream.destroyed || upstream.write(chunk), wait).unref();
    });
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.on('close', close).on('error', close).on('end', () => setTimeout(close, Math.max(0, releaseAt - Date.now())).unref());
    upstream.on('close', close).on('error', close);
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
