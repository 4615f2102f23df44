/**
 * Outage (issue #8): dashboard load on live self-scraped data while one replica is kill -9ed and,
 * some seconds later, restarted on its data dir, so it holds a hole the other replica does not.
 * Once it is back (and both front ends' health checks have seen it), each panel is asked several
 * times through the front end, one request at a time, and every answer is judged against the
 * never-stopped replica asked the same request right after (lib/answer-check.ts). Round robin
 * sends every other answer to the replica with the hole; promgate should route around it.
 *
 * promgate runs with `ha.probe_interval: 1s` (default 5s) so its coverage probe sees the hole
 * within the wait, and `cache.freshness: 5s` (default 10m) so the judged answers come largely from
 * its cache rather than all freshly fetched: the harder case.
 */
import { answerHolesOfTarget } from '../lib/aggregate.js';
import { OUTAGE_PANELS, OUTAGE_PANELS_READ_BACK_MS } from '../lib/queries.js';
import { userRefreshes, WALL_CLOCK } from '../lib/refresh-schedule.js';
import type { ScenarioSpec } from '../lib/scenario-spec.js';
import { checkTarget } from '../lib/target-check.js';

const ONE_HOUR_MS = 3_600_000;
/** Asks of each panel per run: every panel reaches each of two round-robin replicas several times. */
const ROUNDS = 6;
/**
 * From the restarted replica's readiness to the first ask. A restarted Prometheus (2.42) scrapes
 * again only at its scrape manager's first reload tick, 5 s after start, so its hole ends about
 * then; promgate's probe (every 1 s here) then sees both edges, and HAProxy has long taken the
 * replica back (2 passing checks 1 s apart).
 */
const AFTER_RECOVERY_MS = 7_000;

export function outageScenario(): ScenarioSpec {
  return {
    name: 'outage',
    description:
      `Dashboard load (a viewer per connection, ${OUTAGE_PANELS.length} panels over the last hour, live self-scraped data, steps 1–3 s); one replica kill -9ed at 1/3 of the run and ` +
      `restarted on its data dir at 2/3, so it has a hole. ${AFTER_RECOVERY_MS / 1000} s after it is ready (it scrapes again after 5 s), each panel is asked ${ROUNDS} times, one request at a time, and each answer is ` +
      'judged against the never-stopped replica (with holes: a series misses a step it has, or a value differs). promgate: ha.probe_interval 1s, cache.freshness 5s.',
    connections: 8,
    targets: ['promgate', 'haproxy'],
    fault: 'kill',
    promgateConfig: { ha: { probe_interval: '1s' }, cache: { freshness: '5s' } },
    requests: (ctx) => (user) => userRefreshes(OUTAGE_PANELS, ONE_HOUR_MS, WALL_CLOCK, user, ctx.nowMs),
    answerCheck: { panels: OUTAGE_PANELS, rangeMs: ONE_HOUR_MS, rounds: ROUNDS, afterRecoveryMs: AFTER_RECOVERY_MS, skipMs: OUTAGE_PANELS_READ_BACK_MS },
    goals: (runs) => [
      checkTarget({ name: 'promgate answers with holes after a replica outage (share)', op: '==', threshold: 0 }, answerHolesOfTarget(runs, 'promgate')?.share),
    ],
  };
}
