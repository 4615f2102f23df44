import { Coalescer } from '../cache/coalescer.js';
import type { Clock } from '../clock/clock.js';
import { PromgateError } from '../errors/index.js';
import type { AttemptRunner } from '../routing/attempt-runner.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';

/** A whole answer, buffered, with what it cost upstream. */
export interface BufferedAnswer extends UpstreamAnswer {
  readonly rest?: undefined;
  readonly seconds: number;
}

/** An answer too large to buffer cannot be handed to several waiters; each then fetches its own. */
export class UnshareableAnswerError extends PromgateError {
  readonly code = 'PROMGATE_UNSHAREABLE_ANSWER';
  readonly statusCode = 502;
  readonly errorType = 'internal' as const;
}

/**
 * Fetches an answer through the runner on behalf of every identical request in flight. The
 * shared attempt carries no client's signal: one waiter leaving must not cancel it for the rest.
 */
export class SharedFetcher {
  readonly #runner: AttemptRunner;
  readonly #clock: Clock;
  readonly #coalescer = new Coalescer<BufferedAnswer>();
  readonly #coalesce: boolean;

  constructor(runner: AttemptRunner, clock: Clock, coalesce: boolean) {
    this.#runner = runner;
    this.#clock = clock;
    this.#coalesce = coalesce;
  }

  fetch(key: string, req: UpstreamRequest, route: { stickyKey?: string | undefined; affinityKey?: string | undefined }): { promise: Promise<BufferedAnswer>; joined: boolean } {
    const work = () => this.#fetchBuffered(req, route);
    return this.#coalesce ? this.#coalescer.run(key, work) : { promise: work(), joined: false };
  }

  get inFlight(): number {
    return this.#coalescer.size;
  }

  async #fetchBuffered(req: UpstreamRequest, route: { stickyKey?: string | undefined; affinityKey?: string | undefined }): Promise<BufferedAnswer> {
    const started = this.#clock.now();
    const answer = await this.#runner.run(req, route);
    if (answer.rest) {
      answer.rest.destroy();
      throw new UnshareableAnswerError('answer larger than upstream.max_buffered_response_bytes');
    }
    return { ...answer, rest: undefined, seconds: (this.#clock.now() - started) / 1000 };
  }
}
