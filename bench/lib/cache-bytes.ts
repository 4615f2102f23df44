/**
 * promgate's cache size by its own accounting, read from its /metrics at the end of a run: the
 * memory goal is that the cache stays within `cache.max_bytes`, and only promgate knows what its
 * entries weigh (RSS also holds the heap's slack, buffers and code).
 */
import type { CacheBytes } from './types.js';

/** `promgate_cache_bytes` and `promgate_cache_max_bytes` from a Prometheus text exposition; `null` when either is missing. */
export function parseCacheBytes(metricsText: string): CacheBytes | null {
  const gauge = (name: string): number | undefined => {
    const m = new RegExp(`^${name}(?:\\{\\})? (\\S+)`, 'm').exec(metricsText);
    const v = m === null ? NaN : Number(m[1]);
    return Number.isFinite(v) ? v : undefined;
  };
  const bytes = gauge('promgate_cache_bytes');
  const maxBytes = gauge('promgate_cache_max_bytes');
  return bytes === undefined || maxBytes === undefined ? null : { bytes, maxBytes };
}

export async function readCacheBytes(promgateUrl: string): Promise<CacheBytes | null> {
  try {
    const res = await fetch(`${promgateUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    return res.ok ? parseCacheBytes(await res.text()) : null;
  } catch {
    return null;
  }
}
