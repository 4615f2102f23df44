/**
 * Review of b2e929f (range extents kept as encoded bytes). encodedBytes is what the cache counts
 * against cache.max_bytes; entry-size.test.ts checks it only on 300 long series (1000 samples
 * each), where per-series costs vanish. Dashboards ask short windows of many series (a 5m panel
 * at 15s: ~20 settled samples a series). There the real memory an entry keeps is about twice
 * its count:
 *  - every small Buffer (each series' head, each run's text, Buffer.from(text) copies, Buffer.concat
 *    results under 4 KiB) is a slice of Node's shared 8 KiB pool slab, and keeps the slab alive;
 *  - `pairs` (an array per label plus its strings), the EncodedRun objects and typed-array wrappers
 *    are not counted beyond the flat 400 B per series.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { silentCacheObserver } from '../../../src/cache/cache-observer.js';
import { CacheStore, type RangeEntry } from '../../../src/cache/cache-store.js';
import { type PartAnswer, RangeCache } from '../../../src/cache/range-cache.js';
import { analyzeQuery, type QueryAnalysis } from '../../../src/promql/index.js';
import { type Extent, type Matrix, serializeRangeResponse } from '../../../src/timeseries/index.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const used = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const analysis = analyzeQuery('m') as QueryAnalysis;
const STEP = 15_000;
const NOW = 1_800_000_000_000;

/** One dashboard query: 10 series of 8 labels, one sample a step. */
function evaluate(q: number, e: Extent): Matrix {
  const out: Matrix = [];
  for (let s = 0; s < 10; s++) {
    const metric: Record<string, string> = { __name__: `metric_${q}` };
    for (let l = 0; l < 8; l++) metric[`label_${l}`] = `value-${q}-${s}-${l}`;
    const values: Array<[number, string]> = [];
    for (let t = e.start; t <= e.end; t += STEP) values.push([t / 1000, String(((t / STEP) % 97) / 7)]);
    out.push({ metric, values });
  }
  return out;
}

/** 300 dashboard panels asked once each: a 5m settled window plus the fresh 10m, as Grafana asks "last 15m". */
async function fill(store: CacheStore): Promise<void> {
  const cache = new RangeCache(store, { freshness: 600_000, ttl: 3_600_000 });
  const end = NOW - 60_000 - ((NOW - 60_000) % STEP);
  for (let q = 0; q < 300; q++) {
    const fetchPart = async (e: Extent): Promise<PartAnswer> => ({
      statusCode: 200,
      headers: {},
      body: Buffer.from(serializeRangeResponse({ matrix: evaluate(q, e) })),
      seconds: 0.01,
      replica: 'r',
    });
    await cache.answer({ key: `q${q}`, start: end - 60 * STEP, end, step: STEP, analysis }, fetchPart, NOW);
  }
}

describe('review b2e929f: the byte count of kept extents', () => {
  it('bounds the real memory of many short series (cache.max_bytes holds)', async () => {
    let store: CacheStore | undefined = new CacheStore({ maxBytes: 1e9, now: () => NOW, observer: silentCacheObserver });
    await fill(store);
    for (let i = 0; i < 3; i++) gc();
    const accounted = store.bytes;
    const withIt = used();
    store = undefined;
    for (let i = 0; i < 3; i++) gc();
    const real = withIt - used();
    // The project's own bar (entry-size.test.ts): the estimate is at least the real use.
    expect(accounted).toBeGreaterThanOrEqual(real * 0.97);
  });

  it('kept Buffers pin no more ArrayBuffer memory than the bytes they hold (no shared 8 KiB pool slabs)', async () => {
    const store = new CacheStore({ maxBytes: 1e9, now: () => NOW, observer: silentCacheObserver });
    await fill(store);
    // Every ArrayBuffer the kept entries keep reachable, each once, against the bytes in use.
    const backing = new Set<ArrayBufferLike>();
    let inUse = 0;
    for (let q = 0; q < 300; q++) {
      const entry = store.get(`q${q}`) as RangeEntry;
      for (const s of entry.series) {
        for (const b of [s.head, s.floats.text, s.floats.times, s.floats.offsets]) {
          backing.add(b.buffer);
          inUse += b.byteLength;
        }
      }
    }
    const pinned = [...backing].reduce((n, b) => n + b.byteLength, 0);
    expect(pinned).toBeLessThan(inUse * 1.25);
  });
});
