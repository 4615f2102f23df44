/**
 * Grafana refresh: users each looking at "last 6 h" of the dashboard's 8 panels, refreshed every
 * 10 s, so windows slide with the clock as Grafana's do; run closed loop on a virtual clock of
 * dashboard time to compare throughput (lib/refresh-schedule.ts).
 */
import { rangePointsOfTarget } from '../lib/aggregate.js';
import { SIX_HOURS_MS } from '../lib/dashboard-windows.js';
import { dashboardPanels } from '../lib/queries.js';
import { userRefreshes } from '../lib/refresh-schedule.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';

const REFRESH_MS = 10_000;
/** The virtual clock starts this far before the run; the replicas' backfilled history covers it. */
const LAG_MS = 3_600_000;

export function grafanaRefreshScenario(): ScenarioSpec {
  return {
    name: 'grafana-refresh',
    description:
      'Users (one per connection, 50 by default) each looking at "last 6 h" of the 8 dashboard panels, refreshed every 10 s of dashboard time. ' +
      "Closed loop on a virtual clock, not 10 s sleeps: user u of n sends its k-th refresh as soon as its previous one is answered, with now = (run start − 1 h) + k·10 s + u·10 s/n, " +
      'never later than the wall clock. A target that outruns the schedule catches up with real time and then slides with it; a slower one makes fewer refreshes, ' +
      'the same 10 s of dashboard time apart. One now per refresh for all its panels, windows aligned to each step, as Grafana does.',
    connections: 50,
    targets: ['promgate', 'haproxy'],
    requests: (ctx) => {
      const schedule = { anchorMs: ctx.runStartMs - LAG_MS, everyMs: REFRESH_MS, users: ctx.connections };
      return (user) => userRefreshes(dashboardPanels(ctx.querySet), SIX_HOURS_MS, schedule, user, ctx.nowMs);
    },
    goals: (runs, ratios) => [
      checkTarget({ name: 'Grafana refresh throughput vs HAProxy', op: '>=', threshold: 50, unit: 'x' }, ratios.haproxy),
      // The cache issue's target: slid windows make the replicas evaluate under 5% of the range asked.
      checkTarget(
        { name: 'promgate: replicas evaluate under 5% of the range asked (evaluated / asked range points)', op: '<', threshold: 0.05 },
        rangePointsOfTarget(runs, 'promgate')?.share,
      ),
    ],
  };
}
