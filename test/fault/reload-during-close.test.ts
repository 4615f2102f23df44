// Review of #10: a reload (SIGHUP, POST /-/reload) that overlaps App.close() swaps in a new core
// after close() stopped the old one; nothing ever stops the new core's health checker (and, when
// the swap lands after close() returned, its pools): the closed app keeps probing its replicas.
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { parseConfigText } from '../../src/config/index.js';
import { type FakeUpstream, startFakeUpstream } from '../helpers/fake-upstream.js';

let upstream: FakeUpstream | undefined;
afterEach(async () => {
  await upstream?.close();
});

describe('reload overlapping close', () => {
  it('a closed app stops probing its replicas', async () => {
    upstream = await startFakeUpstream('a');
    const yaml = ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${upstream.url}"}]`, 'ha: {enabled: false}', 'health_check: {interval: 50ms, timeout: 40ms}'].join('\n');
    const app = buildApp(parseConfigText(yaml), { loadConfig: async () => parseConfigText(yaml) });
    await app.start();
    await app.listen();

    const reloaded = app.reload().catch(() => undefined);
    await app.close();
    await reloaded;

    const before = upstream.hits.get('/-/ready') ?? 0;
    await sleep(500);
    const after = upstream.hits.get('/-/ready') ?? 0;
    expect(after - before).toBe(0);
  });

  it('a reload asked after close is refused rather than starting a new set of replicas', async () => {
    upstream = await startFakeUpstream('a');
    const yaml = ['listen_address: 127.0.0.1:0', 'log_level: silent', `replicas: [{url: "${upstream.url}"}]`, 'ha: {enabled: false}', 'health_check: {interval: 50ms, timeout: 40ms}'].join('\n');
    const app = buildApp(parseConfigText(yaml), { loadConfig: async () => parseConfigText(yaml) });
    await app.start();
    await app.listen();
    await app.close();
    await app.reload().catch(() => undefined);

    const before = upstream.hits.get('/-/ready') ?? 0;
    await sleep(500);
    expect((upstream.hits.get('/-/ready') ?? 0) - before).toBe(0);
  });
});
