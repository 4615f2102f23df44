// Review of #10: the cache is kept across a reload "unless its own settings changed", even when the
// reload points promgate at different Prometheus servers (a migrated or fixed pair, a URL that was
// wrong). The new replicas are never asked: answers of the old ones are served for up to cache.ttl.
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

let ups: FakeUpstream[] = [];
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  await Promise.all(ups.map((u) => u.close()));
});

const yaml = (url: string) => ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${url}"}]`, 'ha: {enabled: false}'].join('\n');

describe('reload to a different set of replicas', () => {
  it('answers come from the new replicas, not from what the old ones answered', async () => {
    const old = await startFakeUpstream('old');
    const fresh = await startFakeUpstream('new');
    ups = [old, fresh];
    let target = old.url;
    app = buildApp(parseConfigText(yaml(old.url)), { loadConfig: async () => parseConfigText(yaml(target)) });
    await app.start();
    const base = await app.listen();
    const t = Math.floor(Date.now() / 1000) - 7200; // settled: cacheable
    const ask = async () => (await request(`${base}/api/v1/query?query=up&time=${t}`)).body.text();
    expect(await ask()).toContain('"old"');
    expect(await ask()).toContain('"old"');

    target = fresh.url;
    await app.reload();
    expect(app.replicas.all.map((r) => r.url.origin)).toEqual([fresh.url]);
    const after = await ask();
    expect(after).toContain('"new"');
  });
});
