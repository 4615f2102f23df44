// Through promgate == direct: every answer a client gets through promgate is the answer the replica
// gives directly: status, content type, and body (byte-equal where Prometheus is deterministic,
// equal up to series order for instant queries: see canonical-response.ts). The cache, when one is
// configured, runs with its defaults here: it must never change an answer.

import { gunzipSync, inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalResponse } from '../helpers/canonical-response.js';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { header, mapLimit, requestBytes, type ByteAnswer, type ByteRequest } from '../helpers/request-bytes.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';
import { DATA_END_MS, DATA_START_MS, failingQueries, instantQueries, rangeQueries } from './corpus.js';

const CONCURRENCY = 8;
const START_S = DATA_START_MS / 1000;
const END_S = DATA_END_MS / 1000;
const MID_S = (START_S + END_S) / 2;
const INSTANT_TIME = String(MID_S + 7);
/** The same instant as INSTANT_TIME, spelt as RFC 3339: the POST requests use it. */
const INSTANT_TIME_RFC3339 = new Date((MID_S + 7) * 1000).toISOString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** Windows inside the data: aligned and not, short and whole, numeric, RFC 3339 and duration steps. */
const WINDOWS: readonly Record<'start' | 'end' | 'step', string>[] = [
  { start: String(MID_S - 3600), end: String(MID_S), step: '60' },
  { start: String(START_S + 1234.5), end: String(START_S + 1234.5 + 1800), step: '15' },
  { start: String(START_S), end: String(END_S - 15), step: '300' },
  { start: String(MID_S + 17), end: String(MID_S + 17 + 7200), step: '37' },
  { start: '2026-10-31T20:00:00.250Z', end: '2026-10-31T21:30:00.500Z', step: '1m30s' },
];

let cluster: ReplicaCluster;
let gw: TestGateway;
let direct: readonly string[];

beforeAll(async () => {
  requirePrometheus();
  // A lookback longer than the data's age lets /federate (which only evaluates at "now") return the
  // backfilled series. It changes no comparison: both sides ask the same replicas.
  cluster = await startReplicas(2, { extraArgs: ['--query.lookback-delta=36500d'] });
  direct = cluster.urls;
  gw = await startGateway(cluster.urls);
});

afterAll(async () => {
  await gw?.close();
  await cluster?.stopAll();
});

interface Pair {
  readonly via: ByteAnswer;
  readonly direct: ByteAnswer;
}

/** The same request through promgate and straight to replica `i % 2`. */
async function both(pathAndQuery: string, opts: ByteRequest = {}, i = 0): Promise<Pair> {
  const [via, dir] = await Promise.all([requestBytes(gw.url + pathAndQuery, opts), requestBytes(direct[i % direct.length]! + pathAndQuery, opts)]);
  return { via, direct: dir };
}

function qs(params: Record<string, string> | [string, string][]): string {
  return new URLSearchParams(params).toString();
}

function expectSameHead(p: Pair, what: string): void {
  expect(p.via.status, what).toBe(p.direct.status);
  expect(header(p.via, 'content-type'), what).toBe(header(p.direct, 'content-type'));
  expect(header(p.via, 'content-encoding'), what).toBe(header(p.direct, 'content-encoding'));
}

function expectSameBytes(p: Pair, what: string): void {
  expectSameHead(p, what);
  expect(p.via.body.toString('utf8'), what).toBe(p.direct.body.toString('utf8'));
}

function expectSameInstant(p: Pair, what: string): void {
  expectSameHead(p, what);
  expect(canonicalResponse(p.via.body.toString('utf8')), what).toBe(canonicalResponse(p.direct.body.toString('utf8')));
}

