import type { Candidate, PickContext, Policy } from './policy.js';
import { pickByRendezvous } from './rendezvous-hash.js';

/**
 * Keeps one Grafana panel (or one query) on one replica, so refreshes do not jitter between
 * replicas whose recent samples differ by a scrape. Without a key it behaves as round robin.
 */
export class Sticky implements Policy {
  readonly name = 'sticky';
  #next = 0;

  pick<T extends Candidate>(live: readonly T[], ctx: PickContext): T | undefined {
    if (live.length === 0) return undefined;
    if (ctx.stickyKey === undefined) return live[this.#next++ % live.length];
    return pickByRendezvous(live, ctx.stickyKey);
  }
}
