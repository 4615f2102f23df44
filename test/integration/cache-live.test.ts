import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { fetchText, startGateway, type TestGateway } from '../helpers/gateway.js';
import { DATA_START_MS } from '../helpers/openmetrics.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

let live: ReplicaCluster;
let gw: TestGateway;

beforeAll(async () => {
  requirePrometheus();
  // One self-scraping replica: two would each have their own live samples.
  live = await startReplicas(1, { selfScrape: true });
  gw = await startGateway(live.urls, 'cache: {freshness: 4s, max_bytes: 300KiB}');
  // Prometheus applies discovered targets every 5 s, so the first self-scrape comes a while after ready.
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const up = await fetchText(`${live.urls[0]}/api/v1/query?query=up`);
    if (up.text.includes('"value"')) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 2000)); // a few scrapes more
});

afterAll(async () => {
  await gw?.close();
  await live?.stopAll();
});

const rangePath = (q: string, s: number, e: number, step: number) =>
  `/api/v1/query_range?query=${encodeURIComponent(q)}&start=${s}&end=${e}&step=${step}`;

/** The last sample time of every series, as Grafana would draw the right edge of the panel. */
const lastTimes = (body: string): number[] =>
  (JSON.parse(body) as { data: { result: Array<{ values: Array<[number, string]> }> } }).data.result.map((s) => s.values.at(-1)![0]);

describe('freshness on live data', () => {
  it('a "last minute" panel asked again one step later ends where a direct answer ends', async () => {
    const step = 1;
    const q = 'up';
    const now = () => Math.floor(Date.now() / 1000 / step) * step;
    const e1 = now();
    const first = await fetchText(gw.url + rangePath(q, e1 - 60, e1, step));
    expect(first.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2000));
    const e2 = now();
    const path = rangePath(q, e2 - 60, e2, step);
    const [viaGw, direct] = await Promise.all([fetchText(gw.url + path), fetchText(live.urls[0] + path)]);
    expect(viaGw.headers['x-promgate-cache']).toBe('partial');
    expect(lastTimes(viaGw.text)).toEqual([e2]);
    expect(lastTimes(direct.text)).toEqual([e2]);
    expect(viaGw.text).toBe(direct.text);
  });

  it('a query reading ahead of its evaluation time (negative offset) is fetched until what it reads is settled', async () => {
    const e = Math.floor(Date.now() / 1000) - 30;
    const path = rangePath('up offset -1m', e - 60, e, 1);
    await fetchText(gw.url + path);
    await new Promise((r) => setTimeout(r, 1500));
    const [viaGw, direct] = await Promise.all([fetchText(gw.url + path), fetchText(live.urls[0] + path)]);
    expect(viaGw.text).toBe(direct.text);
    expect(viaGw.headers['x-promgate-cache']).not.toBe('hit');
  });
});

describe('memory bound', () => {
  it('bytes held stay under cache.max_bytes however much is asked, evicting as needed', async () => {
    const start = Math.floor(DATA_START_MS / 1000);
    for (let i = 0; i < 120; i++) {
      // Distinct keys over the backfilled history: each answer is kept, and together they are
      // many times the budget.
      const q = `demo_memory_usage_bytes + ${i}`;
      const s = start + 600 * (i % 30);
      const r = await fetchText(gw.url + rangePath(q, s, s + 600, 15));
      expect(r.status).toBe(200);
      expect(r.headers['x-promgate-cache']).toBe('miss');
    }
    const metrics = (await fetchText(gw.url + '/metrics')).text;
    const bytes = Number(/^promgate_cache_bytes (\S+)$/m.exec(metrics)?.[1]);
    const evictions = Number(/^promgate_cache_evictions_total (\S+)$/m.exec(metrics)?.[1]);
    expect(bytes).toBeGreaterThan(100 * 1024);
    expect(bytes).toBeLessThanOrEqual(300 * 1024);
    expect(evictions).toBeGreaterThan(50);
  });
});
