import CircuitBreaker from 'opossum';
import type { CircuitBreakerConfig } from '../config/index.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

/** What an attempt says about its replica, decided by the runner once it knows the outcome. */
export type Verdict = 'success' | 'failure' | 'neutral';

/** One admitted attempt; `record` must be called once when its verdict is known. */
export interface Admission {
  readonly trial: boolean;
  record(verdict: Verdict): void;
}

const FAILED = Object.freeze(new Error('replica fault'));

/**
 * A replica's circuit breaker, with admission apart from accounting. opossum keeps the state
 * machine and the rolling error rate; we feed it verdicts after the fact instead of wrapping the
 * request in `fire()`, because the verdict is often not known when the answer arrives:
 *
 * - a lost hedge race or a client that went away says nothing about the replica (neutral): opossum
 *   would count a filtered error as a success and close a half-open breaker with it;
 * - a 5xx that every replica gives to the same request is the request's fault (a "query of death"),
 *   which the runner only knows once another replica has answered.
 *
 * While half-open, exactly one trial is admitted at a time; every other request is not admitted
 * (so it is routed to a live replica without using up an attempt). A neutral trial frees the slot
 * for the next request to be the trial.
 */
export class BreakerGate {
  readonly #breaker: CircuitBreaker<[boolean], void>;
  #trialInFlight = false;

  constructor(cfg: CircuitBreakerConfig, onState: (state: BreakerState) => void) {
    this.#breaker = new CircuitBreaker((ok: boolean) => (ok ? Promise.resolve() : Promise.reject(FAILED)), {
      // Attempt deadlines are the runner's; opossum only counts verdicts.
      timeout: false,
      errorThresholdPercentage: cfg.error_threshold_percentage,
      volumeThreshold: cfg.volume_threshold,
      rollingCountTimeout: cfg.rolling_window,
      rollingCountBuckets: cfg.rolling_buckets,
      resetTimeout: cfg.reset_timeout,
    });
    this.#breaker.on('open', () => {
      this.#trialInFlight = false;
      onState('open');
    });
    this.#breaker.on('halfOpen', () => {
      this.#trialInFlight = false;
      onState('half_open');
    });
    this.#breaker.on('close', () => onState('closed'));
  }

  get state(): BreakerState {
    if (this.#breaker.halfOpen) return 'half_open';
    return this.#breaker.opened ? 'open' : 'closed';
  }

  /** Whether a new request would be admitted now: closed, or half-open with its trial slot free. */
  get admitting(): boolean {
    const state = this.state;
    return state === 'closed' || (state === 'half_open' && !this.#trialInFlight);
  }

  /** Admits one attempt, or returns undefined when the breaker does not let it through. */
  admit(): Admission | undefined {
    const state = this.state;
    if (state === 'open') return undefined;
    const trial = state === 'half_open';
    if (trial) {
      if (this.#trialInFlight) return undefined;
      this.#trialInFlight = true;
    }
    let recorded = false;
    return {
      trial,
      record: (verdict) => {
        if (recorded) return;
        recorded = true;
        if (trial) this.#trialInFlight = false;
        // A late verdict of an attempt admitted before the breaker opened changes nothing while it
        // is open (fire() would count it as a request in the rolling window before refusing it).
        if (verdict === 'neutral' || this.#breaker.opened) return;
        this.#breaker.fire(verdict === 'success').catch(() => undefined);
      },
    };
  }

  shutdown(): void {
    this.#breaker.shutdown();
  }
}
