// Issue #8 on a real outage: two replicas scrape the same target every second; one is killed and
// restarted on its data dir, so it holds a hole the other does not. Afterwards every step the
// never-stopped replica has must be in promgate's answers, on the cold path and from the cache,
// while asking the restarted replica directly shows the hole.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplicas, type ReplicaCluster } from '../helpers/cluster.js';
import { startGateway, type TestGateway } from '../helpers/gateway.js';
import type { PrometheusHandle } from '../helpers/prometheus.js';
import { requestBytes } from '../helpers/request-bytes.js';
import { requirePrometheus } from '../helpers/require-prometheus.js';

let exporter: Server;
let cluster: ReplicaCluster;
let restarted: PrometheusHandle;
let stayed: PrometheusHandle;
let gw: TestGateway;
let killedAt = 0;
let backAt = 0;

/** A target both replicas scrape: constant values, so both replicas hold the same samples where they hold any. */
async function startExporter(): Promise<Server> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    res.end('# TYPE demo_live_value gauge\ndemo_live_value{kind="a"} 42\ndemo_live_value{kind="b"} 7\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

async function waitForSamples(r: PrometheusHandle, minSamples: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const res = await requestBytes(`${r.url}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="shared"}[1h])')}`);
    const doc = JSON.parse(res.body.toString('utf8')) as { data: { result: { value: [number, string] }[] } };
    if (Number(doc.data.result[0]?.value[1] ?? 0) >= minSamples) return;
    await sleep(250);
  }
  throw new Error(`${r.name}: fewer than ${minSamples} samples after 30 s`);
}

beforeAll(async () => {
  requirePrometheus();
  exporter = await startExporter();
  const target = `127.0.0.1:${(exporter.address() as AddressInfo).port}`;
  cluster = await startReplicas(2, { scrapeTargets: [target] });
  [restarted, stayed] = cluster.replicas as [PrometheusHandle, PrometheusHandle];
  await Promise.all(cluster.replicas.map((r) => waitForSamples(r, 8)));
  gw = await startGateway(cluster.urls, ['health_check: {interval: 500ms, timeout: 400ms}', 'ha: {probe_interval: 1s}', 'cache: {freshness: 3s}'].join('\n'));
  // Panels asked before the outage, so the cache holds extents from both replicas.
  for (const q of QUERIES) await requestBytes(gw.url + rangePath(q, nowS() - 30, nowS()));
  killedAt = nowS();
  restarted.kill('SIGKILL');
  await sleep(8_000);
  await restarted.restart();
  backAt = nowS();
  await waitForSamples(restarted, 3);
  // The coverage probe runs every second; a few rounds see the hole.
  await sleep(4_000);
}, 120_000);

afterAll(async () => {
  await gw?.close();
  await cluster?.stopAll();
  await new Promise((r) => exporter?.close(r));
});

const QUERIES = [
  'demo_live_value',
  'present_over_time(demo_live_value[2s])',
  'max_over_time(demo_live_value[3s])',
  'sum(present_over_time(up{job="shared"}[2s]))',
  'absent_over_time(demo_live_value{kind="a"}[2s])',
];

const nowS = () => Math.floor(Date.now() / 1000);
const rangePath = (q: string, start: number, end: number, step = 1) => `/api/v1/query_range?${new URLSearchParams({ query: q, start: String(start), end: String(end), step: String(step) })}`;

type Matrix = { metric: Record<string, string>; values: [number, string][] }[];

async function matrix(url: string): Promise<{ result: Matrix; warnings?: string[] }> {
  const res = await requestBytes(url);
  expect(res.status, url).toBe(200);
  const doc = JSON.parse(res.body.toString('utf8')) as { data: { result: Matrix }; warnings?: string[] };
  return { result: doc.data.result, ...(doc.warnings ? { warnings: doc.warnings } : {}) };
}

/** Steps (series, time) the truth has that the answer lacks, or holds with another value. */
function missingSteps(truth: Matrix, answer: Matrix): string[] {
  const got = new Map<string, string>();
  for (const s of answer) for (const [t, v] of s.values) got.set(`${JSON.stringify(s.metric)}@${t}`, v);
  const out: string[] = [];
  for (const s of truth) {
    for (const [t, v] of s.values) {
      const key = `${JSON.stringify(s.metric)}@${t}`;
      if (got.get(key) !== v) out.push(`${key}=${v} got ${got.get(key) ?? 'nothing'}`);
    }
  }
  return out;
}

describe('after a real kill and restart', () => {
  it('the restarted replica, asked directly, shows the hole (so the check below means something)', async () => {
    const start = killedAt - 20;
    const end = backAt + 2;
    const truth = await matrix(stayed.url + rangePath('present_over_time(demo_live_value[2s])', start, end));
    const holed = await matrix(restarted.url + rangePath('present_over_time(demo_live_value[2s])', start, end));
    expect(missingSteps(truth.result, holed.result).length).toBeGreaterThan(5);
  });

  for (const pass of ['cold', 'from the cache'] as const) {
    it(`every step the never-stopped replica has is in promgate's answers (${pass})`, async () => {
      const start = killedAt - 40;
      const end = nowS() - 4;
      for (const q of QUERIES) {
        for (const step of [1, 2, 5]) {
          const path = rangePath(q, start, end, step);
          const [through, truth] = await Promise.all([matrix(gw.url + path), matrix(stayed.url + path)]);
          expect(missingSteps(truth.result, through.result), `${q} step ${step}`).toEqual([]);
          expect(through.warnings, `${q} step ${step}`).toBeUndefined();
        }
      }
    });
  }

  it('instant queries inside the hole are answered from the replica that has the data', async () => {
    for (let t = killedAt + 1; t < backAt; t += 2) {
      for (const q of QUERIES) {
        const path = `/api/v1/query?${new URLSearchParams({ query: q, time: String(t) })}`;
        const [through, truth] = await Promise.all([requestBytes(gw.url + path), requestBytes(stayed.url + path)]);
        expect(JSON.parse(through.body.toString('utf8')), `${q} at ${t}`).toEqual(JSON.parse(truth.body.toString('utf8')));
      }
    }
  });

  it('/-/replicas lists the hole of the restarted replica', async () => {
    const res = await requestBytes(`${gw.url}/-/replicas`);
    const doc = JSON.parse(res.body.toString('utf8')) as { data: { replicas: { name: string; holes: { start: string; end: string }[] }[] } };
    const mine = doc.data.replicas.find((r) => r.name === `127.0.0.1:${restarted.port}`);
    expect(mine?.holes.length).toBeGreaterThan(0);
    const hole = mine!.holes.find((h) => Date.parse(h.start) / 1000 <= killedAt + 2 && Date.parse(h.end) / 1000 >= backAt - 2);
    expect(hole, JSON.stringify(mine?.holes)).toBeDefined();
  });
});
