// Our own query corpus for the generated demo data (test/helpers/openmetrics.ts): the kinds of
// queries real users and dashboards send, modelled on the PromQL compliance tester's list
// (github.com/prometheus/compliance, promql/promql-test-queries.yml) but written and kept here.

import { DATA_END_MS, DATA_START_MS, DEFAULT_DURATION_MS } from '../helpers/openmetrics.js';

export { DATA_END_MS, DATA_START_MS };

/** Seconds, for `@` modifiers: points inside the default data. */
const MID_S = (DATA_START_MS + DEFAULT_DURATION_MS / 2) / 1000;
const EARLY_S = DATA_START_MS / 1000 + 1800;
const LATE_S = DATA_END_MS / 1000 - 1800;

const SIMPLE_AGGR = ['sum', 'avg', 'max', 'min', 'count', 'stddev', 'stdvar', 'group'] as const;
const RANGES = ['1m', '5m', '15m', '1h'] as const;

/** Queries that return a scalar, an instant vector or a string: valid for /query and /query_range. */
const rangeable: string[] = [
  // Scalar literals, NaN and Inf.
  '42',
  '1.234',
  '.123',
  '1.23e-3',
  '0x3d',
  'Inf',
  '-Inf',
  'NaN',
  '1 * 2 + 4 / 6 - 10 % 2 ^ 2',
  '-1 ^ 2',
  '(1 + 2) * 3 > bool 8',

  // Vector selectors and matchers.
  'demo_memory_usage_bytes',
  '{__name__="demo_memory_usage_bytes"}',
  'demo_memory_usage_bytes{type="free"}',
  'demo_memory_usage_bytes{type!="free"}',
  'demo_memory_usage_bytes{instance=~"demo-.*"}',
  'demo_memory_usage_bytes{instance=~"host"}',
  'demo_memory_usage_bytes{instance!~".*:10000"}',
  'demo_memory_usage_bytes{type="free", instance!="demo-1:10000"}',
  '{type="free", instance!="demo-1:10000"}',
  '{__name__=~"demo_(num_cpus|disk_usage_bytes)"}',
  'nonexistent_metric_name',
  'demo_intermittent_metric',
  'demo_num_cpus',
  'demo_disk_usage_bytes',
  'demo_batch_last_success_timestamp_seconds',
  'demo_cpu_usage_seconds_total{mode="idle"}',
  'demo_api_request_duration_seconds_count{status="500"}',

  // Offsets, positive and negative, and @.
  'demo_memory_usage_bytes offset 1m',
  'demo_memory_usage_bytes offset 10m',
  'demo_memory_usage_bytes offset 1h',
  'demo_memory_usage_bytes offset -5m',
  'demo_memory_usage_bytes offset -1h',
  'demo_num_cpus @ start()',
  'demo_num_cpus @ end()',
  `demo_memory_usage_bytes @ ${MID_S}`,
  `demo_memory_usage_bytes{type="used"} @ ${EARLY_S} offset 5m`,
  `demo_disk_usage_bytes @ ${LATE_S}`,
  'rate(demo_cpu_usage_seconds_total[5m] @ end())',
  'rate(demo_cpu_usage_seconds_total[5m] @ start())',
  `sum(rate(demo_cpu_usage_seconds_total[5m] @ ${MID_S})) by (instance)`,
  'demo_memory_usage_bytes - demo_memory_usage_bytes offset 30m',

  // Aggregations.
  ...SIMPLE_AGGR.map((op) => `${op}(demo_memory_usage_bytes)`),
  ...SIMPLE_AGGR.map((op) => `${op} by (instance) (demo_memory_usage_bytes)`),
  'sum(nonexistent_metric_name)',
  'sum by () (demo_memory_usage_bytes)',
  'sum by (instance, type) (demo_memory_usage_bytes)',
  'avg by (nonexistent) (demo_memory_usage_bytes)',
  'max without () (demo_memory_usage_bytes)',
  'sum without (instance) (demo_memory_usage_bytes)',
  'min without (instance, type) (demo_memory_usage_bytes)',
  'count without (nonexistent) (demo_memory_usage_bytes)',
  'sum(demo_memory_usage_bytes) by (type)',
  'topk(3, demo_memory_usage_bytes)',
  'bottomk(3, demo_memory_usage_bytes)',
  'topk by (instance) (2, demo_memory_usage_bytes)',
  'bottomk without (instance) (2, demo_memory_usage_bytes)',
  'topk(1, sum by (instance) (rate(demo_cpu_usage_seconds_total[5m])))',
  'quantile(0.5, demo_memory_usage_bytes)',
  'quantile(0.99, demo_memory_usage_bytes)',
  'quantile by (type) (0.9, demo_memory_usage_bytes)',
  'quantile(-0.5, demo_memory_usage_bytes)',
  'quantile(1.5, demo_memory_usage_bytes)',
  'avg(max by (type) (demo_memory_usage_bytes))',
  'count_values("cpus", demo_num_cpus)',
  'count_values by (instance) ("value", demo_num_cpus)',
  'count(count by (instance) (demo_cpu_usage_seconds_total))',

  // Binary operators.
  'demo_num_cpus + (1 == bool 2)',
  'demo_num_cpus + (1 < bool 2)',
  'demo_memory_usage_bytes + 1.2345',
  'demo_memory_usage_bytes / 1024 / 1024',
  'demo_memory_usage_bytes % 1000',
  'demo_memory_usage_bytes ^ 0.5',
  'demo_memory_usage_bytes > 1e9',
  'demo_memory_usage_bytes >= bool 1e9',
  '1e9 < bool demo_memory_usage_bytes',
  '0.12345 * demo_memory_usage_bytes',
  '(1 * 2 + 4 / 6 - (10 % 7) ^ 2) - demo_memory_usage_bytes',
  'timestamp(demo_memory_usage_bytes * 1)',
  'timestamp(-demo_memory_usage_bytes)',
  'demo_memory_usage_bytes + on (instance, job, type) demo_memory_usage_bytes',
  'demo_memory_usage_bytes != bool on (instance, job, type) demo_memory_usage_bytes',
  'sum by (instance, type) (demo_memory_usage_bytes) / on (instance, type) group_left (job) demo_memory_usage_bytes',
  'demo_memory_usage_bytes / on (instance, job, type, __name__) demo_memory_usage_bytes',
  'sum without (job) (demo_memory_usage_bytes) / on (instance, type) demo_memory_usage_bytes',
  'demo_memory_usage_bytes / on (instance, job) group_left demo_num_cpus',
  'demo_memory_usage_bytes{type="used"} / ignoring (type) sum without (type) (demo_memory_usage_bytes)',
  'demo_num_cpus * on (instance) group_right sum by (instance, mode) (rate(demo_cpu_usage_seconds_total[5m]))',
  'demo_memory_usage_bytes and demo_memory_usage_bytes{type="free"}',
  'demo_memory_usage_bytes or demo_num_cpus',
  'demo_memory_usage_bytes unless on (type) demo_memory_usage_bytes{type="used"}',
  'demo_intermittent_metric or on (instance) (demo_num_cpus * 0)',
  'demo_num_cpus * Inf',
  'demo_num_cpus * -Inf',
  'demo_num_cpus * NaN',
  'demo_memory_usage_bytes + -(1)',
  '-demo_memory_usage_bytes',

  // Non-constant scalars.
  'time()',
  '1 - time()',
  'time() % 3600',
  'time() >= bool 1',
  'time() - max(demo_batch_last_success_timestamp_seconds)',
  'time() - demo_batch_last_success_timestamp_seconds > 600',
  'demo_memory_usage_bytes / time()',
  'scalar(sum(demo_num_cpus))',
  'scalar(demo_num_cpus)',
  'vector(1.23)',
  'vector(time())',
  'vector(scalar(sum(demo_num_cpus)))',

  // Counters: rate and friends over several ranges.
  ...RANGES.map((r) => `rate(demo_cpu_usage_seconds_total[${r}])`),
  ...RANGES.map((r) => `increase(demo_cpu_usage_seconds_total[${r}])`),
  'irate(demo_cpu_usage_seconds_total[1m])',
  'irate(demo_cpu_usage_seconds_total[5m])',
  'rate(nonexistent_metric[5m])',
  'rate(demo_cpu_usage_seconds_total[15s])',
  'sum by (mode) (rate(demo_cpu_usage_seconds_total[5m]))',
  'sum by (instance) (rate(demo_cpu_usage_seconds_total{mode!="idle"}[5m])) / on (instance) demo_num_cpus',
  '1 - avg by (instance) (rate(demo_cpu_usage_seconds_total{mode="idle"}[5m]))',
  'resets(demo_cpu_usage_seconds_total[1h])',
  'resets(demo_cpu_usage_seconds_total[15m])',
  'rate(demo_cpu_usage_seconds_total[5m] offset 1h)',
  'increase(demo_api_request_duration_seconds_count[10m])',
  'sum by (status) (rate(demo_api_request_duration_seconds_count[5m]))',
  'sum(rate(demo_api_request_duration_seconds_count{status="500"}[5m])) / sum(rate(demo_api_request_duration_seconds_count[5m]))',
  'rate(demo_api_request_duration_seconds_sum[5m]) / rate(demo_api_request_duration_seconds_count[5m])',

  // Gauges: delta, deriv, predict_linear, changes.
  ...RANGES.map((r) => `delta(demo_memory_usage_bytes[${r}])`),
  ...RANGES.map((r) => `deriv(demo_disk_usage_bytes[${r}])`),
  ...RANGES.map((r) => `predict_linear(demo_disk_usage_bytes[${r}], 600)`),
  'predict_linear(demo_disk_usage_bytes[1h], 86400)',
  'idelta(demo_memory_usage_bytes[1m])',
  'changes(demo_batch_last_success_timestamp_seconds[15m])',
  'changes(demo_batch_last_success_timestamp_seconds[1h])',

  // *_over_time.
  ...['avg', 'min', 'max', 'sum', 'count', 'stddev', 'stdvar', 'last', 'present'].flatMap((op) =>
    ['5m', '1h'].map((r) => `${op}_over_time(demo_memory_usage_bytes[${r}])`),
  ),
  'quantile_over_time(0.9, demo_memory_usage_bytes[15m])',
  'quantile_over_time(0.5, demo_memory_usage_bytes[1h])',
  'count_over_time(demo_intermittent_metric[10m])',
  'last_over_time(demo_intermittent_metric[1h])',
  'absent_over_time(demo_intermittent_metric[2m])',
  'absent_over_time(nonexistent_metric_name[5m])',

  // Math, clamping, time functions, sorting.
  ...['abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'round', 'sgn'].map((f) => `${f}(demo_memory_usage_bytes)`),
  'ln(-demo_memory_usage_bytes)',
  'round(demo_memory_usage_bytes, 1000)',
  'clamp(demo_memory_usage_bytes, 0, 1)',
  'clamp(demo_memory_usage_bytes, 1000000000000, 0)',
  'clamp_min(demo_memory_usage_bytes, 2e9)',
  'clamp_max(demo_memory_usage_bytes, 2e9)',
  'timestamp(demo_num_cpus)',
  'timestamp(timestamp(demo_num_cpus))',
  ...['day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month', 'year'].map((f) => `${f}()`),
  'hour(demo_batch_last_success_timestamp_seconds offset 5m)',
  'minute(demo_batch_last_success_timestamp_seconds)',
  'sort(demo_memory_usage_bytes)',
  'sort_desc(sum by (instance) (demo_memory_usage_bytes))',
  'sort_desc(rate(demo_cpu_usage_seconds_total[5m]))',

  // Histograms.
  'histogram_quantile(0.5, rate(demo_api_request_duration_seconds_bucket[1m]))',
  'histogram_quantile(0.9, rate(demo_api_request_duration_seconds_bucket[5m]))',
  'histogram_quantile(0.99, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))',
  'histogram_quantile(0.95, sum by (le, path, method) (rate(demo_api_request_duration_seconds_bucket[5m])))',
  'histogram_quantile(1.01, rate(demo_api_request_duration_seconds_bucket[5m]))',
  'histogram_quantile(0.9, nonexistent_metric)',
  'histogram_quantile(0.9, demo_memory_usage_bytes)',
  'histogram_quantile(0.9, {__name__=~"demo_api_request_duration_seconds_.+"})',
  'sum by (le) (rate(demo_api_request_duration_seconds_bucket{le=~"0.1|0.25|\\\\+Inf"}[5m]))',
  'count_values("value", demo_api_request_duration_seconds_bucket{instance="demo-1:10000",path="/api/foo",status="500"})',

  // Labels.
  'label_replace(demo_num_cpus, "job", "destination-value-$1", "instance", "demo-(.*)")',
  'label_replace(demo_num_cpus, "job", "destination-value-$1", "instance", "host:(.*)")',
  'label_replace(demo_num_cpus, "job", "$1-$2", "instance", "demo-(.*):(.*)")',
  'label_replace(demo_num_cpus, "job", "value-$1", "nonexistent-src", "source-value-(.*)")',
  'label_replace(demo_num_cpus, "job", "value-$1", "nonexistent-src", "(.*)")',
  'label_replace(demo_num_cpus, "job", "", "dst", ".*")',
  'label_replace(rate(demo_cpu_usage_seconds_total[5m]), "host", "$1", "instance", "(.*):.*")',
  'label_join(demo_num_cpus, "new_label", "-", "instance", "job")',
  'label_join(demo_num_cpus, "job", "-", "instance", "job")',
  'label_join(demo_num_cpus, "job", "-", "instance")',

  // absent.
  'absent(demo_memory_usage_bytes)',
  'absent(nonexistent_metric_name)',
  'absent(nonexistent_metric_name{job="demo", instance=~"x.*"})',
  'absent(sum(nonexistent_metric_name))',

  // Subqueries.
  'max_over_time((time() - max(demo_batch_last_success_timestamp_seconds) < 1000)[5m:10s] offset 5m)',
  'avg_over_time(rate(demo_cpu_usage_seconds_total[1m])[2m:10s])',
  'max_over_time(sum by (instance) (rate(demo_cpu_usage_seconds_total[5m]))[30m:1m])',
  'min_over_time(demo_memory_usage_bytes{type="free"}[10m:])',
  'rate(sum(demo_cpu_usage_seconds_total)[10m:30s])',
  `quantile_over_time(0.9, rate(demo_api_request_duration_seconds_count[5m])[1h:5m] @ ${MID_S})`,
  'deriv(avg(demo_disk_usage_bytes)[15m:1m])',
];

/** Range-vector results: /query only (query_range rejects them). */
const instantOnly: string[] = [
  'demo_memory_usage_bytes[5m]',
  'demo_num_cpus[1m] offset 5m',
  `demo_cpu_usage_seconds_total{mode="user"}[2m] @ ${MID_S}`,
  'demo_intermittent_metric[10m]',
  'rate(demo_cpu_usage_seconds_total[5m])[15m:5m]',
  'demo_batch_last_success_timestamp_seconds[30m:1m]',
  '"a string literal"',
];

export const rangeQueries: readonly string[] = rangeable;
export const instantQueries: readonly string[] = [...rangeable, ...instantOnly];

/**
 * Queries Prometheus rejects: `bad_data` (400) for parse and type errors, `execution` (422) for
 * errors found while evaluating. Valid on both /query and /query_range.
 */
export const failingQueries: readonly { readonly query: string; readonly status: 400 | 422 }[] = [
  { query: '{__name__=~".*"}', status: 400 },
  { query: '{job=~".*"}', status: 400 },
  { query: 'sum(', status: 400 },
  { query: '1 +', status: 400 },
  { query: 'demo_memory_usage_bytes{', status: 400 },
  { query: 'rate(demo_cpu_usage_seconds_total)', status: 400 },
  { query: 'rate(demo_cpu_usage_seconds_total[5x])', status: 400 },
  { query: 'sum(demo_memory_usage_bytes[5m])', status: 400 },
  { query: 'topk("3", demo_memory_usage_bytes)', status: 400 },
  { query: 'nonexistent_function(demo_num_cpus)', status: 400 },
  { query: 'demo_memory_usage_bytes offset', status: 400 },
  { query: 'demo_num_cpus @ foo()', status: 400 },
  { query: 'histogram_quantile(demo_num_cpus)', status: 400 },
  { query: 'label_replace(demo_num_cpus, "job", "value-$1", "src", "(.*")', status: 422 },
  { query: 'label_replace(demo_num_cpus, "~invalid", "", "src", "(.*)")', status: 422 },
  { query: 'label_replace(demo_num_cpus, "instance", "", "", "")', status: 422 },
  { query: 'label_join(demo_num_cpus, "~invalid", "-", "instance")', status: 422 },
  { query: 'demo_memory_usage_bytes / on (instance) demo_memory_usage_bytes', status: 422 },
  { query: 'demo_memory_usage_bytes / on (instance) group_left demo_memory_usage_bytes', status: 422 },
];
