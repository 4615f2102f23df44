import { describe, expect, it } from 'vitest';
import type { StatusEvent } from '../../../src/status/event-log.js';
import type { ReplicaWindow } from '../../../src/status/replica-stats.js';
import { displayUrl, type ReplicaInput, type StatusInputs, statusSnapshot } from '../../../src/status/status-snapshot.js';

const NOW = Date.UTC(2024, 0, 2, 12, 0, 0);

const replica = (over: Partial<ReplicaInput> = {}): ReplicaInput => ({
  name: 'r1',
  url: 'http://prom-a:9090',
  healthy: true,
  live: true,
  breaker: 'closed',
  inFlight: 0,
  ...over,
});

const inputs = (over: Partial<StatusInputs> = {}): StatusInputs => ({
  now: NOW,
  promgate: { version: '1.2.3', startedAt: NOW - 3_661_500, ready: true, draining: false },
  replicas: [replica()],
  ...over,
});

const windowOf = (over: Partial<ReplicaWindow> = {}): ReplicaWindow => ({
  windowSeconds: 60,
  requests: 0,
  errors: 0,
  timeouts: 0,
  connectionErrors: 0,
  replicaFaults: 0,
  canceled: 0,
  breakerRejected: 0,
  latency: undefined,
  lastFailoverAt: undefined,
  ...over,
});

