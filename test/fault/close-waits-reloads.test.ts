// Review of f9ce423: close() awaits `reloads` before it closes the listener. Reloads queued before
// close() all still run in full (load, build, health round, coverage probe up to 15 s each): only
// the check after startCore abandons them. Meanwhile the listener stays open, and in main.ts the
// drain_timeout (30 s by default) is running: two SIGHUPs then SIGTERM can exit 1 without draining.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

let upstream: FakeUpstream | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.close().catch(() => undefined);
  await upstream?.close();
});

describe('close() with reloads under way', () => {
  it('reloads still queued when close() starts are not run', async () => {
    upstream = await startFakeUpstream('a');
    const yaml = ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${upstream.url}"}]`, 'ha: {enabled: false}', 'health_check: {interval: 50ms, timeout: 40ms}'].join('\n');
    let loads = 0;
    app = buildApp(parseConfigText(yaml), {
      loadConfig: async () => {
        loads++;
        await sleep(300);
        return parseConfigText(yaml);
      },
    });
    await app.start();
    await app.listen();
    const asked = [app.reload(), app.reload(), app.reload()].map((p) => p.catch(() => undefined));
    await sleep(20); // the first one is loading
    const started = Date.now();
    await app.close();
    const took = Date.now() - started;
    await Promise.all(asked);
    expect(loads).toBe(1);
    expect(took).toBeLessThan(600);
  });

  it('the listener closes at once, not after a reload stuck in its coverage probe', async () => {
    upstream = await startFakeUpstream('a');
    const yaml = ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${upstream.url}"}]`, 'ha: {enabled: true}', 'cache: {enabled: false}', 'health_check: {interval: 200ms, timeout: 150ms}'].join('\n');
    app = buildApp(parseConfigText(yaml), { loadConfig: async () => parseConfigText(yaml) });
    await app.start();
    await app.listen();
    upstream.setBehavior({ kind: 'hang' }); // the new core's coverage probe never answers
    const reloaded = app.reload().catch(() => undefined);
    await sleep(300);
    const closing = app.close();
    await sleep(1000);
    const stillListening = app.server.server.listening;
    await closing;
    await reloaded;
    expect(stillListening).toBe(false);
  }, 30_000);
});
