// A transparent HTTP proxy in front of a replica that records every request it passes on: put it
// between promgate and a replica to see exactly what reached the replica (method, raw target,
// headers), including anything the replica itself would not count in its own metrics.

import { Agent, createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface SeenRequest {
  readonly method: string;
  /** The request target exactly as received (raw, not decoded). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** 'connect' and 'upgrade' requests are recorded and refused, never passed on. */
  readonly kind: 'request' | 'connect' | 'upgrade';
}

export interface RecordingProxy {
  readonly url: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, kind: 'request' });
    const out = request(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers, agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.rawHeaders);
        up.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('connect', (req, socket: Socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, kind: 'connect' });
    socket.destroy();
  });
  server.on('upgrade', (req, socket: Socket) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, kind: 'upgrade' });
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    seen,
    async close() {
      for (const s of sockets) s.destroy();
      agent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
