import type { Candidate, PickContext, Policy } from './policy.js';

/** Fewest requests in flight wins; ties rotate so equal replicas share the load evenly. */
export class LeastLoaded implements Policy {
  readonly name = 'least_loaded';
  #rotation = 0;

  pick<T extends Candidate>(live: readonly T[], _ctx: PickContext): T | undefined {
    if (live.length === 0) return undefined;
    const offset = this.#rotation++ % live.length;
    let best: T | undefined;
    for (let i = 0; i < live.length; i++) {
      const c = live[(offset + i) % live.length]!;
      if (best === undefined || c.inFlight < best.inFlight) best = c;
    }
    this.#rotation %= 0x7fffffff;
    return best;
  }
}