describe('query API through promgate equals direct, over the whole corpus', () => {
  it('instant queries, GET and form POST', async () => {
    await mapLimit(instantQueries, CONCURRENCY, async (query, i) => {
      const get = await both(`/api/v1/query?${qs({ query, time: INSTANT_TIME })}`, {}, i);
      expect(get.direct.status, query).toBe(200);
      expectSameInstant(get, `GET ${query}`);
      const post = await both('/api/v1/query', { method: 'POST', headers: FORM, body: qs({ query, time: INSTANT_TIME_RFC3339 }) }, i + 1);
      expect(post.direct.status, query).toBe(200);
      expectSameInstant(post, `POST ${query}`);
    });
  });

  it('range queries over several windows and steps, GET and form POST: byte-equal', async () => {
    await mapLimit(rangeQueries, CONCURRENCY, async (query, i) => {
      const wGet = WINDOWS[i % WINDOWS.length]!;
      const get = await both(`/api/v1/query_range?${qs({ query, ...wGet })}`, {}, i);
      expect(get.direct.status, query).toBe(200);
      expectSameBytes(get, `GET ${query} ${JSON.stringify(wGet)}`);
      const wPost = WINDOWS[(i + 2) % WINDOWS.length]!;
      const post = await both('/api/v1/query_range', { method: 'POST', headers: FORM, body: qs({ query, ...wPost }) }, i + 1);
      expect(post.direct.status, query).toBe(200);
      expectSameBytes(post, `POST ${query} ${JSON.stringify(wPost)}`);
    });
  });

  it("failing queries: Prometheus's own status and error JSON, unchanged", async () => {
    const cases = failingQueries.flatMap(({ query, status }) => [
      { path: `/api/v1/query?${qs({ query, time: INSTANT_TIME })}`, opts: {}, status },
      { path: `/api/v1/query_range?${qs({ query, ...WINDOWS[0]! })}`, opts: {}, status },
      { path: '/api/v1/query', opts: { method: 'POST', headers: FORM, body: qs({ query, time: INSTANT_TIME }) }, status },
    ]);
    await mapLimit(cases, CONCURRENCY, async ({ path, opts, status }, i) => {
      const p = await both(path, opts, i);
      expect(p.direct.status, path).toBe(status);
      expectSameBytes(p, `${opts.method ?? 'GET'} ${path}`);
      expect(JSON.parse(p.via.body.toString('utf8'))).toMatchObject({ status: 'error', errorType: expect.any(String), error: expect.any(String) });
    });
  });

  it('malformed parameters: the replica answers, promgate passes it on', async () => {
    const paths = [
      '/api/v1/query_range?query=up&start=abc&end=1&step=1',
      '/api/v1/query_range?query=up&start=2&end=1&step=1',
      `/api/v1/query_range?query=up&start=${START_S}&end=${END_S}&step=0.1`,
      '/api/v1/query_range?query=up&start=1&end=2',
      '/api/v1/query?query=up&time=yesterday',
      '/api/v1/query?query=up&timeout=-1s',
      '/api/v1/query',
    ];
    for (const [i, path] of paths.entries()) expectSameBytes(await both(path, {}, i), path);
  });
});

