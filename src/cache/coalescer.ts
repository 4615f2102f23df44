/**
 * Identical requests in flight share one evaluation: the first starts it, later ones wait for the
 * same promise. A waiter that goes away does not cancel it for the others, so the shared work
 * runs without any one client's signal.
 */
export class Coalescer<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  /** Runs `work` unless an identical request is already in flight; `joined` says which happened. */
  run(key: string, work: () => Promise<T>): { promise: Promise<T>; joined: boolean } {
    const existing = this.#inFlight.get(key);
    if (existing) return { promise: existing, joined: true };
    const promise = work().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return { promise, joined: false };
  }

  get size(): number {
    return this.#inFlight.size;
  }
}
