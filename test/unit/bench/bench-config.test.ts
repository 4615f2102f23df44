import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { haproxyConfig } from '../../../bench/lib/haproxy.js';
import { promgateConfig } from '../../../bench/lib/promgate-process.js';

describe('haproxyConfig', () => {
  it('is the seed setup: round robin, checks on /-/ready every 1s, fall 2 rise 2, 5m timeouts', () => {
    const cfg = haproxyConfig(8080, ['http://127.0.0.1:9090', 'http://127.0.0.1:9091']);
    expect(cfg).toContain('  bind 127.0.0.1:8080');
    expect(cfg).toContain('  balance roundrobin');
    expect(cfg).toContain('  option httpchk GET /-/ready');
    expect(cfg).toContain('  server p1 127.0.0.1:9090 check inter 1s fall 2 rise 2');
    expect(cfg).toContain('  server p2 127.0.0.1:9091 check inter 1s fall 2 rise 2');
    for (const line of ['mode http', 'timeout connect 2s', 'timeout client 5m', 'timeout server 5m']) expect(cfg).toContain(`  ${line}`);
    // Nothing that would make HAProxy smarter than the setups promgate replaces.
    expect(cfg).not.toMatch(/retries|redispatch|retry-on/);
  });
});

describe('promgateConfig', () => {
  it('lists the replicas and leaves everything else default', () => {
    const cfg = parse(promgateConfig(['http://127.0.0.1:9090', 'http://127.0.0.1:9091'])) as unknown;
    expect(cfg).toEqual({
      replicas: [
        { url: 'http://127.0.0.1:9090', name: 'replica-0' },
        { url: 'http://127.0.0.1:9091', name: 'replica-1' },
      ],
    });
  });

  it("adds a scenario's own keys next to the replicas (outage: faster coverage probe, short freshness)", () => {
    const cfg = parse(promgateConfig(['http://127.0.0.1:9090'], { ha: { probe_interval: '1s' }, cache: { freshness: '5s' } })) as unknown;
    expect(cfg).toEqual({ replicas: [{ url: 'http://127.0.0.1:9090', name: 'replica-0' }], ha: { probe_interval: '1s' }, cache: { freshness: '5s' } });
  });
});
