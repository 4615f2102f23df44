import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheStore } from '../../../src/cache/cache-store.js';
import { silentCacheObserver } from '../../../src/cache/cache-observer.js';

const entry = (bytes: number) => ({ kind: 'answer' as const, statusCode: 200, headers: {}, body: Buffer.alloc(0), fetchSeconds: 0.1, bytes });

describe('CacheStore', () => {
  it('never holds more than max_bytes, whatever is put in', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1000, max: 100_000 }), fc.array(fc.integer({ min: 1, max: 60_000 }), { maxLength: 300 }), (max, sizes) => {
        let evicted = 0;
        const store = new CacheStore({ maxBytes: max, now: () => 0, observer: { ...silentCacheObserver, evicted: () => evicted++ } });
        sizes.forEach((s, i) => store.set(`k${i}`, entry(s), 60_000));
        expect(store.bytes).toBeLessThanOrEqual(max);
      }),
    );
  });

  it('refuses an entry larger than a quarter of the budget rather than flushing everything for it', () => {
    const store = new CacheStore({ maxBytes: 1000, now: () => 0, observer: silentCacheObserver });
    store.set('small', entry(100), 60_000);
    store.set('huge', entry(400), 60_000);
    expect(store.get('huge')).toBeUndefined();
    expect(store.get('small')).toBeDefined();
  });

  it('expires entries by the injected clock', () => {
    let now = 1_700_000_000_000;
    const store = new CacheStore({ maxBytes: 1000, now: () => now, observer: silentCacheObserver });
    store.set('k', entry(10), 1000);
    now += 999;
    expect(store.get('k')).toBeDefined();
    now += 2;
    expect(store.get('k')).toBeUndefined();
  });

  it('counts evictions', () => {
    let evicted = 0;
    const store = new CacheStore({ maxBytes: 1000, now: () => 0, observer: { ...silentCacheObserver, evicted: () => evicted++ } });
    // Keys count too: 200 + 2 × 3 bytes each, so 4 fit in 1000.
    for (let i = 0; i < 20; i++) store.set(`k${i}`, entry(200), 60_000);
    expect(evicted).toBe(16);
  });
});
