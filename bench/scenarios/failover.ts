/**
 * Failover: steady dashboard-like load while one replica fails at a third of the run and comes
 * back at two thirds. Three ways to fail:
 *   kill   kill -9, then restart on the same port and data (remote: --chaos-stop/--chaos-start)
 *   freeze SIGSTOP, then SIGCONT: connections stay open and nothing answers, the hard case
 *   slow   +500 ms on every query to the replica (a delaying TCP proxy of ours in front of it,
 *          used by both front ends; health probes pass at once). A proxy rather than SIGSTOP
 *          duty-cycling: it slows evaluation without making the replica look dead to probes.
 */
import { failuresOf, p99DuringFault } from '../lib/aggregate.js';
import { SIX_HOURS_MS } from '../lib/dashboard-windows.js';
import type { FaultKind } from '../lib/environment.js';
import { SLOW_DELAY_MS } from '../lib/local-environment.js';
import { dashboardPanels } from '../lib/queries.js';
import { userRefreshes, WALL_CLOCK } from '../lib/refresh-schedule.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';
import type { TargetCheck } from '../lib/types.js';

const LOAD = 'Viewers (one per connection) refreshing the 8 dashboard panels back to back, windows sliding with the wall clock';
const DESCRIPTIONS: Record<FaultKind, string> = {
  kill: `${LOAD}; one replica kill -9ed at 1/3 of the run, restarted at 2/3.`,
  freeze: `${LOAD}; one replica frozen (SIGSTOP) at 1/3 of the run, resumed (SIGCONT) at 2/3.`,
  slow: `${LOAD}; one replica's queries delayed by ${SLOW_DELAY_MS} ms from 1/3 to 2/3 of the run.`,
};

export function failoverScenario(kind: FaultKind): ScenarioSpec {
  return {
    name: `failover-${kind}`,
    description: DESCRIPTIONS[kind],
    connections: 16,
    targets: ['promgate', 'haproxy'],
    fault: kind,
    requests: (ctx) => (user) => userRefreshes(dashboardPanels(ctx.querySet), SIX_HOURS_MS, WALL_CLOCK, user, ctx.nowMs),
    goals: (runs) => {
      const goals: TargetCheck[] = [
        checkTarget({ name: `promgate failed requests (${kind})`, op: '==', threshold: 0, unit: ' failures' }, failuresOf(runs, 'promgate')),
      ];
      if (kind === 'freeze') {
        goals.push(checkTarget({ name: 'promgate p99 while frozen', op: '<', threshold: 1000, unit: ' ms' }, p99DuringFault(runs, 'promgate')));
      }
      return goals;
    },
  };
}
