import type { Clock } from '../clock/clock.js';
import type { AttemptOutcome } from '../routing/routing-observer.js';

export interface ReplicaStatsOptions {
  /** How far back the counts and latencies reach. A whole number of buckets. */
  readonly windowMs?: number;
  /** Granularity: the window slides one bucket at a time, so it covers between window − bucket and window. */
  readonly bucketMs?: number;
  /** A failed attempt after this long without one starts a new failover episode (one onFailover call). */
  readonly failoverQuietMs?: number;
}

export interface ReplicaStatsDeps {
  readonly clock: Pick<Clock, 'now'>;
  /** Called on the first failed attempt of an episode, for the event log; not on every failed attempt. */
  readonly onFailover?: ((replica: string, outcome: AttemptOutcome) => void) | undefined;
}

/** Latency of the attempts a replica answered, in seconds. Quantiles are estimates (within about 10%). */
export interface LatencySummary {
  readonly count: number;
  readonly mean: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** One replica over the last window. */
export interface ReplicaWindow {
  readonly windowSeconds: number;
  /** Attempts sent to the replica (all outcomes but breaker_open, which sends nothing). */
  readonly requests: number;
  /** Attempts that failed on the replica: replica_fault + connection_error + timeout. */
  readonly errors: number;
  readonly timeouts: number;
  readonly connectionErrors: number;
  readonly replicaFaults: number;
  /** Attempts let go because another answered first (hedging) or the client left: neither success nor error. */
  readonly canceled: number;
  /** Attempts its breaker refused before sending anything. */
  readonly breakerRejected: number;
  /** Of successful attempts; undefined when there was none in the window. */
  readonly latency: LatencySummary | undefined;
  /** Unix ms of the last attempt that failed on it (and so went, or tried to go, elsewhere); not windowed. */
  readonly lastFailoverAt: number | undefined;
}

const DEFAULTS = { windowMs: 60_000, bucketMs: 10_000, failoverQuietMs: 30_000 } as const;

// Log-spaced latency buckets, four per doubling, from 0.1 ms to about half an hour: fixed memory
// per time bucket whatever the traffic, and a quantile read back within ±9% (the bucket's
// geometric middle, clamped to what was seen).
const LAT_BASE_S = 0.0001;
const LAT_PER_DOUBLING = 4;
const LAT_BUCKETS = 96;

function latencyIndex(seconds: number): number {
  if (!(seconds > LAT_BASE_S)) return 0;
  return Math.min(LAT_BUCKETS, Math.ceil(LAT_PER_DOUBLING * Math.log2(seconds / LAT_BASE_S)));
}

function latencyUpper(i: number): number {
  return LAT_BASE_S * 2 ** (i / LAT_PER_DOUBLING);
}

class TimeBucket {
  epoch = -1;
  sent = 0;
  timeouts = 0;
  connectionErrors = 0;
  replicaFaults = 0;
  canceled = 0;
  breakerRejected = 0;
  latCount = 0;
  latSum = 0;
  latMin = Infinity;
  latMax = 0;
  readonly hist = new Uint32Array(LAT_BUCKETS + 1);

  reset(epoch: number): void {
    this.epoch = epoch;
    this.sent = this.timeouts = this.connectionErrors = this.replicaFaults = this.canceled = this.breakerRejected = 0;
    this.latCount = this.latSum = this.latMax = 0;
    this.latMin = Infinity;
    this.hist.fill(0);
  }
}

interface PerReplica {
  readonly buckets: TimeBucket[];
  lastFailoverAt: number | undefined;
}

/**
 * Per replica: attempts, errors and latency over a sliding window (by default the last minute in
 * 10 s buckets), fed from RoutingObserver.attempt. No timers: buckets are rotated when written or
 * read, from the injected clock, so a fake clock drives it in tests and nothing needs closing.
 */
export class ReplicaStats {
  readonly #windowMs: number;
  readonly #bucketMs: number;
  readonly #failoverQuietMs: number;
  readonly #slots: number;
  readonly #deps: ReplicaStatsDeps;
  readonly #replicas = new Map<string, PerReplica>();

  constructor(opts: ReplicaStatsOptions, deps: ReplicaStatsDeps) {
    const windowMs = opts.windowMs ?? DEFAULTS.windowMs;
    const bucketMs = opts.bucketMs ?? DEFAULTS.bucketMs;
    const failoverQuietMs = opts.failoverQuietMs ?? DEFAULTS.failoverQuietMs;
    if (!(bucketMs > 0) || !Number.isInteger(bucketMs)) throw new RangeError(`bucketMs must be a positive integer, got ${bucketMs}`);
    if (!(windowMs >= bucketMs) || windowMs % bucketMs !== 0) throw new RangeError(`windowMs (${windowMs}) must be a whole number of buckets of ${bucketMs}ms`);
    if (!(failoverQuietMs >= 0)) throw new RangeError(`failoverQuietMs must be ≥ 0, got ${failoverQuietMs}`);
    this.#windowMs = windowMs;
    this.#bucketMs = bucketMs;
    this.#failoverQuietMs = failoverQuietMs;
    this.#slots = windowMs / bucketMs;
    this.#deps = deps;
  }

