/**
 * Active-check state of one replica, HAProxy style: `fall` consecutive failed probes take it down,
 * `rise` consecutive good ones bring it back. Before the first probe the replica counts as up, and
 * the first probe decides at once, so a gateway starting next to a dead replica does not route to
 * it for `fall` intervals.
 */
export type HealthTransition = 'up' | 'down' | undefined;

export class ReplicaHealth {
  #healthy = true;
  #probed = false;
  #streak = 0;

  constructor(readonly fall: number, readonly rise: number) {}

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Records one probe; returns the transition it caused, if any. */
  record(ok: boolean): HealthTransition {
    if (!this.#probed) {
      this.#probed = true;
      const was = this.#healthy;
      this.#healthy = ok;
      this.#streak = 0;
      return was === ok ? undefined : ok ? 'up' : 'down';
    }
    if (ok === this.#healthy) {
      this.#streak = 0;
      return undefined;
    }
    this.#streak++;
    const needed = this.#healthy ? this.fall : this.rise;
    if (this.#streak < needed) return undefined;
    this.#healthy = ok;
    this.#streak = 0;
    return ok ? 'up' : 'down';
  }
}
