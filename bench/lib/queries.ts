/**
 * The PromQL the scenarios send. Two sets: `demo` for local replicas (backfilled demo metrics
 * plus their self-scrape), `self` for remote deployments, where the only metrics we can count on
 * are a Prometheus's own (most servers scrape themselves).
 */
import { formatPrometheusTime } from '../../src/query/index.js';
import type { Panel } from './dashboard-windows.js';

export type QuerySet = 'demo' | 'self';

/** Live panels on self-scraped data: their newest points change on every refresh. */
const SELF_PANELS: readonly Panel[] = [
  { title: 'HTTP requests by handler', expr: 'sum by (handler) (rate(prometheus_http_requests_total[1m]))', stepSec: 15 },
  {
    title: 'HTTP p90 latency',
    expr: 'histogram_quantile(0.9, sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[1m])))',
    stepSec: 30,
  },
  { title: 'TSDB head series', expr: 'max by (job) (prometheus_tsdb_head_series)', stepSec: 60 },
];

/** Heavy panels over the backfilled demo history (6h windows, 15s..60s steps). */
const DEMO_PANELS: readonly Panel[] = [
  { title: 'CPU by instance', expr: 'sum by (instance) (rate(demo_cpu_usage_seconds_total[5m]))', stepSec: 15 },
  { title: 'CPU by mode', expr: 'sum by (mode) (rate(demo_cpu_usage_seconds_total[5m]))', stepSec: 30 },
  { title: 'API requests by status', expr: 'sum by (status) (rate(demo_api_request_duration_seconds_count[5m]))', stepSec: 15 },
  {
    title: 'API p99',
    expr: 'histogram_quantile(0.99, sum by (le) (rate(demo_api_request_duration_seconds_bucket[5m])))',
    stepSec: 15,
  },
  {
    title: 'API p50 by path',
    expr: 'histogram_quantile(0.5, sum by (le, path) (rate(demo_api_request_duration_seconds_bucket[5m])))',
    stepSec: 30,
  },
  { title: 'Memory by type', expr: 'sum by (type) (demo_memory_usage_bytes)', stepSec: 60 },
];

/** The dashboard: locally 8 heavy 6h panels, 6 on the demo history and 2 on live self-scraped data. */
export function dashboardPanels(set: QuerySet): readonly Panel[] {
  return set === 'demo' ? [...DEMO_PANELS, ...SELF_PANELS.slice(0, 2)] : SELF_PANELS;
}

/**
 * The outage scenario's panels (last hour, steps of 1–3 s): whether each replica's scrape of itself
 * left samples, read from the series Prometheus writes on every scrape attempt, failed or not, so
 * only time a replica was down makes holes. Two replicas answer them identically where both have
 * data (`replica` and `instance` are aggregated away, the values are presence counts), which lets
 * the never-stopped one serve as the truth; a window a few scrapes wide shows a hole of seconds.
 */
export const OUTAGE_PANELS: readonly Panel[] = [
  { title: 'Scrapes (up)', expr: 'sum by (job) (present_over_time(up[2s]))', stepSec: 1 },
  { title: 'Scrape durations recorded', expr: 'count by (job) (present_over_time(scrape_duration_seconds[2s]))', stepSec: 2 },
  { title: 'Scraped-samples counts recorded', expr: 'count by (job) (present_over_time(scrape_samples_scraped[3s]))', stepSec: 3 },
];

/** The longest range an OUTAGE_PANELS query reads back from a step. */
export const OUTAGE_PANELS_READ_BACK_MS = 3_000;

/** The single heavy query of the burst scenario. */
export function burstPanel(set: QuerySet): Panel {
  return set === 'demo'
    ? {
        title: 'API p99 by path',
        expr: 'histogram_quantile(0.99, sum by (le, path) (rate(demo_api_request_duration_seconds_bucket[5m])))',
        stepSec: 15,
      }
    : {
        title: 'HTTP p99 by handler',
        expr: 'histogram_quantile(0.99, sum by (le, handler) (rate(prometheus_http_request_duration_seconds_bucket[5m])))',
        stepSec: 15,
      };
}

/**
 * The miss path: a cheap instant query (`up`, one series per scraped target) at a distinct
 * `time` for every request (a millisecond apart, going back from `anchorMs`), so no two
 * requests can be coalesced or answered from a cache: only proxying is measured.
 */
export function missPath(anchorMs: number, n: number): string {
  return `/api/v1/query?query=up&time=${formatPrometheusTime(anchorMs - n)}`;
}
