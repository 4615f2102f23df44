import type { LatencySummary } from './types.js';

/**
 * A fixed-memory latency histogram for runs with millions of requests, after HdrHistogram's
 * log-linear layout (https://github.com/HdrHistogram/HdrHistogram): values are counted in units
 * of `lowestMs`; below `subBuckets` units each unit has its own counter, above it every power of
 * two is split into `subBuckets` equal counters. A bucket is thus at most 1/subBuckets of its
 * lower bound wide, and reporting its midpoint is off by at most half that: ±0.4% with the
 * default 128 (or ±lowestMs/2 for tiny values). min, max, count and sum are exact.
 *
 * Percentiles are nearest-rank, like `percentile` in stats.ts, so the two agree within the
 * bucket precision.
 */
export interface LatencyRecorderOptions {
  /** Resolution for small values; default 0.001 ms (1 µs). */
  lowestMs?: number;
  /** Values above are counted in the last bucket (max stays exact); default 1 hour. */
  highestMs?: number;
  /** Counters per power of two; default 128 (≈0.8% bucket width). */
  subBuckets?: number;
}

interface ResolvedOptions {
  readonly lowestMs: number;
  readonly highestMs: number;
  readonly subBuckets: number;
}

export class LatencyRecorder {
  readonly #opts: ResolvedOptions;
  readonly #counts: Float64Array;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(options: LatencyRecorderOptions = {}) {
    const lowestMs = options.lowestMs ?? 0.001;
    const highestMs = options.highestMs ?? 3_600_000;
    const subBuckets = options.subBuckets ?? 128;
    if (!(lowestMs > 0) || !Number.isFinite(lowestMs)) throw new RangeError('lowestMs must be a positive number');
    if (!(highestMs > lowestMs) || !Number.isFinite(highestMs)) throw new RangeError('highestMs must be above lowestMs');
    if (!Number.isInteger(subBuckets) || subBuckets < 2 || subBuckets > 65_536) {
      throw new RangeError('subBuckets must be an integer in [2, 65536]');
    }
    this.#opts = Object.freeze({ lowestMs, highestMs, subBuckets });
    const top = highestMs / lowestMs;
    const exponents = top < subBuckets ? 0 : floorLog2(top / subBuckets) + 1;
    this.#counts = new Float64Array(subBuckets * (exponents + 1));
  }

  /** Records `count` requests of `latencyMs`. Negative latencies (clock steps) count as 0. */
  record(latencyMs: number, count = 1): void {
    if (!Number.isFinite(latencyMs)) throw new RangeError(`latency must be finite, got ${latencyMs}`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError('count must be a non-negative integer');
    if (count === 0) return;
    const v = Math.max(0, latencyMs);
    this.#counts[this.#indexOf(v)]! += count;
    this.#count += count;
    this.#sum += v * count;
    if (v < this.#min) this.#min = v;
    if (v > this.#max) this.#max = v;
  }

  get count(): number {
    return this.#count;
  }

  get min(): number | null {
    return this.#count === 0 ? null : this.#min;
  }

  get max(): number | null {
    return this.#count === 0 ? null : this.#max;
  }

  get mean(): number | null {
    return this.#count === 0 ? null : this.#sum / this.#count;
  }

  /** Nearest-rank percentile, q in [0, 1]; `null` when empty. Exact at q = 0 and q = 1. */
  percentile(q: number): number | null {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile q must be in [0, 1], got ${q}`);
    if (this.#count === 0) return null;
    const rank = Math.min(this.#count, Math.max(1, Math.ceil(q * this.#count)));
    if (rank === 1) return this.#min;
    if (rank === this.#count) return this.#max;
    let seen = 0;
    for (let i = 0; i < this.#counts.length; i++) {
      seen += this.#counts[i]!;
      if (seen >= rank) return clamp(this.#midpointOf(i), this.#min, this.#max);
    }
    return this.#max;
  }

  summary(): LatencySummary {
    return {
      p50: this.percentile(0.5),
      p90: this.percentile(0.9),
      p99: this.percentile(0.99),
      max: this.max,
      min: this.min,
      mean: this.mean,
    };
  }

  /** Adds another recorder's counts into this one; both must have the same options. */
  merge(other: LatencyRecorder): void {
    const a = this.#opts;
    const b = other.#opts;
    if (a.lowestMs !== b.lowestMs || a.highestMs !== b.highestMs || a.subBuckets !== b.subBuckets) {
      throw new RangeError('cannot merge LatencyRecorders with different options');
    }
    for (let i = 0; i < this.#counts.length; i++) this.#counts[i]! += other.#counts[i]!;
    if (other.#count === 0) return;
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#min = Math.min(this.#min, other.#min);
    this.#max = Math.max(this.#max, other.#max);
  }

  reset(): void {
    this.#counts.fill(0);
    this.#count = 0;
    this.#sum = 0;
    this.#min = Infinity;
    this.#max = -Infinity;
  }

  #indexOf(ms: number): number {
    const { lowestMs, subBuckets } = this.#opts;
    const units = ms / lowestMs;
    if (units < subBuckets) return Math.floor(units);
    const e = floorLog2(units / subBuckets);
    const sub = Math.min(subBuckets - 1, Math.floor(units / 2 ** e) - subBuckets);
    return Math.min(this.#counts.length - 1, subBuckets * (e + 1) + sub);
  }

  #midpointOf(index: number): number {
    const { lowestMs, subBuckets } = this.#opts;
    if (index < subBuckets) return (index + 0.5) * lowestMs;
    const e = Math.floor(index / subBuckets) - 1;
    const sub = index % subBuckets;
    const width = 2 ** e;
    return ((subBuckets + sub) * width + width / 2) * lowestMs;
  }
}

/** floor(log2(x)) for x >= 1, corrected for Math.log2 rounding at exact powers of two. */
function floorLog2(x: number): number {
  let e = Math.floor(Math.log2(x));
  if (2 ** e > x) e -= 1;
  if (2 ** (e + 1) <= x) e += 1;
  return e;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
