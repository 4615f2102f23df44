// Queries for exactness under holes: every one must come back through promgate in front of replicas
// with outages exactly as a complete replica answers it (test/integration/ha-holes.test.ts). Our own
// list for the generated demo data (test/helpers/openmetrics.ts), of the kinds real dashboards send.
//
// What each query reads matters more here than in corpus.ts: a range of [r] or a lookback (5m)
// reaches back from the evaluation time, `offset` shifts that, a negative offset reads ahead, `@`
// pins it, and a subquery adds its own range. Rule kept by every query below: one evaluation reads
// at most ~1h10m of data in total, less than the 1h30m between the end of hole A and the start of
// hole B (test/helpers/holes.ts). So no single evaluation touches both holes and every case has an
// exact answer that routing by time alone can give: there is always one replica with every sample
// a given step reads. A query like `x - x offset 2h` would break that rule and make the check
// unpassable by design, so it is not here. One query bends the rule: `x - x @ start()` reads at the
// window's start too, which for every window in holes.ts lies outside both holes.

import { HOLE_A, HOLE_B, type CorpusQuery } from '../helpers/holes.js';
import { DATA_START_MS } from '../helpers/openmetrics.js';

const MINUTE_MS = 60_000;

export type HaQueryGroup =
  | 'selector'
  | 'range-vector'
  | 'counter'
  | 'gauge'
  | 'over-time'
  | 'subquery'
  | 'offset'
  | 'at'
  | 'aggregation'
  | 'binary'
  | 'histogram'
  | 'absent'
  | 'timestamp';

export interface HaQuery extends CorpusQuery {
  /** For reporting match rates per kind of query. */
  readonly group: HaQueryGroup;
}

/** `@` times, unix seconds: in the middle of A's hole, just after B's hole, and far from both. */
const AT_IN_HOLE_A = (HOLE_A.startMs + HOLE_A.endMs) / 2 / 1000;
const AT_AFTER_HOLE_B = (HOLE_B.endMs + 2 * MINUTE_MS) / 1000;
const AT_QUIET = (DATA_START_MS + 5 * 60 * MINUTE_MS) / 1000;

function group(g: HaQueryGroup, queries: readonly string[], instantOnly = false): HaQuery[] {
  return queries.map((query) => (instantOnly ? { query, group: g, instantOnly } : { query, group: g }));
}

