import { EventEmitter } from 'node:events';
import type { ConnectionOptions } from 'node:tls';
import { Pool, type Dispatcher } from 'undici';
import type { CircuitBreakerConfig, Config, ReplicaConfig, UpstreamConfig } from '../config/index.js';
import type { ReplicaHttpConfig } from '../config/http-config.js';
import { AttemptCanceledError, isPromgateError, UpstreamBadStatusError, UpstreamConnectionError } from '../errors/index.js';
import { classifyAnswer } from './answer-class.js';
import { BreakerGate, type BreakerState, type Verdict } from './breaker-gate.js';
import { readBodyUpTo } from './body-reader.js';
import { forwardableResponseHeaders } from './headers.js';
import { LatencyWindow } from './latency-window.js';
import { ReplicaHealth } from './replica-health.js';
import type { UpstreamAnswer, UpstreamRequest } from './upstream-types.js';

export type { BreakerState, Verdict } from './breaker-gate.js';

/** One attempt admitted by the replica's breaker: its result, and where its verdict goes. */
export interface AttemptHandle {
  readonly result: Promise<UpstreamAnswer>;
  /** Feeds the breaker once the runner knows what the outcome says about the replica. */
  readonly record: (verdict: Verdict) => void;
}

/** Latency windows kept per query fingerprint, per replica: dashboards repeat a bounded set of queries. */
const MAX_COST_WINDOWS = 1024;

export interface ReplicaOptions {
  readonly name: string;
  readonly url: URL;
  readonly upstream: UpstreamConfig;
  readonly breaker: CircuitBreakerConfig;
  readonly fall: number;
  readonly rise: number;
  readonly attemptTimeoutMs: number;
  /** A health probe unanswered for this long marks the replica stalled (frozen, wedged) before its checks fail. */
  readonly stallAfterMs?: number | undefined;
  /** The replica's http_config, resolved (ReplicaConfig.http): TLS for its connections, headers for its requests. */
  readonly http?: ReplicaHttpConfig | undefined;
}

/** A replica's options as the configuration sets them: the one place config keys map onto a Replica. */
export function replicaOptionsFrom(
  config: Pick<Config, 'upstream' | 'circuit_breaker' | 'health_check' | 'routing'>,
  replica: Pick<ReplicaConfig, 'name' | 'url' | 'http'>,
): ReplicaOptions {
  return {
    name: replica.name,
    url: replica.url,
    upstream: config.upstream,
    breaker: config.circuit_breaker,
    fall: config.health_check.fall,
    rise: config.health_check.rise,
    attemptTimeoutMs: config.routing.attempt_timeout,
    // Readiness answers in milliseconds on a healthy Prometheus; a probe near its timeout says
    // frozen, long before `fall` failed checks (slower on a CPU-starved box is fine).
    stallAfterMs: Math.max(50, config.health_check.timeout * 0.8),
    http: replica.http,
  };
}

export interface ReplicaDeps {
  readonly now: () => number;
  /** Builds the connection pool; tests may pass another dispatcher. */
  readonly dispatcher?: (url: URL, opts: Pool.Options) => Dispatcher;
}

