export type AttemptOutcome = 'success' | 'replica_fault' | 'connection_error' | 'timeout' | 'canceled' | 'breaker_open';

/** What the runner reports, for metrics; it never decides anything. */
export interface RoutingObserver {
  attempt(replica: string, outcome: AttemptOutcome, seconds: number): void;
  retry(): void;
  hedge(): void;
  hedgeWon(): void;
}
