/**
 * Dashboard: dozens of viewers refreshing a dashboard of heavy 6h range panels back to back.
 * Each connection is one viewer; windows slide with the wall clock and are aligned to each
 * panel's step, as Grafana does (see lib/dashboard-windows.ts), over history that ends at the
 * bench's start plus live self-scraped data (see lib/local-cluster.ts for why).
 */
import { rangePointsOfTarget } from '../lib/aggregate.js';
import { dashboardRequests, SIX_HOURS_MS } from '../lib/dashboard-windows.js';
import { dashboardPanels } from '../lib/queries.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';

export function dashboardScenario(): ScenarioSpec {
  return {
    name: 'dashboard',
    description: 'Viewers (one per connection) refreshing 6h range panels (rate, histogram_quantile, sum by; step 15–60s), windows sliding and step-aligned like Grafana.',
    connections: 32,
    requests: (ctx) => dashboardRequests(dashboardPanels(ctx.querySet), SIX_HOURS_MS, ctx.nowMs),
    goals: (runs, ratio) => [
      checkTarget({ name: 'dashboard throughput vs HAProxy', op: '>=', threshold: 20, unit: 'x' }, ratio),
      // The cache issue's target: slid windows make the replicas evaluate under 5% of the range
      // asked (range points evaluated / asked, from the replicas' query logs).
      checkTarget(
        { name: 'promgate: replicas evaluate under 5% of the range asked (evaluated / asked range points)', op: '<=', threshold: 0.05 },
        rangePointsOfTarget(runs, 'promgate')?.share,
      ),
    ],
  };
}
