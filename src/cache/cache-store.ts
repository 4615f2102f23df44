import { LRUCache } from 'lru-cache';
import type { EncodedMatrix, Extent } from '../timeseries/index.js';
import type { CacheObserver } from './cache-observer.js';

/** A whole answer, kept as the replica sent it (identity-encoded). */
export interface AnswerEntry {
  readonly kind: 'answer';
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly body: Buffer;
  /** Seconds the replica took to produce it: what a hit saves. */
  readonly fetchSeconds: number;
  readonly bytes: number;
}

/** The settled part of one range query on one grid: the extents fetched and their samples. */
export interface RangeEntry {
  readonly kind: 'range';
  readonly extents: readonly Extent[];
  /** Their samples, kept as the bytes an answer copies (timeseries/encoded-matrix.ts). */
  readonly series: EncodedMatrix;
  /** Upstream seconds per grid point fetched, for the seconds-saved metric. */
  readonly secondsPerPoint: number;
  /** The replica's answer headers (CORS, content type), for answers assembled without a fetch. */
  readonly headers: Readonly<Record<string, string | string[]>>;
  readonly bytes: number;
}

/**
 * A request spelled exactly as before (path, raw query, body, identity, coding) points at the
 * answer its normalized form was kept under: a repeat is found without parsing anything. Dead
 * once its answer is evicted or expired; its own bytes are counted.
 */
export interface AliasEntry {
  readonly kind: 'alias';
  readonly key: string;
  readonly bytes: number;
}

export type CacheEntry = AnswerEntry | RangeEntry | AliasEntry;

export interface CacheStoreOptions {
  readonly maxBytes: number;
  readonly now: () => number;
  readonly observer: CacheObserver;
}

/**
 * The one bounded store behind every cache: lru-cache sized in bytes, so memory stays within
 * `max_bytes` whatever mix of answers and extents it holds. An entry larger than a quarter of
 * the budget is not kept: it would flush everything else for one request.
 */
export class CacheStore {
  readonly #lru: LRUCache<string, CacheEntry>;
  readonly maxBytes: number;

  constructor(opts: CacheStoreOptions) {
    this.maxBytes = opts.maxBytes;
    this.#lru = new LRUCache<string, CacheEntry>({
      maxSize: Math.max(1, opts.maxBytes),
      maxEntrySize: Math.max(1, Math.floor(opts.maxBytes / 4)),
      // Keys are canonical request text, not digests: counted with their entry.
      sizeCalculation: (entry, key) => Math.max(1, entry.bytes + 2 * key.length),
      perf: { now: opts.now },
      // Read the injected clock on every check rather than memoizing it behind a timer.
      ttlResolution: 0,
      dispose: (_value, _key, reason) => {
        if (reason === 'evict') opts.observer.evicted();
      },
    });
  }

  get(key: string): CacheEntry | undefined {
    return this.#lru.get(key);
  }

  /** The answer kept under `key`, or under the key an alias there points at. */
  answer(key: string): AnswerEntry | undefined {
    const e = this.#lru.get(key);
    if (e?.kind === 'answer') return e;
    if (e?.kind !== 'alias') return undefined;
    const target = this.#lru.get(e.key);
    return target?.kind === 'answer' ? target : undefined;
  }

  set(key: string, entry: CacheEntry, ttlMs: number): void {
    this.#lru.set(key, entry, { ttl: ttlMs });
  }

  delete(key: string): void {
    this.#lru.delete(key);
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }

  get entries(): number {
    return this.#lru.size;
  }

  clear(): void {
    this.#lru.clear();
  }
}
