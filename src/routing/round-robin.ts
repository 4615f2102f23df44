import type { Candidate, PickContext, Policy } from './policy.js';

/** Each pick takes the next live replica in turn. */
export class RoundRobin implements Policy {
  readonly name = 'round_robin';
  #next = 0;

  pick<T extends Candidate>(live: readonly T[], _ctx: PickContext): T | undefined {
    if (live.length === 0) return undefined;
    const chosen = live[this.#next % live.length];
    this.#next = (this.#next + 1) % 0x7fffffff;
    return chosen;
  }
}
