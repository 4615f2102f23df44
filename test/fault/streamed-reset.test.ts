// Review of f9ce423: an answer larger than max_buffered_response_bytes whose replica resets mid-body
// must reach the client as a broken response, never as a clean but truncated 200. With the new
// `ignore` error listener the error might be swallowed if it lands before sendAnswer iterates.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';

let upstream: Server | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  upstream?.closeAllConnections();
  await new Promise<void>((r) => (upstream ? upstream.close(() => r()) : r()));
});

function startResetting(delayMs: number): Promise<string> {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith('/-/ready')) return res.end('ok\n');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('x'.repeat(256 * 1024));
    if (delayMs === 0) res.socket?.destroy();
    else setTimeout(() => res.socket?.destroy(), delayMs);
  });
  return new Promise((resolve) => upstream!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream!.address() as AddressInfo).port}`)));
}

describe('a streamed answer whose replica resets', () => {
  it.each([0, 100])('reset %i ms after the prefix: the client sees an error', async (delayMs) => {
    const url = await startResetting(delayMs);
    const yaml = ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${url}"}]`, 'ha: {enabled: false}', 'cache: {enabled: false}', 'upstream: {max_buffered_response_bytes: 16KiB}'].join('\n');
    app = buildApp(parseConfigText(yaml));
    await app.start();
    const base = await app.listen();
    const results: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await request(`${base}/api/v1/query?query=up`).catch((err: Error) => err);
      if (res instanceof Error) {
        results.push(`request error ${res.message}`);
        continue;
      }
      const r = await res.body.text().then(
        (t) => `status ${res.statusCode} clean end, ${t.length} bytes`,
        (err: Error) => `body error ${err.message}`,
      );
      results.push(r);
    }
    expect(results.filter((r) => r.includes('clean end') && r.startsWith('status 200'))).toEqual([]);
    // And the configuration's request count is back to 0.
  });
});
