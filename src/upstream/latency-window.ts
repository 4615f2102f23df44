/**
 * The last N latencies of one replica for one kind of request, for the auto hedge delay.
 * A ring buffer: fixed memory, and the quantile is recomputed only every few samples because
 * sorting on every request would put work on the hot path that changes little.
 */
export class LatencyWindow {
  readonly #samples: Float64Array;
  #count = 0;
  #next = 0;
  #cached = new Map<number, number>();
  #sinceSort = 0;

  /** `minSamples`: how many samples make the quantile worth trusting (for the hedge delay). */
  constructor(readonly capacity = 128, readonly recomputeEvery = 8, readonly minSamples = 16) {
    this.#samples = new Float64Array(capacity);
  }

  get size(): number {
    return this.#count;
  }

  record(ms: number): void {
    this.#samples[this.#next] = ms;
    this.#next = (this.#next + 1) % this.capacity;
    if (this.#count < this.capacity) this.#count++;
    if (++this.#sinceSort >= this.recomputeEvery) this.#cached.clear();
  }

  /** Nearest-rank quantile of the window, or undefined while it is empty. */
  quantile(q: number): number | undefined {
    if (this.#count === 0) return undefined;
    const hit = this.#cached.get(q);
    if (hit !== undefined) return hit;
    // A typed array sorts numerically without a comparator callback.
    const sorted = this.#samples.slice(0, this.#count).sort();
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    const value = sorted[rank]!;
    this.#cached.set(q, value);
    this.#sinceSort = 0;
    return value;
  }
}
