/**
 * A bound on extra attempts (hedges or retries) in flight, as a share of the requests in flight:
 * Envoy's retry budget (`budget_percent` of active requests, with a `min_retry_concurrency`
 * floor). Measured in concurrency rather than rate on purpose: an extra attempt costs a replica
 * while it runs, so hedges that a frozen replica's peer answers in milliseconds hardly use the
 * budget, while hedges against an overloaded pair, which run as long as the queries they
 * duplicate, are held to `ratio` of the load. Pure bookkeeping, no timers.
 */
export class AttemptBudget {
  #active = 0;
  #spent = 0;

  constructor(
    readonly ratio: number,
    readonly minConcurrency: number,
  ) {}

  /** Requests in flight through the runner. */
  get active(): number {
    return this.#active;
  }

  /** Extra attempts in flight. */
  get spent(): number {
    return this.#spent;
  }

  requestStarted(): void {
    this.#active++;
  }

  requestEnded(): void {
    this.#active--;
  }

  /** Takes a slot for one extra attempt if the budget has one; `release()` it when the attempt ends. */
  tryAcquire(): boolean {
    if (this.#spent >= this.minConcurrency && this.#spent + 1 > this.ratio * this.#active) return false;
    this.#spent++;
    return true;
  }

  release(): void {
    this.#spent--;
  }
}