describe('metadata and status endpoints through promgate equal direct', () => {
  const window = { start: String(START_S), end: String(END_S) };
  const verbatim = [
    '/api/v1/labels',
    `/api/v1/labels?${qs(window)}`,
    `/api/v1/labels?${qs([['match[]', 'demo_num_cpus'], ['match[]', 'demo_memory_usage_bytes{type="free"}'], ['start', window.start], ['end', window.end]])}`,
    `/api/v1/series?${qs([['match[]', 'demo_num_cpus'], ['match[]', 'demo_memory_usage_bytes{type="free"}'], ['start', window.start], ['end', window.end]])}`,
    `/api/v1/series?${qs([['match[]', '{__name__=~"demo_cpu.*"}'], ['match[]', 'demo_num_cpus']])}`,
    '/api/v1/series',
    `/api/v1/series?${qs([['match[]', '{job=~".*"}']])}`,
    '/api/v1/label/__name__/values',
    `/api/v1/label/instance/values?${qs(window)}`,
    `/api/v1/label/type/values?${qs([['match[]', 'demo_memory_usage_bytes'], ['start', window.start], ['end', window.end]])}`,
    '/api/v1/label/nonexistent/values',
    '/api/v1/label/not-a-label/values',
    '/api/v1/metadata',
    '/api/v1/metadata?metric=demo_num_cpus&limit=1',
    '/api/v1/targets',
    '/api/v1/targets?state=active',
    '/api/v1/targets/metadata',
    '/api/v1/rules',
    '/api/v1/rules?type=alert',
    '/api/v1/alerts',
    '/api/v1/alertmanagers',
    '/api/v1/status/buildinfo',
    '/api/v1/status/walreplay',
    `/api/v1/query_exemplars?${qs({ query: 'demo_api_request_duration_seconds_bucket', ...window })}`,
    `/api/v1/query_exemplars?${qs({ query: 'sum(', ...window })}`,
    `/api/v1/format_query?${qs({ query: 'sum(rate(demo_cpu_usage_seconds_total[5m]))by(instance)' })}`,
    `/api/v1/format_query?${qs({ query: 'sum(' })}`,
    // Not in Prometheus 2.42 (404 there): allowlisted by promgate, so the replica's own 404 comes back.
    `/api/v1/parse_query?${qs({ query: 'up' })}`,
  ];

  it('answer verbatim (byte-equal)', async () => {
    await mapLimit(verbatim, CONCURRENCY, async (path, i) => expectSameBytes(await both(path, {}, i), path));
    await mapLimit(verbatim.slice(0, 5), CONCURRENCY, async (path, i) => {
      const [p, q] = path.split('?') as [string, string | undefined];
      expectSameBytes(await both(p, { method: 'POST', headers: FORM, body: q ?? '' }, i), `POST ${path}`);
    });
  });

  it('status pages with live fields (flags, config, runtimeinfo, tsdb): same status and shape', async () => {
    for (const path of ['/api/v1/status/flags', '/api/v1/status/config', '/api/v1/status/runtimeinfo', '/api/v1/status/tsdb']) {
      const p = await both(path);
      expectSameHead(p, path);
      expect(p.via.status, path).toBe(200);
      const [v, d] = [p.via, p.direct].map((a) => JSON.parse(a.body.toString('utf8')) as { status: string; data: Record<string, unknown> });
      expect(v!.status, path).toBe('success');
      expect(Object.keys(v!.data).sort(), path).toEqual(Object.keys(d!.data).sort());
    }
  });

  it('/federate: the same lines (order may vary)', async () => {
    const lines = (a: ByteAnswer) => a.body.toString('utf8').split('\n').filter((l) => l !== '').sort();
    const paths = [
      `/federate?${qs([['match[]', 'demo_num_cpus'], ['match[]', 'demo_memory_usage_bytes{type="free"}']])}`,
      `/federate?${qs([['match[]', '{__name__=~"demo_api.*"}']])}`,
      '/federate',
      `/federate?${qs([['match[]', 'sum(']])}`,
    ];
    for (const [i, path] of paths.entries()) {
      const p = await both(path, {}, i);
      expectSameHead(p, path);
      expect(lines(p.via), path).toEqual(lines(p.direct));
    }
    // The lookback reaches the backfilled data only when the clock is past it.
    if (Date.now() > DATA_END_MS) {
      const p = await both(paths[0]!);
      expect(lines(p.via).filter((l) => !l.startsWith('#')).length).toBe(6);
    }
  });

  it('/api/v1/read (remote read, snappy + protobuf): byte-equal; bad bodies get the same error', async () => {
    const protobuf = { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy', 'x-prometheus-remote-read-version': '0.1.0' };
    const read = (name: string) => snappyLiteral(readRequest(DATA_START_MS, DATA_START_MS + 600_000, name));
    const ok = await both('/api/v1/read', { method: 'POST', headers: protobuf, body: read('demo_num_cpus') });
    expect(ok.direct.status).toBe(200);
    expectSameBytes(ok, 'remote read');
    expect(Buffer.compare(ok.via.body, ok.direct.body)).toBe(0);
    const none = await both('/api/v1/read', { method: 'POST', headers: protobuf, body: read('nonexistent_metric_name') });
    expect(Buffer.compare(none.via.body, none.direct.body)).toBe(0);
    expect(ok.via.body.length).toBeGreaterThan(none.via.body.length + 100);

    const bad = await both('/api/v1/read', { method: 'POST', headers: protobuf, body: 'garbage' });
    expect(bad.direct.status).toBe(400);
    expectSameBytes(bad, 'remote read, corrupt body');
    const get = await both('/api/v1/read');
    expectSameHead(get, 'GET /api/v1/read');
  });
});

describe('compression', () => {
  const cases: { path: string; instant: boolean }[] = [
    ...rangeQueries.slice(0, 40).filter((_, i) => i % 4 === 0).map((query, i) => ({ path: `/api/v1/query_range?${qs({ query, ...WINDOWS[i % WINDOWS.length]! })}`, instant: false })),
    ...instantQueries.slice(40, 80).filter((_, i) => i % 4 === 0).map((query) => ({ path: `/api/v1/query?${qs({ query, time: INSTANT_TIME })}`, instant: true })),
    { path: '/api/v1/labels', instant: false },
    { path: '/api/v1/status/buildinfo', instant: false },
    { path: `/federate?${qs([['match[]', 'demo_num_cpus']])}`, instant: true },
  ];
  const decoded = (a: ByteAnswer) => {
    const coding = header(a, 'content-encoding');
    return (coding === 'gzip' ? gunzipSync(a.body) : coding === 'deflate' ? inflateSync(a.body) : a.body).toString('utf8');
  };
  const sameDecoded = (via: ByteAnswer, dir: ByteAnswer, instant: boolean, what: string) => {
    if (!instant) return expect(decoded(via), what).toBe(decoded(dir));
    if (what.includes('/federate')) return expect(decoded(via).split('\n').sort(), what).toEqual(decoded(dir).split('\n').sort());
    return expect(canonicalResponse(decoded(via)), what).toBe(canonicalResponse(decoded(dir)));
  };

  // Each path is asked in turn without and with gzip, then again: a client's encoding must never
  // leak into another client's answer (through a cache or otherwise).
  it('Accept-Encoding: gzip gets gzip when the replica gzips, and the same body once decompressed', async () => {
    const problems: string[] = [];
    await mapLimit(cases, CONCURRENCY, async ({ path, instant }, i) => {
      for (const ae of [undefined, 'gzip', undefined, 'gzip', 'deflate, gzip;q=0.5']) {
        const what = `${ae ?? 'identity'} ${path}`;
        const [via, dir] = await Promise.all([
          requestBytes(gw.url + path, { headers: ae === undefined ? {} : { 'accept-encoding': ae } }),
          // Prometheus itself would pick deflate from the last value; promgate only asks for gzip.
          requestBytes(direct[i % direct.length]! + path, { headers: ae === undefined ? {} : { 'accept-encoding': 'gzip' } }),
        ]);
        expect(header(dir, 'content-encoding'), what).toBe(ae === undefined ? undefined : 'gzip');
        const got = `${via.status} ${header(via, 'content-type')} encoding=${header(via, 'content-encoding')}`;
        const want = `${dir.status} ${header(dir, 'content-type')} encoding=${header(dir, 'content-encoding')}`;
        if (got !== want) problems.push(`${what}: got ${got} (x-promgate-cache: ${header(via, 'x-promgate-cache')}), direct ${want}`);
        sameDecoded(via, dir, instant, what);
      }
    });
    expect(problems).toEqual([]);
  });

  it('never answers br or zstd; deflate only when asked, as the replica would; decoded body equals direct', async () => {
    await mapLimit(cases, CONCURRENCY, async ({ path, instant }, i) => {
      for (const ae of ['br', 'zstd', 'br;q=1, deflate;q=0.5', 'gzip;q=0, br']) {
        const [via, dir] = await Promise.all([
          requestBytes(gw.url + path, { headers: { 'accept-encoding': ae } }),
          requestBytes(direct[i % direct.length]! + path, {}),
        ]);
        expect(header(via, 'content-encoding'), `${ae} ${path}`).toBe(ae.includes('deflate') ? 'deflate' : undefined);
        expect(via.status).toBe(dir.status);
        sameDecoded(via, dir, instant, `${ae} ${path}`);
      }
      // Clients that accept anything may get gzip; decompressed it is still the same answer.
      const [star, dir] = await Promise.all([requestBytes(gw.url + path, { headers: { 'accept-encoding': 'br, *;q=0.1' } }), requestBytes(direct[0]! + path)]);
      expect(['gzip', undefined]).toContain(header(star, 'content-encoding'));
      sameDecoded(star, dir, instant, `* ${path}`);
    });
  });
});

// Remote read request, encoded by hand (no protobuf or snappy library in the tree):
// prompb.ReadRequest{queries: [Query{start_timestamp_ms, end_timestamp_ms, matchers: [EQ __name__=name]}]}.
function readRequest(startMs: number, endMs: number, name: string): Buffer {
  const matcher = Buffer.concat([field(2, Buffer.from('__name__')), field(3, Buffer.from(name))]);
  const query = Buffer.concat([Buffer.from([0x08]), varint(startMs), Buffer.from([0x10]), varint(endMs), field(3, matcher)]);
  return field(1, query);
}

function field(num: number, bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(num << 3) | 2]), varint(bytes.length), bytes]);
}

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}

/** Snappy block format with one literal: a valid (uncompressed) snappy stream. */
function snappyLiteral(data: Buffer): Buffer {
  if (data.length === 0 || data.length > 0x10000) throw new Error('snappyLiteral: 1..65536 bytes');
  const n = data.length - 1;
  const tag = n < 60 ? Buffer.from([n << 2]) : n < 0x100 ? Buffer.from([60 << 2, n]) : Buffer.from([61 << 2, n & 0xff, n >> 8]);
  return Buffer.concat([varint(data.length), tag, data]);
}
