import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../src/config/index.js';
import { planRequest } from '../../../src/gateway/cache-plan.js';
import { normalizeRequest, type NormalizedRequest, type ProxyRoute } from '../../../src/query/index.js';

const NOW = Date.UTC(2026, 10, 21, 12, 0, 0);
const cfg = parseConfigText('replicas: [{url: "http://a:1"}]').cache;
const S = (ms: number) => String(ms / 1000);

function norm(endpoint: ProxyRoute['endpoint'], params: Record<string, string>): NormalizedRequest {
  const route = (endpoint === 'label_values' ? { kind: 'proxy', endpoint, label: 'job' } : { kind: 'proxy', endpoint }) as ProxyRoute;
  const r = normalizeRequest(route, new Map(Object.entries(params).map(([k, v]) => [k, [v]])));
  if (!r.ok) throw new Error('not normalizable');
  return r.request;
}
const plan = (n: NormalizedRequest | undefined, extra: Partial<{ noCache: boolean; identity: string; encoding: string; method: string }> = {}, c = cfg) =>
  planRequest({ method: extra.method ?? 'GET', normalized: n, identity: extra.identity, encoding: extra.encoding, noCache: extra.noCache ?? false, nowMs: NOW }, c);

const OLD = NOW - 3_600_000;
const FRESH = NOW - 60_000;

describe('planRequest', () => {
  it.each([
    ['instant query without time: shared, never cached', norm('query', { query: 'up' }), { kind: 'shared', ttl: undefined }],
    ['instant query at a settled time: cached', norm('query', { query: 'up', time: S(OLD) }), { kind: 'shared', ttl: cfg.ttl }],
    ['instant query inside the freshness window: shared only', norm('query', { query: 'up', time: S(FRESH) }), { kind: 'shared', ttl: undefined }],
    ['instant query reading ahead into fresh data (offset -1h): shared only', norm('query', { query: 'up offset -1h', time: S(OLD) }), { kind: 'shared', ttl: undefined }],
    ['instant query pinned @ a fresh time: shared only', norm('query', { query: `up @ ${S(FRESH)}`, time: S(OLD) }), { kind: 'shared', ttl: undefined }],
    ['instant query that does not parse: shared only (Prometheus answers its error)', norm('query', { query: 'sum(', time: S(OLD) }), { kind: 'shared', ttl: undefined }],
    ['range query: delta cache', norm('query_range', { query: 'rate(x[5m])', start: S(OLD), end: S(NOW), step: '15' }), { kind: 'range' }],
    ['range query @ start(): whole answers only, and this one is not settled', norm('query_range', { query: 'x @ start()', start: S(OLD), end: S(NOW), step: '15' }), { kind: 'shared', ttl: undefined }],
    ['settled range query @ end(): whole answer cached', norm('query_range', { query: 'x @ end()', start: S(OLD - 600_000), end: S(OLD), step: '15' }), { kind: 'shared', ttl: cfg.ttl }],
    ['range query with stats: not stitched', norm('query_range', { query: 'x', start: S(OLD - 600_000), end: S(OLD), step: '15', stats: 'all' }), { kind: 'shared', ttl: cfg.ttl }],
    ['labels: short TTL', norm('labels', {}), { kind: 'shared', ttl: cfg.metadata_ttl }],
    ['label values: short TTL', norm('label_values', {}), { kind: 'shared', ttl: cfg.metadata_ttl }],
    ['series: short TTL', norm('series', { 'match[]': 'up' }), { kind: 'shared', ttl: cfg.metadata_ttl }],
    ['targets: passthrough', norm('targets', {}), { kind: 'passthrough' }],
    ['federate: passthrough', norm('federate', { 'match[]': 'up' }), { kind: 'passthrough' }],
    ['not normalizable: passthrough', undefined, { kind: 'passthrough' }],
  ] as const)('%s', (_name, n, expected) => {
    const p = plan(n);
    expect(p.kind).toBe(expected.kind);
    if (p.kind === 'shared' && 'ttl' in expected) expect(p.ttlMs).toBe(expected.ttl);
  });

  it('no-cache bypasses cache and coalescing', () => {
    expect(plan(norm('query', { query: 'up', time: S(OLD) }), { noCache: true })).toEqual({ kind: 'passthrough', cacheHeader: 'bypass' });
  });

  it('keys differ by identity and by encoding, and not by spelling', () => {
    const a = plan(norm('query', { query: 'up', time: S(OLD) }));
    const b = plan(norm('query', { query: 'up', time: new Date(OLD).toISOString() }));
    const c = plan(norm('query', { query: 'up', time: S(OLD) }), { identity: 'alice' });
    const d = plan(norm('query', { query: 'up', time: S(OLD) }), { encoding: 'gzip' });
    const key = (p: ReturnType<typeof plan>) => (p.kind === 'passthrough' ? '' : p.key);
    expect(key(a)).toBe(key(b));
    expect(new Set([key(a), key(c), key(d)]).size).toBe(3);
  });

  it('range keys are shared across windows on one grid, and differ across grids', () => {
    const rk = (start: number, end: number, step: string) => {
      const p = plan(norm('query_range', { query: 'x', start: S(start), end: S(end), step }));
      return p.kind === 'range' ? p.rangeKey : '';
    };
    expect(rk(OLD, NOW, '15')).toBe(rk(OLD + 15_000, NOW + 30_000, '15s'));
    expect(rk(OLD, NOW, '15')).not.toBe(rk(OLD + 5_000, NOW, '15'));
    expect(rk(OLD, NOW, '15')).not.toBe(rk(OLD, NOW, '30'));
  });

  it('with the cache off, identical requests are still shared; with coalescing off too, everything passes through', () => {
    const off = parseConfigText('replicas: [{url: "http://a:1"}]\ncache: {enabled: false}').cache;
    expect(plan(norm('query_range', { query: 'x', start: S(OLD), end: S(NOW), step: '15' }), {}, off).kind).toBe('shared');
    const none = parseConfigText('replicas: [{url: "http://a:1"}]\ncache: {enabled: false, coalesce: false}').cache;
    expect(plan(norm('query', { query: 'up' }), {}, none).kind).toBe('passthrough');
  });

  // Regression (review finding): HEAD and OPTIONS shared GET's key, so an OPTIONS joining an
  // in-flight GET got its JSON body (Prometheus answers 204), and HEAD ran full range evaluations.
  it.each(['HEAD', 'OPTIONS', 'PUT'])('%s is never shared or cached', (method) => {
    expect(plan(norm('query', { query: 'up', time: S(OLD) }), { method }).kind).toBe('passthrough');
    expect(plan(norm('query_range', { query: 'x', start: S(OLD), end: S(NOW), step: '15' }), { method }).kind).toBe('passthrough');
  });

  it('POST is shared like GET', () => {
    expect(plan(norm('query', { query: 'up' }), { method: 'POST' }).kind).toBe('shared');
  });

  // lru-cache reads a TTL of 0 as "forever": a zero TTL must mean "never kept".
  it('a zero TTL means shared only, never cached forever', () => {
    const zero = parseConfigText('replicas: [{url: "http://a:1"}]\ncache: {metadata_ttl: 0s, ttl: 0s}').cache;
    const labels = plan(norm('labels', {}), {}, zero);
    const old = plan(norm('query', { query: 'up', time: S(OLD) }), {}, zero);
    expect([labels.kind === 'shared' && labels.ttlMs, old.kind === 'shared' && old.ttlMs]).toEqual([undefined, undefined]);
  });
});
