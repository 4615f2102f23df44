import type { CacheObserver, CacheResult } from '../cache/cache-observer.js';

export interface CacheCounts {
  readonly hits: number;
  readonly misses: number;
  /** Range queries answered from cached extents plus a fetched delta. */
  readonly partial: number;
  readonly bypass: number;
}

/**
 * Counts cache results since start, for the status page's hit ratio, and passes every call on to
 * the observer it wraps (the metrics), so the gateway still has one observer. The counters could be
 * read back from prom-client instead, but that read is async and tied to metric names.
 */
export class CacheTally implements CacheObserver {
  readonly #inner: CacheObserver;
  #hits = 0;
  #misses = 0;
  #partial = 0;
  #bypass = 0;

  constructor(inner: CacheObserver) {
    this.#inner = inner;
  }

  get counts(): CacheCounts {
    return { hits: this.#hits, misses: this.#misses, partial: this.#partial, bypass: this.#bypass };
  }

  result(endpoint: string, result: CacheResult): void {
    if (result === 'hit') this.#hits++;
    else if (result === 'miss') this.#misses++;
    else if (result === 'partial') this.#partial++;
    else this.#bypass++;
    this.#inner.result(endpoint, result);
  }

  coalesced(endpoint: string): void {
    this.#inner.coalesced(endpoint);
  }

  evicted(): void {
    this.#inner.evicted();
  }

  savedSeconds(seconds: number): void {
    this.#inner.savedSeconds(seconds);
  }

  planFailed(): void {
    this.#inner.planFailed();
  }
}
