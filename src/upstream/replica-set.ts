import type { Replica } from './replica.js';

/** The configured replicas, and which of them may take new requests. Owns no policy. */
export class ReplicaSet {
  readonly all: readonly Replica[];

  constructor(replicas: readonly Replica[]) {
    this.all = replicas;
  }

  /**
   * Replicas that may take new requests. A stalled one (its probe hangs) is left out while another
   * is live, but kept when it is the last: a slow probe on an overloaded pair must not turn into
   * "no healthy replica" for everybody.
   */
  live(): Replica[] {
    const live = this.all.filter((r) => r.isLive());
    if (live.length < 2) return live;
    const moving = live.filter((r) => !r.stalled());
    return moving.length > 0 ? moving : live;
  }

  hasLive(): boolean {
    return this.all.some((r) => r.isLive());
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((r) => r.close()));
  }
}