  /** Same signature as RoutingObserver.attempt, so the app's observer can pass its arguments on. */
  observe(replica: string, outcome: AttemptOutcome, seconds: number): void {
    const now = this.#deps.clock.now();
    const state = this.#state(replica);
    const b = this.#current(state, now);
    switch (outcome) {
      case 'success':
        b.sent++;
        if (Number.isFinite(seconds) && seconds >= 0) {
          b.latCount++;
          b.latSum += seconds;
          b.latMin = Math.min(b.latMin, seconds);
          b.latMax = Math.max(b.latMax, seconds);
          b.hist[latencyIndex(seconds)]!++;
        }
        return;
      case 'canceled':
        b.sent++;
        b.canceled++;
        return;
      case 'timeout':
        b.sent++;
        b.timeouts++;
        break;
      case 'connection_error':
        b.sent++;
        b.connectionErrors++;
        break;
      case 'replica_fault':
        b.sent++;
        b.replicaFaults++;
        break;
      case 'breaker_open':
        b.breakerRejected++;
        break;
    }
    const episodeStarts = state.lastFailoverAt === undefined || now - state.lastFailoverAt >= this.#failoverQuietMs;
    state.lastFailoverAt = now;
    if (episodeStarts) this.#deps.onFailover?.(replica, outcome);
  }

  /** The replica's window; all zeros for a replica never observed. */
  window(replica: string): ReplicaWindow {
    const now = this.#deps.clock.now();
    const epoch = Math.floor(now / this.#bucketMs);
    const state = this.#replicas.get(replica);
    const live = state ? state.buckets.filter((b) => b.epoch > epoch - this.#slots && b.epoch <= epoch) : [];
    const sum = (f: (b: TimeBucket) => number) => live.reduce((t, b) => t + f(b), 0);
    const timeouts = sum((b) => b.timeouts);
    const connectionErrors = sum((b) => b.connectionErrors);
    const replicaFaults = sum((b) => b.replicaFaults);
    return {
      windowSeconds: this.#windowMs / 1000,
      requests: sum((b) => b.sent),
      errors: timeouts + connectionErrors + replicaFaults,
      timeouts,
      connectionErrors,
      replicaFaults,
      canceled: sum((b) => b.canceled),
      breakerRejected: sum((b) => b.breakerRejected),
      latency: summarize(live),
      lastFailoverAt: state?.lastFailoverAt,
    };
  }

  /** Every replica observed so far. */
  get names(): string[] {
    return [...this.#replicas.keys()];
  }

  #state(replica: string): PerReplica {
    let state = this.#replicas.get(replica);
    if (!state) {
      state = { buckets: Array.from({ length: this.#slots }, () => new TimeBucket()), lastFailoverAt: undefined };
      this.#replicas.set(replica, state);
    }
    return state;
  }

  #current(state: PerReplica, now: number): TimeBucket {
    const epoch = Math.floor(now / this.#bucketMs);
    const b = state.buckets[((epoch % this.#slots) + this.#slots) % this.#slots]!;
    if (b.epoch !== epoch) b.reset(epoch);
    return b;
  }
}

function summarize(buckets: readonly TimeBucket[]): LatencySummary | undefined {
  let count = 0;
  let total = 0;
  let min = Infinity;
  let max = 0;
  const hist = new Float64Array(LAT_BUCKETS + 1);
  for (const b of buckets) {
    if (b.latCount === 0) continue;
    count += b.latCount;
    total += b.latSum;
    min = Math.min(min, b.latMin);
    max = Math.max(max, b.latMax);
    for (let i = 0; i <= LAT_BUCKETS; i++) hist[i]! += b.hist[i]!;
  }
  if (count === 0) return undefined;
  const quantile = (q: number): number => {
    // Nearest rank, as LatencyWindow in upstream/ does.
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (let i = 0; i <= LAT_BUCKETS; i++) {
      seen += hist[i]!;
      if (seen >= rank) {
        const estimate = i === 0 ? latencyUpper(0) : Math.sqrt(latencyUpper(i - 1) * latencyUpper(i));
        return Math.min(max, Math.max(min, estimate));
      }
    }
    return max;
  };
  return { count, mean: total / count, p50: quantile(0.5), p99: quantile(0.99), max };
}
