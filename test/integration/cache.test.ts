import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { fetchText, startGateway, type TestGateway } from '../helpers/gateway.js';
import { DATA_END_MS, DATA_START_MS } from '../helpers/openmetrics.js';
import { countRequests, readQueryLog } from '../helpers/prometheus.js';
import { requestBytes } from '../helpers/request-bytes.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

// Queries whose answers stress the stitching: rates across counter resets, offsets both ways,
// subqueries (aligned to absolute time), `@` pinned times, window-dependent `@ start()`,
// histograms, aggregations that make series appear and vanish (the intermittent metric).
const QUERIES = [
  'demo_memory_usage_bytes',
  'rate(demo_cpu_usage_seconds_total[1m])',
  'sum by (instance) (rate(demo_cpu_usage_seconds_total[5m]))',
  'increase(demo_cpu_usage_seconds_total[2m])',
  'histogram_quantile(0.9, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))',
  'demo_intermittent_metric',
  'count(demo_intermittent_metric) by (instance)',
  'demo_memory_usage_bytes offset 10m',
  'demo_memory_usage_bytes offset -7m',
  'max_over_time(rate(demo_cpu_usage_seconds_total[1m])[10m:30s])',
  'avg_over_time(demo_disk_usage_bytes[3m]) - demo_disk_usage_bytes @ start()',
  'demo_num_cpus * on(instance) group_left demo_batch_last_success_timestamp_seconds @ end()',
  `demo_memory_usage_bytes @ ${(DATA_START_MS + 3600_000) / 1000}`,
  'deriv(demo_disk_usage_bytes[5m])',
  'timestamp(demo_memory_usage_bytes)',
  'time() - demo_batch_last_success_timestamp_seconds',
  'topk(2, demo_memory_usage_bytes)',
  'absent(nonexistent_metric)',
];
const STEPS_S = [5, 15, 30, 60, 137, 300];

let cluster: ReplicaCluster;
let gw: TestGateway;

beforeAll(async () => {
  requirePrometheus();
  cluster = await startReplicas(2, { queryLogFile: true });
  gw = await startGateway(cluster.urls, 'routing: {policy: sticky}\nhealth_check: {interval: 500ms, timeout: 400ms}');
});

afterAll(async () => {
  await gw?.close();
  await cluster?.stopAll();
});

const direct = (path: string) => fetchText(cluster.urls[0] + path);
const via = (path: string, headers: Record<string, string> = {}) => fetchText(gw.url + path, { headers });
const rangePath = (q: string, startS: number, endS: number, step: number | string) =>
  `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${startS}&end=${endS}&step=${step}`;

