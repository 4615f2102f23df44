import type { ScenarioName } from '../lib/args.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { burstScenario } from './burst.js';
import { dashboardScenario } from './dashboard.js';
import { failoverScenario } from './failover.js';
import { grafanaRefreshScenario } from './grafana-refresh.js';
import { missScenario } from './miss.js';
import { outageScenario } from './outage.js';

export function scenarioFor(name: ScenarioName): ScenarioSpec {
  switch (name) {
    case 'miss':
      return missScenario();
    case 'dashboard':
      return dashboardScenario();
    case 'grafana-refresh':
      return grafanaRefreshScenario();
    case 'failover-kill':
      return failoverScenario('kill');
    case 'failover-freeze':
      return failoverScenario('freeze');
    case 'failover-slow':
      return failoverScenario('slow');
    case 'outage':
      return outageScenario();
    case 'burst':
      return burstScenario();
  }
}
