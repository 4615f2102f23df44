// Proves the harness itself: replicas started from the same backfilled blocks answer identically,
// a hole makes one replica differ only where it should, and a frozen replica really hangs.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalResponse } from '../helpers/canonical-response.js';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { httpGet, HttpGetTimeoutError } from '../helpers/http-get.js';
import { countRequests, readQueryLog, type PrometheusHandle } from '../helpers/prometheus.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';
import { DATA_END_MS, DATA_START_MS, instantQueries, rangeQueries } from './corpus.js';

const MINUTE_MS = 60_000;
const MID_S = (DATA_START_MS + DATA_END_MS) / 2 / 1000;
/** An outage of replica-2: 30 minutes, two hours into the data. */
const HOLE = { startMs: DATA_START_MS + 120 * MINUTE_MS, endMs: DATA_START_MS + 150 * MINUTE_MS };

/** About `n` entries spread evenly over the list, so the sample covers every section of the corpus. */
function sample<T>(list: readonly T[], n: number): T[] {
  const stride = Math.max(1, Math.floor(list.length / n));
  return list.filter((_, i) => i % stride === 0).slice(0, n);
}

async function get(r: PrometheusHandle, path: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  return httpGet(`${r.url}${path}?${new URLSearchParams(params).toString()}`);
}

let cluster: ReplicaCluster;
let a: PrometheusHandle;
let b: PrometheusHandle;
let holed: PrometheusHandle;

beforeAll(async () => {
  requirePrometheus();
  cluster = await startReplicas(3, { holes: [undefined, undefined, [HOLE]], queryLogFile: true });
  [a, b, holed] = cluster.replicas as [PrometheusHandle, PrometheusHandle, PrometheusHandle];
});

afterAll(async () => {
  await cluster?.stopAll();
});

describe('replicas started from the same blocks', () => {
  it('answer range queries with byte-identical bodies', async () => {
    const params = { start: String(MID_S - 3600), end: String(MID_S), step: '60' };
    for (const query of sample(rangeQueries, 30)) {
      const [ra, rb] = await Promise.all([a, b].map((r) => get(r, '/api/v1/query_range', { query, ...params })));
      expect(ra!.status, query).toBe(200);
      expect(rb!.body, query).toBe(ra!.body);
    }
  });

  it('answer instant queries identically, up to the order of series Prometheus leaves unsorted', async () => {
    const time = String(MID_S + 7);
    for (const query of sample(instantQueries, 30)) {
      const [ra, rb] = await Promise.all([a, b].map((r) => get(r, '/api/v1/query', { query, time })));
      expect(ra!.status, query).toBe(200);
      expect(canonicalResponse(rb!.body), query).toBe(canonicalResponse(ra!.body));
    }
  });

  it('count the evaluations they serve (prometheus_http_requests_total and the query log)', async () => {
    const before = await countRequests(a, '/api/v1/query_range');
    const logged = (await readQueryLog(a)).length;
    const query = 'sum(rate(demo_cpu_usage_seconds_total[5m]))';
    const res = await get(a, '/api/v1/query_range', { query, start: String(MID_S - 600), end: String(MID_S), step: '60' });
    expect(res.status).toBe(200);
    expect(await countRequests(a, '/api/v1/query_range')).toBe(before + 1);
    const log = await readQueryLog(a);
    expect(log).toHaveLength(logged + 1);
    expect(log.at(-1)?.params.query).toBe(query);
    expect(log.at(-1)?.params.step).toBe(60);
  });
});

describe('a replica with a hole', () => {
  const inHole = String((HOLE.startMs + HOLE.endMs) / 2 / 1000);

  it('has no data inside the hole while its peers do', async () => {
    const query = 'demo_num_cpus';
    const [full, empty] = await Promise.all([a, holed].map((r) => get(r, '/api/v1/query', { query, time: inHole })));
    expect(JSON.parse(full!.body).data.result).toHaveLength(3);
    expect(JSON.parse(empty!.body).data.result).toHaveLength(0);

    const range = { query: 'sum(demo_memory_usage_bytes)', start: String(HOLE.startMs / 1000 - 600), end: String(HOLE.endMs / 1000 + 600), step: '60' };
    const [ra, rh] = await Promise.all([a, holed].map((r) => get(r, '/api/v1/query_range', range)));
    expect(rh!.body).not.toBe(ra!.body);
  });

  it('answers exactly like its peers away from the hole', async () => {
    const params = { start: String(MID_S), end: String(MID_S + 3600), step: '30' };
    for (const query of ['demo_memory_usage_bytes', 'rate(demo_cpu_usage_seconds_total[5m])', 'histogram_quantile(0.9, rate(demo_api_request_duration_seconds_bucket[5m]))']) {
      const [ra, rh] = await Promise.all([a, holed].map((r) => get(r, '/api/v1/query_range', { query, ...params })));
      expect(rh!.body, query).toBe(ra!.body);
    }
  });
});

describe('a frozen replica (SIGSTOP)', () => {
  it('hangs on /-/ready while stopped and answers again after SIGCONT', async () => {
    b.kill('SIGSTOP');
    try {
      await expect(httpGet(`${b.url}/-/ready`, 1_000)).rejects.toBeInstanceOf(HttpGetTimeoutError);
    } finally {
      b.kill('SIGCONT');
    }
    await b.waitReady(10_000);
    expect((await httpGet(`${b.url}/-/ready`, 2_000)).status).toBe(200);
  });
});

describe('restart', () => {
  it('comes back on the same port with the same data', async () => {
    const query = { query: 'sum(demo_disk_usage_bytes)', time: String(MID_S) };
    const before = await get(b, '/api/v1/query', query);
    const { port, pid } = b;
    await b.restart();
    expect(b.port).toBe(port);
    expect(b.pid).not.toBe(pid);
    expect((await get(b, '/api/v1/query', query)).body).toBe(before.body);
  });
});
