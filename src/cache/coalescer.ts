import { AttemptCanceledError } from '../errors/index.js';

interface Flight<T> {
  readonly promise: Promise<T>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
}

/**
 * Identical requests in flight share one evaluation: the first starts it, later ones wait for the
 * same result. The evaluation is reference-counted by its waiters: a waiter whose signal aborts
 * stops waiting at once (its promise rejects with AttemptCanceledError) without disturbing the
 * others, and when the last waiter has left the evaluation itself is aborted, so a replica stops
 * evaluating a query nobody waits for (Grafana cancels in-flight queries when the time range
 * changes or the page is left). A waiter without a signal never leaves.
 */
export class Coalescer<T> {
  readonly #inFlight = new Map<string, Flight<T>>();

  /** Runs `work` unless an identical request is already in flight; `joined` says which happened. */
  run(key: string, work: (signal: AbortSignal) => Promise<T>, waiter?: AbortSignal): { promise: Promise<T>; joined: boolean } {
    if (waiter?.aborted) return { promise: Promise.reject(canceled()), joined: false };
    let flight = this.#inFlight.get(key);
    const joined = flight !== undefined;
    if (!flight) flight = this.#start(key, work);
    flight.waiters++;
    return { promise: this.#wait(key, flight, waiter), joined };
  }

  get size(): number {
    return this.#inFlight.size;
  }

  #start(key: string, work: (signal: AbortSignal) => Promise<T>): Flight<T> {
    const controller = new AbortController();
    let promise: Promise<T>;
    try {
      promise = work(controller.signal);
    } catch (err) {
      promise = Promise.reject(err);
    }
    const flight: Flight<T> = { promise, controller, waiters: 0, settled: false };
    this.#inFlight.set(key, flight);
    const finish = () => {
      flight.settled = true;
      if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
    };
    // Every waiter may have left: nobody else would observe a rejection.
    promise.then(finish, finish);
    return flight;
  }

  #wait(key: string, flight: Flight<T>, waiter: AbortSignal | undefined): Promise<T> {
    if (!waiter) return flight.promise;
    return new Promise<T>((resolve, reject) => {
      const leave = () => {
        reject(canceled());
        if (--flight.waiters > 0 || flight.settled) return;
        // The last waiter left: a request arriving now must start afresh, not join an aborted one.
        if (this.#inFlight.get(key) === flight) this.#inFlight.delete(key);
        flight.controller.abort(new AttemptCanceledError('every client waiting for this answer went away'));
      };
      waiter.addEventListener('abort', leave, { once: true });
      flight.promise.then(
        (value) => {
          waiter.removeEventListener('abort', leave);
          resolve(value);
        },
        (err: unknown) => {
          waiter.removeEventListener('abort', leave);
          reject(err);
        },
      );
    });
  }
}

function canceled(): AttemptCanceledError {
  return new AttemptCanceledError('client went away');
}
