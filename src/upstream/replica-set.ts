import type { Replica } from './replica.js';

/** The configured replicas, and which of them may take new requests. Owns no policy. */
export class ReplicaSet {
  readonly all: readonly Replica[];

  constructor(replicas: readonly Replica[]) {
    this.all = replicas;
  }

  /** Replicas that may take new requests (the runner prefers those not stalled among them). */
  live(): Replica[] {
    return this.all.filter((r) => r.isLive());
  }

  hasLive(): boolean {
    return this.all.some((r) => r.isLive());
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.all.map((r) => r.close()));
  }
}
