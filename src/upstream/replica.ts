import { EventEmitter } from 'node:events';
import CircuitBreaker from 'opossum';
import { Pool, type Dispatcher } from 'undici';
import type { CircuitBreakerConfig, UpstreamConfig } from '../config/index.js';
import {
  AttemptCanceledError,
  BreakerOpenError,
  isPromgateError,
  UpstreamBadStatusError,
  UpstreamConnectionError,
} from '../errors/index.js';
import { classifyAnswer } from './answer-class.js';
import { readBodyUpTo } from './body-reader.js';
import { forwardableResponseHeaders } from './headers.js';
import { LatencyWindow } from './latency-window.js';
import { ReplicaHealth } from './replica-health.js';
import type { UpstreamAnswer, UpstreamRequest } from './upstream-types.js';

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface ReplicaOptions {
  readonly name: string;
  readonly url: URL;
  readonly upstream: UpstreamConfig;
  readonly breaker: CircuitBreakerConfig;
  readonly fall: number;
  readonly rise: number;
  readonly attemptTimeoutMs: number;
}

export interface ReplicaDeps {
  readonly now: () => number;
  /** Builds the connection pool; tests may pass another dispatcher. */
  readonly dispatcher?: (url: URL, opts: Pool.Options) => Dispatcher;
}

/**
 * One Prometheus replica: a keep-alive undici Pool for queries, a one-connection pool for probes
 * (so a pool saturated by a frozen replica cannot starve its own health checks), an opossum breaker
 * fed by transport errors and replica-fault answers, and the active-check state.
 *
 * Emits `health` ('up' | 'down') and `breaker` (BreakerState) for metrics and logs; routing reads
 * the getters.
 */
export class Replica extends EventEmitter {
  readonly name: string;
  readonly url: URL;
  readonly #opts: ReplicaOptions;
  readonly #now: () => number;
  readonly #pool: Dispatcher;
  readonly #probePool: Dispatcher;
  readonly #breaker: CircuitBreaker<[UpstreamRequest, AbortSignal], UpstreamAnswer> | undefined;
  readonly #health: ReplicaHealth;
  readonly #latency = new Map<string, LatencyWindow>();
  /** A replica served under a path prefix (`http://host/prometheus`) keeps it on every request. */
  readonly #prefix: string;
  #inFlight = 0;

  constructor(opts: ReplicaOptions, deps: ReplicaDeps) {
    super();
    this.#opts = opts;
    this.name = opts.name;
    this.url = opts.url;
    this.#prefix = opts.url.pathname.replace(/\/+$/, '');
    this.#now = deps.now;
    const makePool = deps.dispatcher ?? ((url: URL, o: Pool.Options) => new Pool(url.origin, o));
    const common: Pool.Options = {
      connect: { timeout: opts.upstream.connect_timeout },
      keepAliveTimeout: opts.upstream.keep_alive_timeout,
      headersTimeout: opts.attemptTimeoutMs,
      bodyTimeout: opts.attemptTimeoutMs,
    };
    this.#pool = makePool(opts.url, { ...common, connections: opts.upstream.connections_per_replica });
    this.#probePool = makePool(opts.url, { ...common, connections: 1 });
    this.#health = new ReplicaHealth(opts.fall, opts.rise);
    this.#breaker = opts.breaker.enabled ? this.#buildBreaker(opts.breaker) : undefined;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get healthy(): boolean {
    return this.#health.healthy;
  }

