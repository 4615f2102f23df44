import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/**
 * A tiny upstream on loopback that misbehaves on demand, for the faults real Prometheus will not
 * produce when asked: refuse, hang, answer slowly, reset mid-body, 5xx, the plain-text 503 of a
 * replica that is not ready.
 */
export type Behavior =
  | { kind: 'ok'; body?: string; delayMs?: number; status?: number; contentType?: string }
  | { kind: 'hang' }
  | { kind: 'status'; status: number; body: string; contentType: string }
  | { kind: 'not-ready' }
  | { kind: 'reset-mid-body' }
  | { kind: 'reset-before-headers' };

export interface FakeUpstream {
  readonly url: string;
  readonly port: number;
  /** Requests seen, by path (without query). */
  readonly hits: Map<string, number>;
  /** Bodies and URLs of API requests seen, in order. */
  readonly requests: Array<{ method: string; url: string; body: string; headers: IncomingMessage['headers'] }>;
  /** Sets how API requests (anything but /-/ready) are answered. */
  setBehavior(b: Behavior): void;
  /** Sets whether /-/ready answers 200 (true), 503 (false) or never ('hang'). */
  setReady(ready: boolean | 'hang'): void;
  apiHits(): number;
  close(): Promise<void>;
}

export const OK_BODY = (who: string) => JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, who] } });

export async function startFakeUpstream(name = 'fake', port = 0): Promise<FakeUpstream> {
  let behavior: Behavior = { kind: 'ok' };
  let ready: boolean | 'hang' = true;
  const hits = new Map<string, number>();
  const requests: FakeUpstream['requests'] = [];
  const sockets = new Set<Socket>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === '/-/ready') return answerReady(res, ready);
      requests.push({ method: req.method ?? '', url: req.url ?? '', body: Buffer.concat(chunks).toString(), headers: req.headers });
      answer(req, res, behavior, name);
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    hits,
    requests,
    setBehavior: (b) => (behavior = b),
    setReady: (r) => (ready = r),
    apiHits: () => requests.length,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function answerReady(res: ServerResponse, ready: boolean | 'hang'): void {
  if (ready === 'hang') return;
  res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(ready ? 'Prometheus Server is Ready.\n' : 'Service Unavailable');
}

function answer(req: IncomingMessage, res: ServerResponse, b: Behavior, name: string): void {
  switch (b.kind) {
    case 'ok': {
      const send = () => {
        res.writeHead(b.status ?? 200, { 'content-type': b.contentType ?? 'application/json' });
        res.end(b.body ?? OK_BODY(name));
      };
      if (b.delayMs) setTimeout(send, b.delayMs);
      else send();
      return;
    }
    case 'hang':
      return;
    case 'status':
      res.writeHead(b.status, { 'content-type': b.contentType });
      res.end(b.body);
      return;
    case 'not-ready':
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Service Unavailable');
      return;
    case 'reset-mid-body':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"status":"success","data":{"resultType":"ma');
      setTimeout(() => req.socket.destroy(), 5);
      return;
    case 'reset-before-headers':
      req.socket.destroy();
      return;
  }
}
