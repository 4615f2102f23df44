import { createHash } from 'node:crypto';
import { Coalescer } from '../cache/coalescer.js';
import type { Clock } from '../clock/clock.js';
import type { AttemptRunner, RunContext } from '../routing/attempt-runner.js';
import type { UpstreamAnswer, UpstreamRequest } from '../upstream/upstream-types.js';

/** A whole answer, buffered, with what it cost upstream. */
export interface BufferedAnswer extends UpstreamAnswer {
  readonly rest?: undefined;
  readonly seconds: number;
}

/**
 * An answer too large to buffer (over upstream.max_buffered_response_bytes): it streams, so it can
 * go to one waiter only. The first waiter to claim it gets it; the others get undefined and fetch
 * their own copy (holding 64 MiB answers in memory for several clients is what the limit forbids).
 */
export interface TooLargeAnswer {
  readonly tooLarge: true;
  claim(): UpstreamAnswer | undefined;
}

export type SharedAnswer = BufferedAnswer | TooLargeAnswer;

type Route = Pick<RunContext, 'stickyKey' | 'affinityKey' | 'only'>;

/** How many keys of too-large answers are remembered, and for how long. */
const UNSHAREABLE_KEYS = 1024;
const UNSHAREABLE_MS = 5 * 60_000;

/**
 * Fetches an answer through the runner on behalf of every identical request in flight. The shared
 * attempt runs on the coalescer's signal, which aborts only when every waiter has gone.
 */
export class SharedFetcher {
  readonly #runner: AttemptRunner;
  readonly #clock: Clock;
  readonly #coalescer = new Coalescer<SharedAnswer>();
  readonly #coalesce: boolean;
  /** Keys whose answer was too large lately: they skip sharing and go straight through. */
  readonly #unshareable = new Map<string, number>();

  constructor(runner: AttemptRunner, clock: Clock, coalesce: boolean) {
    this.#runner = runner;
    this.#clock = clock;
    this.#coalesce = coalesce;
  }

  /** `waiter` aborts when this waiter's client leaves. */
  fetch(key: string, req: UpstreamRequest, route: Route, waiter: AbortSignal | undefined): { promise: Promise<SharedAnswer>; joined: boolean } {
    const work = (signal: AbortSignal) => this.#fetchBuffered(key, req, { ...route, signal });
    if (this.#coalesce) return this.#coalescer.run(key, work, waiter);
    return { promise: work(waiter ?? new AbortController().signal), joined: false };
  }

  /** Whether `key` recently had an answer too large to share. */
  isUnshareable(key: string): boolean {
    const at = slot(key);
    const until = this.#unshareable.get(at);
    if (until === undefined) return false;
    if (until > this.#clock.now()) return true;
    this.#unshareable.delete(at);
    return false;
  }

  get inFlight(): number {
    return this.#coalescer.size;
  }

  async #fetchBuffered(key: string, req: UpstreamRequest, ctx: RunContext): Promise<SharedAnswer> {
    const started = this.#clock.now();
    const answer = await this.#runner.run(req, ctx);
    if (!answer.rest) return { ...answer, rest: undefined, seconds: (this.#clock.now() - started) / 1000 };
    this.#remember(key);
    return tooLarge(answer);
  }

  /** Remembers `key` as one whose answer is too large to share (a range answer built from too-large parts). */
  markUnshareable(key: string): void {
    this.#remember(key);
  }

  #remember(raw: string): void {
    const key = slot(raw);
    this.#unshareable.delete(key);
    if (this.#unshareable.size >= UNSHAREABLE_KEYS) this.#unshareable.delete(this.#unshareable.keys().next().value!);
    this.#unshareable.set(key, this.#clock.now() + UNSHAREABLE_MS);
  }
}

/** Keys are canonical request text, up to a body's size: the long ones are kept as digests here. */
function slot(key: string): string {
  return key.length <= 256 ? key : createHash('sha256').update(key).digest('base64');
}

function tooLarge(answer: UpstreamAnswer): TooLargeAnswer {
  let claimed = false;
  // Waiters claim in the microtasks that follow; an answer nobody claimed releases its connection.
  setImmediate(() => {
    if (!claimed) answer.rest?.destroy();
  });
  return {
    tooLarge: true,
    claim() {
      if (claimed) return undefined;
      claimed = true;
      return answer;
    },
  };
}

export function isTooLarge(answer: SharedAnswer): answer is TooLargeAnswer {
  return 'tooLarge' in answer;
}
