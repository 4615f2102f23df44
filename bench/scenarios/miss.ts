/** Miss path: every request a distinct cheap query, so nothing can be coalesced or cached. */
import { missPath } from '../lib/queries.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';

export function missScenario(): ScenarioSpec {
  return {
    name: 'miss',
    description: 'Every request a distinct cheap instant query (`up` at a distinct `time`): proxying overhead only.',
    connections: 32,
    profile: true,
    requests: (ctx) => {
      const anchorMs = ctx.nowMs();
      let n = 0;
      return [{ setupRequest: (req) => ({ ...req, path: missPath(anchorMs, n++) }) }];
    },
    goals: (_runs, ratio) => [checkTarget({ name: 'miss-path throughput vs HAProxy', op: '>=', threshold: 0.9, unit: 'x' }, ratio)],
  };
}
