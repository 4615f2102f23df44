/** Burst: many identical heavy queries at once, the same window for every connection. */
import { alignedWindow, rangeQueryPath, SIX_HOURS_MS } from '../lib/dashboard-windows.js';
import { burstPanel } from '../lib/queries.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';

export function burstScenario(): ScenarioSpec {
  return {
    name: 'burst',
    description: "Every connection sends the same heavy 6h histogram_quantile range query at once, again and again (window fixed at the scenario's start).",
    connections: 64,
    targets: ['promgate', 'haproxy'],
    requests: (ctx) => {
      const panel = burstPanel(ctx.querySet);
      const path = rangeQueryPath(panel.expr, alignedWindow(ctx.scenarioStartMs, SIX_HOURS_MS, panel.stepSec));
      return () => [{ path }];
    },
    goals: () => [],
  };
}
