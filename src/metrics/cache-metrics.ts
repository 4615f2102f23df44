import { Counter, Gauge, type Registry } from 'prom-client';
import type { CacheObserver, CacheResult } from '../cache/cache-observer.js';

/** promgate_cache_* metrics; implements the cache's observer. */
export class CacheMetrics implements CacheObserver {
  readonly requests: Counter<'endpoint' | 'result'>;
  readonly coalescedTotal: Counter<'endpoint'>;
  readonly evictions: Counter;
  readonly saved: Counter;
  readonly planFailures: Counter;
  readonly bytes: Gauge;
  readonly entries: Gauge;

  constructor(registry: Registry, read: () => { bytes: number; entries: number; maxBytes: number }) {
    const registers = [registry];
    this.requests = new Counter({ name: 'promgate_cache_requests_total', help: 'Cacheable requests by result: hit, miss, partial (range extents from cache plus a fetched delta), bypass.', labelNames: ['endpoint', 'result'], registers });
    this.coalescedTotal = new Counter({ name: 'promgate_coalesced_requests_total', help: 'Requests that waited for an identical evaluation already in flight instead of starting their own.', labelNames: ['endpoint'], registers });
    this.evictions = new Counter({ name: 'promgate_cache_evictions_total', help: 'Entries evicted to stay within cache.max_bytes.', registers });
    this.saved = new Counter({ name: 'promgate_cache_upstream_seconds_saved_total', help: 'Upstream evaluation seconds the cache answered instead (estimated from what fetching the cached data cost).', registers });
    this.planFailures = new Counter({ name: 'promgate_plan_failures_total', help: 'Requests whose planning threw (a promgate bug): passed through to a replica untouched.', registers });
    this.bytes = new Gauge({ name: 'promgate_cache_bytes', help: 'Bytes held by the cache (estimated heap size of entries).', registers, collect() { this.set(read().bytes); } });
    this.entries = new Gauge({ name: 'promgate_cache_entries', help: 'Entries held by the cache.', registers, collect() { this.set(read().entries); } });
    new Gauge({ name: 'promgate_cache_max_bytes', help: 'The configured cache.max_bytes.', registers, collect() { this.set(read().maxBytes); } });
  }

  result(endpoint: string, result: CacheResult): void {
    this.requests.inc({ endpoint, result });
  }

  coalesced(endpoint: string): void {
    this.coalescedTotal.inc({ endpoint });
  }

  evicted(): void {
    this.evictions.inc();
  }

  planFailed(): void {
    this.planFailures.inc();
  }

  savedSeconds(seconds: number): void {
    if (seconds > 0) this.saved.inc(seconds);
  }
}
