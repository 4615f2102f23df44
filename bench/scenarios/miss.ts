/** Miss path: every request a distinct cheap query, so nothing can be coalesced or cached. */
import { missPath } from '../lib/queries.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';

export function missScenario(): ScenarioSpec {
  return {
    name: 'miss',
    description:
      'Every request a distinct cheap instant query (`up` at a distinct `time`): proxying overhead only. ' +
      'Limit: node-proxy, a bare Node server forwarding each request round robin over an undici Pool per replica and piping the answer back.',
    connections: 32,
    targets: ['promgate', 'haproxy', 'node-proxy'],
    profile: true,
    requests: (ctx) => {
      let n = 0; // shared by every connection: no two requests alike
      return () => [{ setupRequest: (req) => ({ ...req, path: missPath(ctx.runStartMs, n++) }) }];
    },
    goals: (_runs, ratios) => [checkTarget({ name: 'miss-path throughput vs node-proxy (the miss limit)', op: '>=', threshold: 0.9, unit: 'x' }, ratios.limit)],
  };
}