export const haCorpus: readonly HaQuery[] = [
  ...group('selector', [
    'up',
    'demo_num_cpus',
    'demo_memory_usage_bytes',
    'demo_memory_usage_bytes{type="free"}',
    'demo_memory_usage_bytes{type!="free", instance=~"demo-[12]:.*"}',
    '{__name__=~"demo_(disk|memory)_usage_bytes", instance!="demo-3:10002"}',
    'demo_cpu_usage_seconds_total{mode=~"user|system"}',
    'demo_api_request_duration_seconds_count{method="GET", status!="500"}',
    'demo_intermittent_metric',
  ]),

  // Range-vector results: /api/v1/query only.
  ...group('range-vector', ['up[1m]', 'demo_num_cpus{instance="demo-2:10001"}[5m]', 'demo_memory_usage_bytes{type="used"}[20m:5m]'], true),

  ...group('counter', [
    'rate(demo_cpu_usage_seconds_total[1m])',
    'rate(demo_cpu_usage_seconds_total[5m])',
    'rate(demo_cpu_usage_seconds_total{mode="user"}[1h])',
    'irate(demo_cpu_usage_seconds_total[1m])',
    'irate(demo_cpu_usage_seconds_total{mode!="idle"}[15m])',
    'increase(demo_cpu_usage_seconds_total[5m])',
    'increase(demo_api_request_duration_seconds_count[15m])',
    'increase(demo_api_request_duration_seconds_count{status="500"}[1h])',
    'rate(demo_api_request_duration_seconds_sum[10m]) / rate(demo_api_request_duration_seconds_count[10m])',
  ]),

  ...group('gauge', [
    'delta(demo_memory_usage_bytes[1m])',
    'delta(demo_memory_usage_bytes{type="used"}[30m])',
    'delta(demo_disk_usage_bytes[1h])',
    'deriv(demo_disk_usage_bytes[5m])',
    'deriv(demo_memory_usage_bytes{type="used"}[1h])',
    'predict_linear(demo_disk_usage_bytes[30m], 3600)',
    'changes(demo_batch_last_success_timestamp_seconds[1h])',
  ]),

  ...group('over-time', [
    'avg_over_time(demo_memory_usage_bytes[5m])',
    'avg_over_time(demo_memory_usage_bytes{type="cached"}[1h])',
    'max_over_time(demo_memory_usage_bytes{type="used"}[30m])',
    'min_over_time(demo_memory_usage_bytes{type="free"}[1h])',
    'sum_over_time(demo_intermittent_metric[10m])',
    'sum_over_time(up[30m])',
    // The probe promgate uses to find a replica's holes, at the scrape interval, and coarser.
    'count_over_time(up[15s])',
    'count_over_time(up[1h])',
    'count_over_time(demo_intermittent_metric[1h])',
    'last_over_time(demo_intermittent_metric[1h])',
    'quantile_over_time(0.5, demo_memory_usage_bytes{type="used"}[15m])',
    'quantile_over_time(0.95, demo_memory_usage_bytes[1h])',
    'present_over_time(demo_intermittent_metric[5m])',
    'present_over_time(up[1h])',
    'absent_over_time(up{instance="demo-1:10000"}[2m])',
    'absent_over_time(demo_intermittent_metric{instance="demo-3:10002"}[5m])',
  ]),

  // Explicit resolutions only: the default one is the replica's evaluation_interval (1s in tests).
  ...group('subquery', [
    'max_over_time(rate(demo_cpu_usage_seconds_total[5m])[30m:1m])',
    'avg_over_time(sum by (instance) (rate(demo_cpu_usage_seconds_total[1m]))[15m:15s])',
    'min_over_time(demo_memory_usage_bytes{type="free"}[20m:30s])',
    'max_over_time(deriv(demo_disk_usage_bytes[5m])[1h:5m])',
    'quantile_over_time(0.9, irate(demo_cpu_usage_seconds_total{mode="user"}[1m])[20m:30s])',
    'rate(sum(demo_cpu_usage_seconds_total)[10m:1m])',
    'sum_over_time(count(up)[30m:1m])',
    'last_over_time(demo_intermittent_metric[45m:5m])',
  ]),

  ...group('offset', [
    'demo_memory_usage_bytes offset 10m',
    'rate(demo_cpu_usage_seconds_total[5m] offset 30m)',
    'avg_over_time(demo_num_cpus[30m] offset 15m)',
    'increase(demo_api_request_duration_seconds_count[10m] offset 1h)',
    'demo_disk_usage_bytes - demo_disk_usage_bytes offset 1h',
    'demo_memory_usage_bytes offset -5m',
    'rate(demo_cpu_usage_seconds_total[5m] offset -10m)',
    'max_over_time(up[10m] offset -10m)',
  ]),

  ...group('at', [
    `demo_memory_usage_bytes @ ${AT_IN_HOLE_A}`,
    `rate(demo_cpu_usage_seconds_total[5m] @ ${AT_AFTER_HOLE_B})`,
    `sum by (instance) (rate(demo_cpu_usage_seconds_total[1h] @ ${AT_QUIET}))`,
    `max_over_time(demo_memory_usage_bytes{type="used"}[30m] @ ${AT_IN_HOLE_A})`,
    `demo_num_cpus @ ${AT_QUIET} offset 10m`,
    'rate(demo_cpu_usage_seconds_total[5m] @ end())',
    'demo_memory_usage_bytes - demo_memory_usage_bytes @ start()',
  ]),

  ...group('aggregation', [
    'sum(demo_memory_usage_bytes)',
    'avg by (instance) (demo_memory_usage_bytes)',
    'max by (type) (demo_memory_usage_bytes)',
    'min without (type) (demo_memory_usage_bytes)',
    'count by (job) (up)',
    'sum by (mode) (rate(demo_cpu_usage_seconds_total[5m]))',
    'topk(2, rate(demo_cpu_usage_seconds_total[5m]))',
    'topk by (instance) (1, demo_memory_usage_bytes)',
    'sum(up) / count(up)',
  ]),

  ...group('binary', [
    'demo_memory_usage_bytes / 1024 / 1024',
    'demo_memory_usage_bytes > 2e9',
    'up == bool 1',
    'demo_memory_usage_bytes / on (instance) group_left sum by (instance) (demo_memory_usage_bytes)',
    'sum by (instance) (rate(demo_cpu_usage_seconds_total{mode!="idle"}[5m])) / on (instance) demo_num_cpus',
    '100 * (1 - avg by (instance) (rate(demo_cpu_usage_seconds_total{mode="idle"}[5m])))',
    'rate(demo_api_request_duration_seconds_count{status="500"}[5m]) / ignoring (status) rate(demo_api_request_duration_seconds_count{status="200"}[5m])',
    'demo_intermittent_metric and on (instance) up',
    'demo_intermittent_metric or on (instance) (up * 0)',
    'time() - demo_batch_last_success_timestamp_seconds',
  ]),

  ...group('histogram', [
    'histogram_quantile(0.9, rate(demo_api_request_duration_seconds_bucket[5m]))',
    'histogram_quantile(0.99, sum by (le) (rate(demo_api_request_duration_seconds_bucket[1m])))',
    'histogram_quantile(0.5, sum by (le, path) (increase(demo_api_request_duration_seconds_bucket[1h])))',
    'histogram_quantile(0.75, sum by (le, instance) (rate(demo_api_request_duration_seconds_bucket{status="200"}[15m])))',
  ]),

  ...group('absent', [
    'absent(up{instance="demo-1:10000"})',
    'absent(demo_intermittent_metric{instance="demo-2:10001"})',
    'absent(nonexistent_metric_name{job="demo"})',
    'absent(rate(demo_cpu_usage_seconds_total[1m]))',
  ]),

  ...group('timestamp', [
    'timestamp(up)',
    'timestamp(demo_intermittent_metric)',
    'time() - timestamp(demo_memory_usage_bytes{type="free"})',
    'max by (instance) (timestamp(demo_cpu_usage_seconds_total))',
  ]),
];
