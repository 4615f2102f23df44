export type AttemptOutcome = 'success' | 'replica_fault' | 'connection_error' | 'timeout' | 'canceled' | 'breaker_open';

/** What the runner reports, for metrics; it never decides anything. */
export interface RoutingObserver {
  attempt(replica: string, outcome: AttemptOutcome, seconds: number): void;
  retry(): void;
  hedge(): void;
  hedgeWon(): void;
  /** An extra attempt was wanted but its budget had no room. */
  throttled(kind: 'hedge' | 'retry'): void;
  /** An attempt on a replica that stopped being live was replaced without waiting for it. */
  rescue(): void;
}
