/**
 * Static dashboard: viewers refreshing heavy 6h panels back to back over one absolute time range
 * (a dashboard link from an incident, a post-mortem) that ended before cache.freshness, so every
 * request of every run is one of the same few URLs and its data is settled: a cache's best case.
 * Measured against HAProxy and against the hit limit: a bare Node server answering those same
 * bytes from a Map (node-bytes). Sliding "last 6 h" windows are the grafana-refresh scenario.
 */
import { alignedWindow, rangeQueryPath, SIX_HOURS_MS } from '../lib/dashboard-windows.js';
import { dashboardPanels } from '../lib/queries.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';

/** Past promgate's default cache.freshness (10 min): data that no late scrape can change any more. */
const SETTLED_AGO_MS = 15 * 60_000;

export function dashboardScenario(): ScenarioSpec {
  return {
    name: 'dashboard',
    description:
      'Static dashboard: viewers (one per connection) refreshing 8 heavy 6h range panels (rate, histogram_quantile, sum by; step 15–60 s) back to back, ' +
      "one absolute 6 h range ending 15 min before the scenario's start (past promgate's 10 min freshness; floored to each panel's step), so every request asks one of the same 8 URLs. " +
      'Limit: node-bytes, a bare Node server answering those URLs with the bytes a replica answered, from a Map.',
    connections: 32,
    targets: ['promgate', 'haproxy', 'node-bytes'],
    requests: (ctx) => {
      const endMs = ctx.scenarioStartMs - SETTLED_AGO_MS;
      const paths = dashboardPanels(ctx.querySet).map((p) => rangeQueryPath(p.expr, alignedWindow(endMs, SIX_HOURS_MS, p.stepSec)));
      return () => paths.map((path) => ({ path }));
    },
    goals: (_runs, ratios) => [
      checkTarget({ name: 'static dashboard throughput vs HAProxy', op: '>=', threshold: 100, unit: 'x' }, ratios.haproxy),
      checkTarget({ name: 'static dashboard throughput as a fraction of node-bytes (the hit limit)', op: '>=', threshold: 0.5 }, ratios.limit),
    ],
  };
}