describe('range delta cache on real Prometheus', () => {
  it('random windows on random grids, asked in random order, equal direct answers sample for sample', async () => {
    const seen = new Map<string, number>();
    const windowOnGrid = (step: number) =>
      fc.record({
        // Starts from before the data to after it, on the grid through `phase`.
        k: fc.integer({ min: -40, max: Math.floor((DATA_END_MS - DATA_START_MS) / 1000 / step) + 20 }),
        len: fc.integer({ min: 0, max: Math.min(1500, Math.floor((3 * 3600) / step)) }),
      });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...QUERIES),
        fc.constantFrom(...STEPS_S),
        fc.integer({ min: 0, max: 299 }),
        fc.array(windowOnGrid(1), { minLength: 3, maxLength: 5 }),
        async (query, step, phaseS, windows) => {
          const base = DATA_START_MS / 1000 + (phaseS % step);
          for (const w of windows) {
            const start = base + w.k * step;
            const end = start + w.len * step + (w.len % 3 === 0 ? Math.floor(step / 2) : 0); // sometimes off-grid ends
            const path = rangePath(query, start, end, step);
            const [a, b] = await Promise.all([via(path), direct(path)]);
            expect({ status: a.status, body: a.text }, path).toEqual({ status: b.status, body: b.text });
            const result = String(a.headers['x-promgate-cache'] ?? 'none');
            seen.set(result, (seen.get(result) ?? 0) + 1);
          }
        },
      ),
      { numRuns: 120, seed: 20261121 },
    );
    // The windows overlap often enough that stitching was exercised, not just whole fetches.
    expect(seen.get('partial') ?? 0).toBeGreaterThan(5);
    expect((seen.get('hit') ?? 0) + (seen.get('partial') ?? 0)).toBeGreaterThan(10);
  });

  it('the same window spelled differently (RFC3339, 15s vs 15.0, GET vs POST) is one cached answer', async () => {
    const q = 'sum(rate(demo_cpu_usage_seconds_total[5m]))';
    const s = DATA_START_MS / 1000 + 600;
    const e = s + 1800;
    const first = await via(rangePath(q, s, e, 15));
    const rfc = await via(rangePath(q, new Date(s * 1000).toISOString() as unknown as number, new Date(e * 1000).toISOString() as unknown as number, '15.0'));
    const post = await fetchText(gw.url + '/api/v1/query_range', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `step=15s&end=${e}&start=${s}&query=${encodeURIComponent(q)}`,
    });
    expect(rfc.text).toBe(first.text);
    expect(post.text).toBe(first.text);
    expect([rfc.headers['x-promgate-cache'], post.headers['x-promgate-cache']]).toEqual(['hit', 'hit']);
  });

  it('a window slid by one step costs the replicas one step of evaluation, not the whole window', async () => {
    const q = 'histogram_quantile(0.99, sum by (le, path) (rate(demo_api_request_duration_seconds_bucket[1m])))';
    const step = 30;
    const s = DATA_START_MS / 1000 + 300;
    await via(rangePath(q, s, s + 3 * 3600, step));
    const before = await readQueryLog(cluster.replicas[0]!).then((l) => l.length) ;
    const before2 = await readQueryLog(cluster.replicas[1]!).then((l) => l.length);
    const slid = await via(rangePath(q, s + step, s + 3 * 3600 + step, step));
    expect(slid.headers['x-promgate-cache']).toBe('partial');
    expect(slid.text).toBe((await direct(rangePath(q, s + step, s + 3 * 3600 + step, step))).text);
    const logs = [...(await readQueryLog(cluster.replicas[0]!)).slice(before), ...(await readQueryLog(cluster.replicas[1]!)).slice(before2)];
    const viaPromgate = logs.filter((l) => l.params?.query === q && l.params?.step === step);
    // One evaluation, one step long (the direct comparison above is the other log line).
    const evaluated = viaPromgate.map((l) => (Date.parse(l.params.end) - Date.parse(l.params.start)) / 1000 / step + 1);
    expect(evaluated).toContain(1);
  });
});

describe('headers of assembled answers', () => {
  // Regression (review finding): stitched range answers dropped Prometheus's CORS headers, and an
  // answer cached for a client without Origin was served to a browser that sent one.
  it('stitched and cached answers carry the CORS headers a direct answer has, per Origin', async () => {
    const q = 'avg(demo_memory_usage_bytes)';
    const s = DATA_START_MS / 1000 + 900;
    const path = rangePath(q, s, s + 1800, 30);
    const cors = (h: Record<string, unknown>) => [h['access-control-allow-origin'], h.vary];
    for (const headers of [{}, { origin: 'https://grafana.example' }, {}, { origin: 'https://grafana.example' }] as Array<Record<string, string>>) {
      const [a, b] = await Promise.all([via(path, headers), fetchText(cluster.urls[0] + path, { headers })]);
      expect(cors(a.headers)).toEqual(cors(b.headers));
      expect(a.text).toBe(b.text);
    }
    const instant = `/api/v1/query?query=${encodeURIComponent(q)}&time=${s}`;
    await via(instant);
    const withOrigin = await via(instant, { origin: 'https://grafana.example' });
    const direct = await fetchText(cluster.urls[0] + instant, { headers: { origin: 'https://grafana.example' } });
    expect(cors(withOrigin.headers)).toEqual(cors(direct.headers));
  });

  it('gzip and deflate clients get the coding they asked for on assembled answers; br never', async () => {
    const path = rangePath('max(demo_num_cpus)', DATA_START_MS / 1000, DATA_START_MS / 1000 + 600, 60);
    for (const [ask, expected] of [['gzip', 'gzip'], ['deflate', 'deflate'], ['br', undefined], ['gzip', 'gzip']] as const) {
      const r = await fetchText(gw.url + path, { headers: { 'accept-encoding': ask } });
      expect(r.headers['content-encoding']).toBe(expected);
    }
  });
});

