// Review of f9ce423: sameAnswers() compares replica names and URLs, cache and ha, but not
// http_config. A reload that changes what promgate sends the replicas (a tenant header such as
// X-Scope-OrgID for Thanos/Cortex/Mimir, other credentials = another user's view behind an
// authenticating proxy) keeps the cache: the old tenant's answers are served for up to cache.ttl.
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

function startTenantEcho(): Promise<string> {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith('/-/ready')) return res.end('ok\n');
    const tenant = String(req.headers['x-scope-orgid'] ?? 'none');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [1, tenant] } }));
  });
  return new Promise((resolve) => upstream!.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(upstream!.address() as AddressInfo).port}`)));
}

describe('reload that changes the headers promgate sends its replicas', () => {
  it('answers come from the new tenant, not from the cache of the old one', async () => {
    const url = await startTenantEcho();
    const yaml = (tenant: string) =>
      ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${url}"}]`, 'ha: {enabled: false}', `http_config: {headers: {X-Scope-OrgID: "${tenant}"}}`].join('\n');
    let tenant = 'team-a';
    app = buildApp(parseConfigText(yaml(tenant)), { loadConfig: async () => parseConfigText(yaml(tenant)) });
    await app.start();
    const base = await app.listen();
    const t = Math.floor(Date.now() / 1000) - 7200; // settled: cacheable
    const ask = async () => (await request(`${base}/api/v1/query?query=up&time=${t}`)).body.text();
    expect(await ask()).toContain('"team-a"');
    expect(await ask()).toContain('"team-a"');

    tenant = 'team-b';
    await app.reload();
    expect(await ask()).toContain('"team-b"');
  });
});