  get breakerState(): BreakerState {
    if (!this.#breaker) return 'closed';
    if (this.#breaker.halfOpen) return 'half_open';
    return this.#breaker.opened ? 'open' : 'closed';
  }

  /** Eligible for new requests: passing its checks and its breaker not open. */
  isLive(): boolean {
    return this.#health.healthy && this.breakerState !== 'open';
  }

  latency(latencyClass: string): LatencyWindow {
    let w = this.#latency.get(latencyClass);
    if (!w) {
      w = new LatencyWindow();
      this.#latency.set(latencyClass, w);
    }
    return w;
  }

  /** Sends one attempt. Resolves with any answer that is final for the client; rejects on replica faults. */
  async send(req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamAnswer> {
    if (!this.#breaker) return this.#attempt(req, signal);
    try {
      return await this.#breaker.fire(req, signal);
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new BreakerOpenError(`replica ${this.name}: circuit breaker open`, { cause: err });
      }
      throw err;
    }
  }

  /** One active check: true when `path` answers 200 within `timeoutMs`. */
  async probe(path: string, timeoutMs: number): Promise<boolean> {
    try {
      const res = await this.#probePool.request({ method: 'GET', path: this.#prefix + path, signal: AbortSignal.timeout(timeoutMs) });
      await res.body.dump();
      return res.statusCode === 200;
    } catch {
      return false;
    }
  }

  recordProbe(ok: boolean): void {
    const transition = this.#health.record(ok);
    if (transition) this.emit('health', transition);
  }

  async close(): Promise<void> {
    this.#breaker?.shutdown();
    await Promise.allSettled([this.#pool.destroy(), this.#probePool.destroy()]);
  }

  async #attempt(req: UpstreamRequest, signal: AbortSignal): Promise<UpstreamAnswer> {
    const started = this.#now();
    this.#inFlight++;
    try {
      const res = await this.#pool.request({
        method: req.method as Dispatcher.HttpMethod,
        path: this.#prefix + req.pathAndQuery,
        headers: req.headers,
        body: req.body,
        signal,
      });
      const { body, rest } = await readBodyUpTo(res.body, this.#opts.upstream.max_buffered_response_bytes);
      const headers = forwardableResponseHeaders(res.headers);
      const answer: UpstreamAnswer = { replica: this.name, statusCode: res.statusCode, headers, body, rest };
      const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
      if (classifyAnswer(res.statusCode, contentType, body) === 'replica_fault') {
        // A fault answer may be passed on if every attempt fails; a truncated one never is.
        const whole = rest === undefined;
        rest?.destroy();
        throw new UpstreamBadStatusError(`replica ${this.name} answered ${res.statusCode}`, res.statusCode, whole ? { cause: answer } : {});
      }
      this.latency(req.latencyClass).record(this.#now() - started);
      return answer;
    } catch (err) {
      throw this.#asAttemptError(err, signal);
    } finally {
      this.#inFlight--;
    }
  }

  #asAttemptError(err: unknown, signal: AbortSignal): unknown {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      return isPromgateError(reason) ? reason : new AttemptCanceledError(`attempt on ${this.name} canceled`, { cause: err });
    }
    if (isPromgateError(err)) return err;
    const code = (err as { code?: string }).code ?? 'unknown';
    return new UpstreamConnectionError(`replica ${this.name}: ${code}: ${(err as Error).message}`, { cause: err });
  }

  #buildBreaker(cfg: CircuitBreakerConfig): CircuitBreaker<[UpstreamRequest, AbortSignal], UpstreamAnswer> {
    const breaker: CircuitBreaker<[UpstreamRequest, AbortSignal], UpstreamAnswer> = new CircuitBreaker((req: UpstreamRequest, signal: AbortSignal) => this.#attempt(req, signal), {
      // Attempt deadlines are the runner's; opossum's own timer would double them.
      timeout: false,
      errorThresholdPercentage: cfg.error_threshold_percentage,
      volumeThreshold: cfg.volume_threshold,
      rollingCountTimeout: cfg.rolling_window,
      rollingCountBuckets: cfg.rolling_buckets,
      resetTimeout: cfg.reset_timeout,
      // A lost hedge race or a client that went away says nothing about the replica, so it does
      // not count as a failure. opossum reports a filtered error as a success, though, and a
      // success closes a half-open breaker: a trial that was canceled must keep it open instead.
      errorFilter: (err: unknown): boolean => err instanceof AttemptCanceledError && !breaker.halfOpen,
    });
    breaker.on('open', () => this.emit('breaker', 'open'));
    breaker.on('halfOpen', () => this.emit('breaker', 'half_open'));
    breaker.on('close', () => this.emit('breaker', 'closed'));
    return breaker;
  }
}
