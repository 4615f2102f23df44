// Admin and lifecycle calls never reach a replica, however they are spelt, and no input makes
// promgate fail on its own (no 500, still answering afterwards). Replicas run with
// --web.enable-admin-api and --web.enable-lifecycle, so anything that slipped through would act:
// a snapshot on disk, deleted series, a replica that quit. Each replica sits behind a recording
// proxy, so we also see every request that reached it, whether or not Prometheus counts it.

import { readdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import { httpGet } from '../helpers/http-get.js';
import { mulberry32 } from '../helpers/openmetrics.js';
import { countRequests, type PrometheusHandle } from '../helpers/prometheus.js';
import { rawRequest, type RawAnswer } from '../helpers/raw-http.js';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy.js';
import { mapLimit, requestBytes } from '../helpers/request-bytes.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';
import { DATA_END_MS, DATA_START_MS } from './corpus.js';

const MID_S = (DATA_START_MS + DATA_END_MS) / 2 / 1000;
const KIB = 1024;
const LIMITS = { url: 4 * KIB, header: 8 * KIB, body: 64 * KIB };
const GATEWAY_YAML = `limits: {max_url_bytes: ${LIMITS.url}, max_header_bytes: ${LIMITS.header}, max_body_bytes: ${LIMITS.body}}`;

/** prometheus_http_requests_total handler labels of the write, admin and lifecycle handlers in 2.42. */
const DANGEROUS_HANDLERS = [
  '/api/v1/admin/tsdb/snapshot',
  '/api/v1/admin/tsdb/delete_series',
  '/api/v1/admin/tsdb/clean_tombstones',
  '/-/reload',
  '/-/quit',
  '/api/v1/write',
];
const FORBIDDEN_PREFIXES = ['/api/v1/admin', '/api/v1/write', '/api/v1/otlp', '/-/reload', '/-/quit'];
const ALLOWED = /^\/(federate|api\/v1\/(query|query_range|query_exemplars|format_query|parse_query|labels|series|metadata|targets|targets\/metadata|rules|alerts|alertmanagers|read|status\/(config|flags|runtimeinfo|buildinfo|tsdb|walreplay)|label\/[^/]+\/values))$/;

let cluster: ReplicaCluster;
let replicas: readonly PrometheusHandle[];
let proxies: RecordingProxy[] = [];
let gw: TestGateway;
let port: number;
let seriesBefore: string;

const SERIES_QUERY = `/api/v1/query?${new URLSearchParams({ query: 'count({__name__=~"demo_.+"})', time: String(MID_S) })}`;

beforeAll(async () => {
  requirePrometheus();
  cluster = await startReplicas(2);
  replicas = cluster.replicas;
  proxies = await Promise.all(replicas.map((r) => startRecordingProxy(r.url)));
  gw = await startGateway(
    proxies.map((p) => p.url),
    GATEWAY_YAML,
  );
  port = Number(new URL(gw.url).port);
  seriesBefore = (await httpGet(replicas[0]!.url + SERIES_QUERY)).body;
  expect(JSON.parse(seriesBefore).data.result[0].value[1]).not.toBe('0');
});

afterAll(async () => {
  await gw?.close();
  await Promise.all(proxies.map((p) => p.close()));
  await cluster?.stopAll();
});

function raw(method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawAnswer> {
  const head = { host: `127.0.0.1:${port}`, connection: 'close', 'content-length': String(Buffer.byteLength(body)), ...headers };
  const lines = Object.entries(head).map(([k, v]) => `${k}: ${v}`);
  return rawRequest(port, `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n${body}`);
}

/** A 4xx from promgate itself, in Prometheus's error shape. */
function expectRefused(a: RawAnswer, what: string): void {
  expect(a.status, `${what}: no answer, the connection was ${a.timedOut ? 'left hanging' : 'closed'}`).toBeDefined();
  expect(a.status, `${what}\n${a.raw.slice(0, 400)}`).toBeGreaterThanOrEqual(400);
  expect(a.status, `${what}\n${a.raw.slice(0, 400)}`).toBeLessThan(500);
  expect(a.headers['content-type'], what).toMatch(/^application\/json/);
  expect(a.headers['x-promgate-replica'], `${what}: answered by a replica`).toBeUndefined();
  const body = JSON.parse(a.body) as Record<string, unknown>;
  expect(body, what).toEqual({ status: 'error', errorType: expect.any(String), error: expect.any(String) });
}

async function expectStillServing(what: string): Promise<void> {
  const ok = await requestBytes(`${gw.url}/api/v1/query?query=1`);
  expect(ok.status, `promgate after ${what}`).toBe(200);
}

const ADMIN_TARGETS = [
  '/api/v1/admin/tsdb/snapshot',
  '/api/v1/admin/tsdb/snapshot?skip_head=true',
  '/api/v1/admin/tsdb/delete_series?match[]=up',
  `/api/v1/admin/tsdb/delete_series?${new URLSearchParams({ 'match[]': '{__name__=~"demo_.+"}' })}`,
  '/api/v1/admin/tsdb/clean_tombstones',
  '/-/reload',
  '/-/quit',
  '/api/v1/write',
  '/api/v1/otlp/v1/metrics',
];

const HOSTILE_TARGETS = [
  '//api/v1/admin/tsdb/snapshot',
  '/api//v1/admin/tsdb/snapshot',
  '/api/v1//admin/tsdb/snapshot',
  '/./api/v1/admin/tsdb/snapshot',
  '/api/v1/%61dmin/tsdb/snapshot',
  '/api/v1/ad%6Din/tsdb/snapsho%74',
  '/%61%70%69/%76%31/%61%64%6d%69%6e/tsdb/snapshot',
  '/api/v1/query/../admin/tsdb/snapshot',
  '/api/v1/query/%2e%2e/admin/tsdb/snapshot',
  '/api/v1/query/%2E%2E/admin/tsdb/snapshot',
  '/api/v1/query/.%2e/admin/tsdb/snapshot',
  '/api/v1/label/x/values/../../../admin/tsdb/snapshot',
  '/api/v1/label/%2e%2e/%2e%2e/admin/tsdb/snapshot/values',
  '/federate/../api/v1/admin/tsdb/snapshot',
  '/federate/../-/quit',
  '/api/v1/admin%2Ftsdb%2Fsnapshot',
  '/api/v1/admin%2ftsdb%2fsnapshot',
  '/api/v1/query%2F..%2Fadmin%2Ftsdb%2Fsnapshot',
  '/api/v1/label/..%2F..%2Fadmin%2Ftsdb%2Fsnapshot/values',
  '/%2D/quit',
  '/%2d/reload',
  '/-%2Fquit',
  '/-/./reload',
  '/-/quit/',
  '/-/quit/.',
  '/-/reload/..//reload',
  '/./-/quit',
  '/API/V1/ADMIN/TSDB/SNAPSHOT',
  '/api/v1/Admin/tsdb/snapshot',
  '/Api/v1/admin/tsdb/snapshot',
  '/api/v1/ADMIN/tsdb/delete_series?match[]=up',
  '/-/QUIT',
  '/-/Reload',
  '/api/v1/WRITE',
  '/api/v1/write/',
  '/api/v1/Otlp/v1/metrics',
  '/api/v1/admin/tsdb/snapshot%00',
  '/api/v1/admin/tsdb/snapshot%2500',
  '/api/v1/admin/tsdb/snapshot;x=1',
  '/api/v1/admin/tsdb/snapshot#frag',
  '/api/v1/admin\\tsdb\\snapshot',
  '/-\\quit',
  '/api/v1/%c0%ae%c0%ae/admin/tsdb/snapshot',
  '/api/v1/query/%c0%ae%c0%ae/admin/tsdb/snapshot',
  '/api/v1/%ef%bc%8e%ef%bc%8e/admin',
  '/api/v1/%zz/admin/tsdb/snapshot',
  '/api/v1/%/admin',
];

describe('admin, write and lifecycle calls are refused by promgate', () => {
  it('plain spellings, every method', async () => {
    const cases = ADMIN_TARGETS.flatMap((t) => ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'].map((m) => [m, t] as const));
    await mapLimit(cases, 8, async ([method, target]) => {
      const a = await raw(method, target, method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, method === 'POST' ? 'match[]=up' : '');
      if (method === 'HEAD') {
        expect(a.status, `HEAD ${target}`).toBeGreaterThanOrEqual(400);
        expect(a.status, `HEAD ${target}`).toBeLessThan(500);
        return;
      }
      expectRefused(a, `${method} ${target}`);
    });
  });

  it('hostile spellings: encodings, dot segments, doubled slashes, case, NUL, backslashes', async () => {
    await mapLimit(
      HOSTILE_TARGETS.flatMap((t) => [['POST', t] as const, ['GET', t] as const, ['PUT', t] as const]),
      8,
      async ([method, target]) => expectRefused(await raw(method, target), `${method} ${target}`),
    );
  });

  it('absolute-form and asterisk-form request targets', async () => {
    const hosts = [...replicas.map((r) => `127.0.0.1:${r.port}`), ...proxies.map((p) => `127.0.0.1:${p.port}`), `127.0.0.1:${port}`, 'localhost:9090'];
    const targets = hosts.flatMap((h) => [`http://${h}/api/v1/admin/tsdb/snapshot`, `http://${h}/-/quit`, `HTTP://${h}//-/reload`, `http://${h}/api/v1/query?query=up`]);
    for (const target of targets) {
      for (const method of ['GET', 'POST']) expectRefused(await raw(method, target, { host: new URL(target).host }), `${method} ${target}`);
    }
    expectRefused(await raw('OPTIONS', '*'), 'OPTIONS *');
    expectRefused(await raw('POST', '*'), 'POST *');
  });

  it('CONNECT gets a 4xx and is not tunnelled anywhere', async () => {
    const targets = [`127.0.0.1:${replicas[0]!.port}`, `127.0.0.1:${proxies[0]!.port}`, '/-/quit', `http://127.0.0.1:${replicas[0]!.port}/-/quit`];
    const answers = await Promise.all(targets.map((t) => raw('CONNECT', t, { host: t.replace(/^http:\/\/|\/.*$/g, '') || 'x' })));
    // Whatever promgate answered, no replica saw a CONNECT (checked again at the end).
    expect(proxies.flatMap((p) => p.seen.filter((s) => s.kind === 'connect' || s.method === 'CONNECT'))).toEqual([]);
    await expectStillServing('CONNECT');
    answers.forEach((a, i) => expectRefused(a, `CONNECT ${targets[i]}`));
  });

  it('Upgrade requests are answered as plain requests and refused', async () => {
    for (const target of ['/-/quit', '/api/v1/admin/tsdb/snapshot']) {
      expectRefused(await raw('POST', target, { connection: 'Upgrade', upgrade: 'websocket' }), `Upgrade POST ${target}`);
      expectRefused(await raw('GET', target, { connection: 'Upgrade, HTTP2-Settings', upgrade: 'h2c', 'http2-settings': 'AAMAAABkAARAAAAAAAIAAAAA' }), `h2c GET ${target}`);
    }
  });

  it('odd Host, X-Forwarded-*, X-Original-URL and method-override headers change nothing', async () => {
    const replicaHost = `127.0.0.1:${replicas[0]!.port}`;
    const odd: Record<string, string>[] = [
      { host: replicaHost },
      { host: 'evil.example' },
      { host: '' },
      { host: 'localhost:9090', 'x-forwarded-host': replicaHost, 'x-forwarded-proto': 'http', 'x-forwarded-port': String(replicas[0]!.port) },
      { forwarded: `host=${replicaHost};proto=http`, 'x-forwarded-for': '127.0.0.1' },
      { 'x-original-url': '/-/quit', 'x-rewrite-url': '/api/v1/admin/tsdb/snapshot', 'x-forwarded-prefix': '/-/quit' },
      { 'x-http-method-override': 'DELETE', 'x-http-method': 'PUT', 'x-method-override': 'POST' },
    ];
    for (const headers of odd) {
      for (const target of ['/api/v1/admin/tsdb/snapshot', '/-/quit', '/-/reload']) {
        for (const method of ['POST', 'PUT', 'GET']) expectRefused(await raw(method, target, headers), `${method} ${target} ${JSON.stringify(headers)}`);
      }
    }
    // A read request with the same headers is answered, and reaches the replica addressed as configured.
    const marker = `up_odd_headers_${Date.now()}`;
    for (const headers of odd) {
      const a = await raw('GET', `/api/v1/query?query=${marker}`, headers);
      expect(a.status, JSON.stringify(headers)).toBe(200);
    }
    const seen = proxies.flatMap((p) => p.seen.filter((s) => s.url.includes(marker)).map((s) => ({ s, proxyPort: p.port })));
    expect(seen.length).toBeGreaterThanOrEqual(odd.length);
    for (const { s, proxyPort } of seen) {
      expect(s.method).toBe('GET');
      expect(s.headers.host).toBe(`127.0.0.1:${proxyPort}`);
      expect(s.headers['x-forwarded-host']).toBeUndefined();
      expect(s.headers.forwarded).toBeUndefined();
    }
  });

  it('pipelining and request smuggling do not sneak a call through (proved at the end)', async () => {
    const quit = 'POST /-/quit HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\n\r\n';
    const snap = 'POST /api/v1/admin/tsdb/snapshot HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-length: 0\r\n\r\n';
    const inner = `${quit}${snap}`;
    const payloads = [
      // Pipelined: each request is classified on its own.
      `GET /api/v1/query?query=1 HTTP/1.1\r\nhost: x\r\n\r\n${inner}`,
      // CL.TE and TE.CL: a front end and a back end that disagree on the framing would forward the inner requests.
      `POST /api/v1/query HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${5 + inner.length}\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n${inner}`,
      `POST /api/v1/query HTTP/1.1\r\nhost: x\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: 4\r\ntransfer-encoding: chunked\r\n\r\n${inner.length.toString(16)}\r\n${inner}\r\n0\r\n\r\n`,
      `POST /api/v1/query HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\ntransfer-encoding: identity\r\n\r\n0\r\n\r\n${inner}`,
      `POST /api/v1/query HTTP/1.1\r\nhost: x\r\ntransfer-encoding : chunked\r\n\r\n0\r\n\r\n${inner}`,
      `POST /api/v1/query HTTP/1.1\r\nhost: x\r\ncontent-length: 0\r\ncontent-length: ${inner.length}\r\n\r\n${inner}`,
      // A body that is itself an HTTP request, forwarded as a body: harmless, it never becomes a request.
      `POST /api/v1/query HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${inner.length}\r\n\r\n${inner}`,
    ];
    for (const payload of payloads) {
      const a = await rawRequest(port, payload, 3_000, true);
      const statuses = [...a.raw.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));
      expect(statuses.length, payload).toBeGreaterThan(0);
      expect(statuses.filter((s) => s >= 500), payload).toEqual([]);
    }
    await expectStillServing('smuggling attempts');
  });

  it('write methods on read endpoints are refused (DELETE /api/v1/series would drop series)', async () => {
    for (const target of ['/api/v1/series?match[]=demo_num_cpus', '/api/v1/query?query=up', '/api/v1/labels', '/federate?match[]=up', '/api/v1/read']) {
      for (const method of ['DELETE', 'PUT', 'PATCH']) expectRefused(await raw(method, target), `${method} ${target}`);
    }
  });
});

describe('bad input gets a 4xx in Prometheus shape, and promgate keeps serving', () => {
  /** A query target of exactly `bytes` bytes. */
  const query = (bytes: number) => `/api/v1/query?query=${'1'.padEnd(bytes - '/api/v1/query?query='.length, '+')}`;

  it(`URL over limits.max_url_bytes (${LIMITS.url}) → 414`, async () => {
    for (const size of [LIMITS.url + 1, LIMITS.url * 3, 20 * KIB, 200 * KIB]) {
      const a = await raw('GET', query(size));
      expect(a.status, `URL of ${size} bytes`).toBe(414);
      expectRefused(a, `URL of ${size} bytes`);
      await expectStillServing(`a URL of ${size} bytes`);
    }
    // At the limit (the target counts, not the Host): forwarded as usual; the replica answers.
    const at = await raw('GET', query(LIMITS.url));
    expect(at.status).toBe(200);
    expect(at.headers['x-promgate-replica']).toBeDefined();
  });

  it(`headers over limits.max_header_bytes (${LIMITS.header}) → 431`, async () => {
    const many = (n: number, size: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`x-pad-${i}`, 'v'.repeat(size)]));
    const cases: [string, Record<string, string>][] = [
      ['one 9KiB header', { 'x-big': 'a'.repeat(9 * KIB) }],
      ['ten 1KiB headers', many(10, KIB)],
      ['one 40KiB header', { cookie: 'c'.repeat(40 * KIB) }],
      ['one 200KiB header', { 'x-big': 'b'.repeat(200 * KIB) }],
      ['100 1KiB headers', many(100, KIB)],
    ];
    for (const [what, headers] of cases) {
      const a = await raw('GET', '/api/v1/query?query=1', headers);
      expect(a.status, what).toBe(431);
      expectRefused(a, what);
      await expectStillServing(what);
    }
  });

  it(`bodies over limits.max_body_bytes (${LIMITS.body}) → 413`, async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const big = `query=${'1'.padEnd(LIMITS.body * 2, '0')}`;
    const cases: [string, () => Promise<RawAnswer>][] = [
      ['Content-Length body', () => raw('POST', '/api/v1/query', form, big)],
      ['declared 1GiB', () => rawRequest(port, `POST /api/v1/query HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: ${2 ** 30}\r\n\r\nquery=1`)],
      ['chunked body', () => rawRequest(port, `POST /api/v1/query HTTP/1.1\r\nhost: x\r\nconnection: close\r\ncontent-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\n\r\n${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`)],
      ['remote read body', () => raw('POST', '/api/v1/read', { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' }, 'x'.repeat(LIMITS.body + 1))],
    ];
    for (const [what, send] of cases) {
      const a = await send();
      expect(a.status, what).toBe(413);
      expectRefused(a, what);
      await expectStillServing(what);
    }
  });

  it("malformed parameters get Prometheus's own 400, unchanged", async () => {
    for (const path of [
      '/api/v1/query_range?query=up&start=abc',
      '/api/v1/query_range?query=up&start=abc&end=1&step=1',
      '/api/v1/query_range?query=up&start=1&end=abc&step=1',
      '/api/v1/query_range?query=up&start=1&end=2&step=-1',
      '/api/v1/query?query=up&time=abc',
      '/api/v1/query?query=up&timeout=abc',
      '/api/v1/series?match[]=%7B',
      '/api/v1/labels?start=abc',
    ]) {
      const [via, direct] = await Promise.all([requestBytes(gw.url + path), requestBytes(replicas[0]!.url + path)]);
      expect(via.status, path).toBe(direct.status);
      expect(via.status, path).toBe(400);
      expect(via.headers['content-type'], path).toBe(direct.headers['content-type']);
      expect(via.body.toString('utf8'), path).toBe(direct.body.toString('utf8'));
    }
  });

  it('no input gives a 500 from promgate: a few hundred random requests', async () => {
    const rnd = mulberry32(20261101);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const SEGMENTS = ['api', 'v1', 'query', 'query_range', 'series', 'labels', 'label', 'values', '__name__', 'admin', 'tsdb', 'snapshot', 'delete_series', '-', 'quit', 'reload', 'ready', 'healthy', 'metrics', 'status', 'config', 'buildinfo', 'federate', 'read', 'write', 'otlp', '..', '.', '', '%2e%2e', '%2F', '%00', '%ff', '%c0%ae', '%', '%zz', '%2D', 'ADMIN', '%61dmin', '\u00e9', ';', '*', '~', '%20', '+'];
    const PARAMS = ['query', 'start', 'end', 'step', 'time', 'match[]', 'timeout', 'limit', 'dedup', 'partial_response', ''];
    const VALUES = ['up', 'demo_num_cpus', 'sum(', '1', '-1', 'abc', '1e400', 'NaN', '+Inf', '0x10', '2026-10-31T21:00:00Z', '{__name__=~".+"}', '%', '%zz', '%00', 'a%26b', '9999999999999999999999', '', String(MID_S), 'rate(demo_cpu_usage_seconds_total[5m])', '"\\u0000"', "'"];
    const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'get', 'G\u00c9T', 'M-SEARCH', 'BREW'];
    const BYTES = ['\t', ' ', '\x7f', '\x01', '\u00ff', '\r', '"', '<', '>', '{', '}', '|', '^', '`'];
    const requests = Array.from({ length: 400 }, () => {
      const segs = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => pick(SEGMENTS));
      let path = `/${segs.join('/')}`;
      if (rnd() < 0.5) path = pick(['/api/v1/query', '/api/v1/query_range', '/api/v1/series', '/api/v1/label/x/values', '/federate']);
      if (rnd() < 0.05) path = `${pick(['//', '/./', '/../', '\\'])}${path}`;
      if (rnd() < 0.05) path += pick(BYTES);
      const query = Array.from({ length: Math.floor(rnd() * 5) }, () => `${pick(PARAMS)}=${rnd() < 0.7 ? encodeURIComponent(pick(VALUES)) : pick(VALUES)}`).join('&');
      const target = query === '' && rnd() < 0.5 ? path : `${path}?${query}`;
      const method = pick(METHODS);
      const body = method === 'POST' ? Array.from({ length: Math.floor(rnd() * 4) }, () => `${pick(PARAMS)}=${encodeURIComponent(pick(VALUES))}`).join('&') : '';
      const headers: Record<string, string> = {};
      if (body !== '' || rnd() < 0.1) headers['content-type'] = pick(['application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x', '']);
      if (rnd() < 0.1) headers['accept-encoding'] = pick(['gzip', 'br', '*', 'gzip;q=0', 'identity;q=0']);
      if (rnd() < 0.05) headers['transfer-encoding'] = pick(['chunked', 'gzip', 'identity']);
      if (rnd() < 0.05) headers['expect'] = '100-continue';
      return { method, target, headers, body };
    });
    const answers = await mapLimit(requests, 16, async (r) => ({ r, a: await raw(r.method, r.target, r.headers, r.body) }));
    const bad = answers.filter(({ a }) => a.status === undefined || a.status === 500 || (a.status >= 500 && a.headers['x-promgate-replica'] === undefined));
    expect(bad.map(({ r, a }) => `${r.method} ${JSON.stringify(r.target)} ${JSON.stringify(r.headers)} → ${a.status ?? (a.timedOut ? 'timeout' : 'closed')} ${a.body.slice(0, 120)}`)).toEqual([]);
    // What promgate answers itself (no replica named) is Prometheus's error JSON.
    const own = answers.filter(({ r, a }) => a.status !== undefined && a.status >= 400 && a.headers['x-promgate-replica'] === undefined && r.method !== 'HEAD');
    const notJson = own.filter(({ a }) => {
      try {
        const body = JSON.parse(a.body) as Record<string, unknown>;
        return body.status !== 'error' || typeof body.errorType !== 'string' || typeof body.error !== 'string' || !/^application\/json/.test(a.headers['content-type'] ?? '');
      } catch {
        return true;
      }
    });
    expect(notJson.map(({ r, a }) => `${r.method} ${JSON.stringify(r.target)} → ${a.status} ${a.headers['content-type']} ${a.body.slice(0, 120)}`)).toEqual([]);
    const statuses = new Map<number, number>();
    for (const { a } of answers) statuses.set(a.status ?? 0, (statuses.get(a.status ?? 0) ?? 0) + 1);
    console.log(`fuzz: ${answers.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect((await requestBytes(`${gw.url}/-/healthy`)).status).toBe(200);
    await expectStillServing('the fuzz');
  });
});

describe('nothing reached a replica', () => {
  it('no snapshot, no deleted series, no reload or quit, no admin or write request counted', async () => {
    for (const r of replicas) {
      const snapshots = await readdir(join(r.dataDir, 'snapshots')).catch(() => []);
      expect(snapshots, `${r.name} snapshots`).toEqual([]);
      expect((await httpGet(`${r.url}/-/ready`, 2_000)).status, `${r.name} still ready`).toBe(200);
      expect((await httpGet(r.url + SERIES_QUERY)).body, `${r.name} series`).toBe(seriesBefore);
      for (const handler of DANGEROUS_HANDLERS) expect(await countRequests(r, handler), `${r.name} ${handler}`).toBe(0);
    }
  });

  it('every request a replica saw was an allowlisted read, with a read method', () => {
    const seen = proxies.flatMap((p) => p.seen);
    const problems = seen.filter((s) => {
      if (s.kind !== 'request') return true;
      const path = goPath(s.url);
      if (path === '/-/ready' && s.method === 'GET') return false;
      if (!['GET', 'POST', 'HEAD', 'OPTIONS'].includes(s.method)) return true;
      if (FORBIDDEN_PREFIXES.some((f) => path.toLowerCase().startsWith(f))) return true;
      return !ALLOWED.test(path);
    });
    expect(problems.map((s) => `${s.kind} ${s.method} ${s.url}`)).toEqual([]);
    expect(seen.filter((s) => goPath(s.url) !== '/-/ready').length).toBeGreaterThan(50);
  });

  // Positive control: the counter and the handler label we read do see an admin call that is made.
  it('a direct admin call is counted (the proof above can fail)', async () => {
    const r = replicas[0]!;
    const res = await requestBytes(`${r.url}/api/v1/admin/tsdb/clean_tombstones`, { method: 'POST' });
    expect(res.status).toBe(204);
    expect(await countRequests(r, '/api/v1/admin/tsdb/clean_tombstones')).toBe(1);
  });
});

/** The path Go's net/http and Prometheus's router would route: decoded once, then cleaned. */
function goPath(target: string): string {
  const q = target.indexOf('?');
  const rawPath = q < 0 ? target : target.slice(0, q);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    decoded = rawPath;
  }
  return posix.normalize(decoded.startsWith('/') ? decoded : `/${decoded}`).replace(/(.)\/$/, '$1');
}