/**
 * One Prometheus replica: a keep-alive undici Pool for queries, a one-connection pool for probes
 * (so a pool saturated by a frozen replica cannot starve its own health checks), a circuit breaker
 * fed with the runner's verdicts, and the active-check state.
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
  readonly #breaker: BreakerGate | undefined;
  readonly #health: ReplicaHealth;
  readonly #latency = new Map<string, LatencyWindow>();
  /** Per query fingerprint, least recently used first (a Map keeps insertion order). */
  readonly #costLatency = new Map<string, LatencyWindow>();
  /** A replica served under a path prefix (`http://host/prometheus`) keeps it on every request. */
  readonly #prefix: string;
  /** Sent on every request, probe and status GET (credentials, custom headers): over the client's own. */
  readonly #headers: Readonly<Record<string, string>>;
  #inFlight = 0;
  /** When the probe in flight started, if one is. */
  #probeSince: number | undefined;

  constructor(opts: ReplicaOptions, deps: ReplicaDeps) {
    super();
    this.#opts = opts;
    this.name = opts.name;
    this.url = opts.url;
    this.#prefix = opts.url.pathname.replace(/\/+$/, '');
    this.#now = deps.now;
    const makePool = deps.dispatcher ?? ((url: URL, o: Pool.Options) => new Pool(url.origin, o));
    this.#headers = revealHeaders(opts.http);
    const common: Pool.Options = {
      connect: { timeout: opts.upstream.connect_timeout, ...tlsConnectOptions(opts.http) },
      keepAliveTimeout: opts.upstream.keep_alive_timeout,
      headersTimeout: opts.attemptTimeoutMs,
      bodyTimeout: opts.attemptTimeoutMs,
    };
    this.#pool = makePool(opts.url, { ...common, connections: opts.upstream.connections_per_replica });
    this.#probePool = makePool(opts.url, { ...common, connections: 1 });
    this.#health = new ReplicaHealth(opts.fall, opts.rise);
    this.#breaker = opts.breaker.enabled ? new BreakerGate(opts.breaker, (state) => this.emit('breaker', state)) : undefined;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  get healthy(): boolean {
    return this.#health.healthy;
  }

  get breakerState(): BreakerState {
    return this.#breaker?.state ?? 'closed';
  }

  /**
   * Eligible for new requests: passing its checks, and its breaker closed or half-open with the
   * trial slot free (a half-open replica takes only its trial request).
   */
  isLive(): boolean {
    return this.#health.healthy && (this.#breaker?.admitting ?? true);
  }

  /** Certainly out: failing its checks, or its breaker open (half-open with a trial out is not). */
  gone(): boolean {
    return !this.#health.healthy || this.breakerState === 'open';
  }

  latency(latencyClass: string): LatencyWindow {
    let w = this.#latency.get(latencyClass);
    if (!w) {
      w = new LatencyWindow();
      this.#latency.set(latencyClass, w);
    }
    return w;
  }

  /**
   * The latency windows that predict what `req` costs on this replica, most specific first: its
   * query fingerprint, then its size class. No endpoint-wide fallback: cheap requests dominate
   * it, and a heavy query hedged on their quantile would be evaluated twice.
   */
  latencyFor(req: Pick<UpstreamRequest, 'latencyClass' | 'costKey'>): LatencyWindow[] {
    const cost = req.costKey === undefined ? undefined : this.#costLatency.get(req.costKey);
    return cost ? [cost, this.latency(req.latencyClass)] : [this.latency(req.latencyClass)];
  }

  /**
   * Starts one attempt if the breaker admits it; undefined when it does not (open, or half-open
   * with its trial already in flight), so the runner can go elsewhere without using an attempt.
   * The result resolves with any answer that is final for the client and rejects on replica faults.
   */
  start(req: UpstreamRequest, signal: AbortSignal): AttemptHandle | undefined {
    if (!this.#breaker) return { result: this.#attempt(req, signal), record: () => undefined };
    const admission = this.#breaker.admit();
    if (!admission) return undefined;
    return { result: this.#attempt(req, signal), record: admission.record };
  }

  /**
   * A probe has gone unanswered for longer than a healthy replica ever takes (its process is
   * frozen or wedged): a fast hint, long before `fall` failed checks take it down, that attempts
   * waiting on it should be moved and new ones sent elsewhere.
   */
  stalled(): boolean {
    const after = this.#opts.stallAfterMs;
    return after !== undefined && this.#probeSince !== undefined && this.#now() - this.#probeSince > after;
  }

  /** One active check: true when `path` answers 200 within `timeoutMs`. */
  async probe(path: string, timeoutMs: number): Promise<boolean> {
    this.#probeSince = this.#now();
    try {
      const res = await this.#probePool.request({ method: 'GET', path: this.#prefix + path, headers: this.#headers, signal: AbortSignal.timeout(timeoutMs) });
      await res.body.dump();
      return res.statusCode === 200;
    } catch (err) {
      // A refused or reset connection: the process is gone (killed, restarting). Even if it is back
      // before `fall` checks, it has a hole. A slow check says nothing of the kind.
      const code = (err as { code?: string }).code;
      if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') this.emit('probe-refused');
      return false;
    } finally {
      this.#probeSince = undefined;
    }
  }

  /**
   * A GET of promgate's own (coverage probes, status): on the query pool, never through the
   * breaker, so it neither counts for nor against the replica. Rejects on transport errors.
   */
  async get(pathAndQuery: string, timeoutMs: number): Promise<{ statusCode: number; body: Buffer }> {
    const res = await this.#pool.request({ method: 'GET', path: this.#prefix + pathAndQuery, headers: this.#headers, signal: AbortSignal.timeout(timeoutMs) });
    const { body, rest } = await readBodyUpTo(res.body, this.#opts.upstream.max_buffered_response_bytes);
    rest?.destroy();
    return { statusCode: res.statusCode, body };
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
        headers: this.#withOwnHeaders(req.headers),
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
      this.#recordLatency(req, this.#now() - started);
      return answer;
    } catch (err) {
      throw this.#asAttemptError(err, signal);
    } finally {
      this.#inFlight--;
    }
  }

  /** The client's forwarded headers (lowercase, from Node) with the replica's configured ones over them. */
  #withOwnHeaders(forwarded: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
    return Object.keys(this.#headers).length === 0 ? forwarded : { ...forwarded, ...this.#headers };
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

  #recordLatency(req: UpstreamRequest, ms: number): void {
    this.latency(req.latencyClass).record(ms);
    if (req.costKey === undefined) return;
    let w = this.#costLatency.get(req.costKey);
    if (w) this.#costLatency.delete(req.costKey);
    else {
      w = new LatencyWindow(32, 4, 4);
      if (this.#costLatency.size >= MAX_COST_WINDOWS) this.#costLatency.delete(this.#costLatency.keys().next().value!);
    }
    this.#costLatency.set(req.costKey, w);
    w.record(ms);
  }
}

/** The configured headers, revealed once: kept in a #private field, so never in a log or status output. */
function revealHeaders(http: ReplicaHttpConfig | undefined): Readonly<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(http?.headers ?? {})) out[name] = value.reveal();
  return out;
}

/** tls_config as node:tls connect options for undici's connector (ignored for http: replicas). */
function tlsConnectOptions(http: ReplicaHttpConfig | undefined): ConnectionOptions {
  const t = http?.tls;
  if (!t) return {};
  const out: ConnectionOptions = {};
  if (t.ca !== undefined) out.ca = t.ca;
  if (t.cert !== undefined) out.cert = t.cert;
  if (t.key !== undefined) out.key = t.key.reveal();
  if (t.servername !== undefined) out.servername = t.servername;
  if (t.rejectUnauthorized !== undefined) out.rejectUnauthorized = t.rejectUnauthorized;
  if (t.minVersion !== undefined) out.minVersion = t.minVersion;
  if (t.maxVersion !== undefined) out.maxVersion = t.maxVersion;
  return out;
}
