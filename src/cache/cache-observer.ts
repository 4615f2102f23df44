export type CacheResult = 'hit' | 'miss' | 'partial' | 'bypass';

/** What the cache reports, for metrics; it decides nothing. */
export interface CacheObserver {
  result(endpoint: string, result: CacheResult): void;
  coalesced(endpoint: string): void;
  evicted(): void;
  savedSeconds(seconds: number): void;
  /** Planning a request threw: it was passed through untouched. */
  planFailed(): void;
}

export const silentCacheObserver: CacheObserver = Object.freeze({
  result: () => undefined,
  coalesced: () => undefined,
  evicted: () => undefined,
  savedSeconds: () => undefined,
  planFailed: () => undefined,
});
