/** What a policy may look at: never health, which ReplicaSet.live() has already filtered on. */
export interface Candidate {
  readonly name: string;
  readonly inFlight: number;
}

export interface PickContext {
  /** Rendezvous key for sticky routing: the Grafana panel, or else the normalized query. */
  readonly stickyKey?: string | undefined;
}

export interface Policy {
  readonly name: string;
  pick<T extends Candidate>(live: readonly T[], ctx: PickContext): T | undefined;
}