describe('statusSnapshot', () => {
  it('promgate itself: version, start, whole seconds of uptime, ready and draining', () => {
    const doc = statusSnapshot(inputs());
    expect(doc.generatedAt).toBe('2024-01-02T12:00:00.000Z');
    expect(doc.promgate).toEqual({ version: '1.2.3', startedAt: '2024-01-02T10:58:58.500Z', uptimeSeconds: 3661, ready: true, draining: false });
  });

  it('one group named default holding every replica, with how many are up', () => {
    const doc = statusSnapshot(inputs({ replicas: [replica({ name: 'a' }), replica({ name: 'b', healthy: false, live: false })] }));
    expect(doc.groups).toHaveLength(1);
    expect(doc.groups[0]).toMatchObject({ name: 'default', up: 1, total: 2 });
    expect(doc.groups[0]!.replicas.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it.each([
    ['healthy and live', { healthy: true, live: true, breaker: 'closed' }, 'up', ''],
    ['half-open breaker: still routed to, for trials', { healthy: true, live: true, breaker: 'half_open' }, 'up', 'circuit breaker half-open: trial requests only'],
    ['breaker open', { healthy: true, live: false, breaker: 'open' }, 'out', 'circuit breaker open'],
    ['probe stalled (frozen, not yet failed `fall` checks)', { healthy: true, live: false, breaker: 'closed' }, 'out', 'health probe stalled'],
    ['failing checks', { healthy: false, live: false, breaker: 'closed' }, 'down', 'failing its health checks'],
    ['failing checks with its breaker open too', { healthy: false, live: false, breaker: 'open' }, 'down', 'failing its health checks'],
  ] as const)('state in words: %s → %s', (_what, r, state, reason) => {
    const [status] = statusSnapshot(inputs({ replicas: [replica(r)] })).groups[0]!.replicas;
    expect([status!.state, status!.reason]).toEqual([state, reason]);
  });

  it.each([
    ['http://user:secret@prom-a:9090', 'http://prom-a:9090'],
    ['https://user:secret@prom-a:9443/prometheus/', 'https://prom-a:9443/prometheus'],
    ['http://prom-a:9090/?token=secret#frag', 'http://prom-a:9090'],
    ['http://:pw@prom-a', 'http://prom-a'],
    [new URL('http://u:p@prom-b:9090/x'), 'http://prom-b:9090/x'],
    ['not a url //user:pw@host/p?q=secret', 'not a url //host/p'],
  ])('a replica URL is shown without credentials, query or fragment: %s → %s', (url, shown) => {
    const doc = statusSnapshot(inputs({ replicas: [replica({ url })] }));
    expect(doc.groups[0]!.replicas[0]!.url).toBe(shown);
    expect(JSON.stringify(doc)).not.toContain('secret');
    expect(displayUrl(url)).toBe(shown);
  });

  it('a credential in an event message is scrubbed too', () => {
    const events: StatusEvent[] = [{ at: NOW - 1000, kind: 'replica_down', replica: 'r1', message: 'http://admin:hunter2@prom-a:9090 is down' }];
    const doc = statusSnapshot(inputs({ events }));
    expect(doc.events).toEqual([{ at: '2024-01-02T11:59:59.000Z', kind: 'replica_down', replica: 'r1', message: 'http://prom-a:9090 is down' }]);
    expect(JSON.stringify(doc)).not.toContain('hunter2');
  });

  it('events keep their order (newest first, as the log gives them); one without a replica says null', () => {
    const events: StatusEvent[] = [
      { at: NOW - 1_000, kind: 'reload', message: 'configuration reloaded' },
      { at: NOW - 5_000, kind: 'breaker_open', replica: 'r2', message: 'circuit breaker open' },
    ];
    expect(statusSnapshot(inputs({ events })).events).toEqual([
      { at: '2024-01-02T11:59:59.000Z', kind: 'reload', replica: null, message: 'configuration reloaded' },
      { at: '2024-01-02T11:59:55.000Z', kind: 'breaker_open', replica: 'r2', message: 'circuit breaker open' },
    ]);
  });

  it('replica stats: counts, error ratio, latency and last failover from the window', () => {
    const stats = (name: string) =>
      name === 'r1'
        ? windowOf({ requests: 200, errors: 5, timeouts: 3, connectionErrors: 2, canceled: 4, breakerRejected: 1, latency: { count: 190, mean: 0.02, p50: 0.015, p99: 0.2, max: 0.4 }, lastFailoverAt: NOW - 30_000 })
        : undefined;
    const doc = statusSnapshot(inputs({ replicas: [replica({ inFlight: 3 }), replica({ name: 'r2' })], stats }));
    const [r1, r2] = doc.groups[0]!.replicas;
    expect(r1).toMatchObject({
      inFlight: 3,
      windowSeconds: 60,
      requests: 200,
      errors: 5,
      errorRatio: 0.025,
      timeouts: 3,
      connectionErrors: 2,
      replicaFaults: 0,
      canceled: 4,
      breakerRejected: 1,
      latency: { mean: 0.02, p50: 0.015, p99: 0.2, max: 0.4 },
      lastFailoverAt: '2024-01-02T11:59:30.000Z',
    });
    // No traffic yet: no ratio rather than 0/0.
    expect(r2).toMatchObject({ windowSeconds: null, requests: 0, errors: 0, errorRatio: null, latency: null, lastFailoverAt: null });
  });

  it('known holes and unverified spans, with open ends spelt as words', () => {
    const doc = statusSnapshot(
      inputs({
        replicas: [
          replica({
            holes: [{ start: Date.UTC(2024, 0, 2, 10), end: Date.UTC(2024, 0, 2, 10, 5) }],
            suspect: [{ start: Date.UTC(2024, 0, 2, 11, 50), end: Number.POSITIVE_INFINITY }, { start: Number.NEGATIVE_INFINITY, end: Date.UTC(2024, 0, 1) }],
            probedUntil: Date.UTC(2024, 0, 2, 11, 59),
          }),
        ],
      }),
    );
    expect(doc.groups[0]!.replicas[0]).toMatchObject({
      holes: [{ start: '2024-01-02T10:00:00.000Z', end: '2024-01-02T10:05:00.000Z' }],
      suspect: [
        { start: '2024-01-02T11:50:00.000Z', end: 'now' },
        { start: 'beginning', end: '2024-01-01T00:00:00.000Z' },
      ],
      probedUntil: '2024-01-02T11:59:00.000Z',
    });
    expect(statusSnapshot(inputs()).groups[0]!.replicas[0]).toMatchObject({ holes: [], suspect: [], probedUntil: null });
  });

  it.each([
    ['no lookups yet: no ratio rather than NaN', { hits: 0, misses: 0, bytes: 0, entries: 0, maxBytes: 1024 }, { hitRatio: null, lookups: 0, fill: 0 }],
    ['hits over all lookups', { hits: 3, misses: 1, bytes: 256, entries: 2, maxBytes: 1024 }, { hitRatio: 0.75, lookups: 4, fill: 0.25 }],
    ['a partial answer is a lookup, not a hit', { hits: 1, misses: 1, partial: 2, bytes: 0, entries: 0, maxBytes: 1024 }, { hitRatio: 0.25, lookups: 4, partial: 2 }],
    ['max_bytes 0: no fill ratio', { hits: 1, misses: 0, bytes: 0, entries: 0, maxBytes: 0 }, { hitRatio: 1, fill: null }],
    ['all misses', { hits: 0, misses: 7, bytes: 10, entries: 1, maxBytes: 100 }, { hitRatio: 0, lookups: 7, fill: 0.1 }],
  ])('cache: %s', (_what, cache, want) => {
    expect(statusSnapshot(inputs({ cache })).cache).toMatchObject({ enabled: true, ...want });
  });

  it('cache off: says so and nothing else', () => {
    expect(statusSnapshot(inputs({ cache: undefined })).cache).toEqual({ enabled: false });
  });

  it('config reload: when it last happened and how it went; unsupported without input', () => {
    expect(statusSnapshot(inputs()).reload).toEqual({ supported: false, lastReloadSuccessful: null, lastReloadAt: null });
    expect(statusSnapshot(inputs({ reload: { lastReloadSuccessful: true } })).reload).toEqual({ supported: true, lastReloadSuccessful: true, lastReloadAt: null });
    expect(statusSnapshot(inputs({ reload: { lastReloadSuccessful: false, lastReloadAt: NOW - 60_000 } })).reload).toEqual({
      supported: true,
      lastReloadSuccessful: false,
      lastReloadAt: '2024-01-02T11:59:00.000Z',
    });
  });

  it('is always valid JSON: no NaN or Infinity sneaks in from a bad count', () => {
    const doc = statusSnapshot(
      inputs({
        replicas: [replica({ inFlight: Number.NaN })],
        stats: () => windowOf({ requests: Number.POSITIVE_INFINITY, errors: Number.NaN }),
        cache: { hits: Number.NaN, misses: 0, bytes: Number.POSITIVE_INFINITY, entries: -1, maxBytes: 10 },
      }),
    );
    const json = JSON.stringify(doc);
    expect(JSON.parse(json)).toEqual(doc);
    expect(json).not.toMatch(/NaN|Infinity/);
    expect(doc.groups[0]!.replicas[0]).toMatchObject({ inFlight: 0, requests: 0, errors: 0, errorRatio: null });
    expect(doc.cache).toMatchObject({ hits: 0, bytes: 0, entries: 0, hitRatio: null });
  });

  it('holds nothing but what it was given: no header, no config, no secret-bearing field', () => {
    const doc = statusSnapshot(inputs());
    expect(Object.keys(doc).sort()).toEqual(['cache', 'events', 'generatedAt', 'groups', 'promgate', 'reload']);
    expect(Object.keys(doc.groups[0]!.replicas[0]!).sort()).toEqual(
      [
        'breaker', 'breakerRejected', 'canceled', 'connectionErrors', 'errorRatio', 'errors', 'healthy', 'holes', 'inFlight', 'lastFailoverAt',
        'latency', 'live', 'name', 'probedUntil', 'reason', 'replicaFaults', 'requests', 'state', 'suspect', 'timeouts', 'url', 'windowSeconds',
      ].sort(),
    );
  });
});
