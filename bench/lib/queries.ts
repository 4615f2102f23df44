/**
 * The PromQL the scenarios send. Two sets: `demo` for local replicas (backfilled demo metrics
 * plus their self-scrape), `self` for remote deployments, where the only metrics we can count on
 * are a Prometheus's own (most servers scrape themselves).
 */
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

export function dashboardPanels(set: QuerySet): readonly Panel[] {
  return set === 'demo' ? [...DEMO_PANELS, ...SELF_PANELS.slice(0, 2)] : SELF_PANELS;
}

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
  const t = (anchorMs - n) / 1000;
  return `/api/v1/query?query=up&time=${t.toFixed(3)}`;
}
