// Review of #10: a reload must let requests in flight on the old replicas finish. An answer larger
// than upstream.max_buffered_response_bytes is streamed from the old pool after Replica#attempt has
// returned (inFlight is already 0), so retire() destroys that pool mid-body: the client gets a
// truncated answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';

const CHUNK = 'x'.repeat(4096);
const CHUNKS = 30; // 120 KiB, 50 ms apart: 1.5 s of body

let upstream: Server | undefined;
let app: App | undefined;

afterEach(async () => {
  await app?.close();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
  upstream?.closeAllConnections();
});

function startSlowUpstream(): Promise<string> {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith('/-/ready')) return res.end('Prometheus Server is Ready.\n');
    res.writeHead(200, { 'content-type': 'application/json' });
    let i = 0;
    const t = setInterval(() => {
      if (res.destroyed) return clearInterval(t);
      res.write(CHUNK);
      if (++i === CHUNKS) {
        clearInterval(t);
        res.end();
      }
    }, 50);
  });
  return new Promise((resolve) => upstream!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream!.address() as AddressInfo).port}`)));
}

describe('reload while a streamed (larger than max_buffered_response_bytes) answer is in flight', () => {
  it('the answer that started on the old configuration arrives whole', async () => {
    const url = await startSlowUpstream();
    const yaml = [
      'listen_address: 127.0.0.1:0',
      'log_level: silent',
      `replicas: [{url: "${url}"}]`,
      'ha: {enabled: false}',
      'cache: {enabled: false}',
      'upstream: {max_buffered_response_bytes: 16KiB}',
      'health_check: {interval: 200ms, timeout: 150ms}',
    ].join('\n');
    app = buildApp(parseConfigText(yaml), { loadConfig: async () => parseConfigText(yaml) });
    await app.start();
    const base = await app.listen();

    const res = await request(`${base}/api/v1/query?query=up`);
    expect(res.statusCode).toBe(200);
    const text = res.body.text().then(
      (t) => t,
      (err: unknown) => `ERROR ${(err as Error).message}`,
    );
    // Same file: the core is rebuilt and the old one retired while the body is still coming.
    await app.reload();
    const body = await text;
    expect(body.startsWith('ERROR') ? body : body.length).toBe(CHUNK.length * CHUNKS);
  });
});