describe('exact repeats of a settled window', () => {
  it('are served as kept bytes, in each coding, equal to the replica\'s answer, with no evaluation', async () => {
    const path = rangePath('sum by (instance) (rate(demo_cpu_usage_seconds_total[5m]))', DATA_START_MS / 1000 + 3600, DATA_START_MS / 1000 + 7200, 30);
    const want = (await direct(path)).text;
    for (const coding of ['identity', 'gzip']) {
      const headers = coding === 'gzip' ? { 'accept-encoding': 'gzip' } : ({} as Record<string, string>);
      // Miss (fetched, extents kept), hit (assembled from extents, bytes kept), hit (the bytes).
      const answers = [];
      for (let k = 0; k < 3; k++) answers.push(await requestBytes(gw.url + path, { headers }));
      const before = await Promise.all(cluster.replicas.map((r) => countRequests(r, '/api/v1/query_range')));
      const again = await requestBytes(gw.url + path, { headers });
      const after = await Promise.all(cluster.replicas.map((r) => countRequests(r, '/api/v1/query_range')));
      expect(after).toEqual(before);
      for (const a of [...answers, again]) {
        const body = coding === 'gzip' ? gunzipSync(a.body).toString('utf8') : a.body.toString('utf8');
        expect(body).toBe(want);
        expect(a.headers['content-encoding']).toBe(coding === 'gzip' ? 'gzip' : undefined);
      }
      expect(again.headers['x-promgate-cache']).toBe('hit');
      // The kept bytes are exactly those of the answer they were kept from.
      expect(again.body.equals(answers[2]!.body)).toBe(true);
    }
  });
});

describe('coalescing on real Prometheus', () => {
  it('N concurrent identical queries cause exactly one evaluation, counted by the replicas', async () => {
    // Heavy enough (a 6h subquery at 1s resolution) that all requests arrive while it runs.
    const q = 'max_over_time(rate(demo_cpu_usage_seconds_total[1m])[6h:1s])';
    const path = `/api/v1/query?query=${encodeURIComponent(q)}&time=${DATA_END_MS / 1000}`;
    const coalescedBefore = coalescedCount((await via('/metrics')).text);
    const before = await Promise.all(cluster.replicas.map((r) => countRequests(r, '/api/v1/query')));
    const answers = await Promise.all(Array.from({ length: 30 }, () => via(path)));
    const after = await Promise.all(cluster.replicas.map((r) => countRequests(r, '/api/v1/query')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const evaluations = after.reduce((n, v, i) => n + v - before[i]!, 0);
    expect(evaluations).toBe(1);
    expect(coalescedCount((await via('/metrics')).text) - coalescedBefore).toBeGreaterThan(0);
  });

  it('an instant query without time is never served from cache', async () => {
    const path = `/api/v1/query?query=${encodeURIComponent('count(up) or vector(0)')}`;
    await via(path);
    const again = await via(path);
    expect(again.headers['x-promgate-cache']).toBeUndefined();
  });

  it('an instant query at a settled time is cached; no-cache bypasses it', async () => {
    const path = `/api/v1/query?query=${encodeURIComponent('sum(demo_memory_usage_bytes)')}&time=${DATA_START_MS / 1000 + 5000}`;
    const a = await via(path);
    const b = await via(path);
    const c = await via(path, { 'cache-control': 'no-cache' });
    expect([a.headers['x-promgate-cache'], b.headers['x-promgate-cache'], c.headers['x-promgate-cache']]).toEqual(['miss', 'hit', 'bypass']);
    expect(new Set([a.text, b.text, c.text, (await direct(path)).text]).size).toBe(1);
  });

  it('different Authorization headers never share a cached answer', async () => {
    const path = `/api/v1/query?query=${encodeURIComponent('max(demo_num_cpus)')}&time=${DATA_START_MS / 1000 + 7000}`;
    const a = await via(path, { authorization: 'Bearer alice' });
    const b = await via(path, { authorization: 'Bearer bob' });
    const a2 = await via(path, { authorization: 'Bearer alice' });
    expect([a.headers['x-promgate-cache'], b.headers['x-promgate-cache'], a2.headers['x-promgate-cache']]).toEqual(['miss', 'miss', 'hit']);
  });
});

function coalescedCount(metrics: string): number {
  const m = /promgate_coalesced_requests_total\{endpoint="query"\} (\d+)/.exec(metrics);
  return m ? Number(m[1]) : 0;
}
