import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { silentCacheObserver } from '../../../src/cache/cache-observer.js';
import { CacheStore } from '../../../src/cache/cache-store.js';
import { type PartAnswer, RangeCache } from '../../../src/cache/range-cache.js';
import { analyzeQuery, type QueryAnalysis } from '../../../src/promql/index.js';
import { type Extent, formatTimestampMs, type Matrix, serializeRangeResponse } from '../../../src/timeseries/index.js';

/**
 * A model Prometheus: each step's value is a pure function of (series, t), and series exist only
 * in some periods, as a range query's steps are evaluated independently. Whole-window answers
 * come from the same function, so stitched must equal whole.
 */
function evaluate(extent: Extent, step: number): Matrix {
  const series = [
    { metric: { __name__: 'm', i: 'a' }, has: () => true },
    { metric: { __name__: 'm', i: 'b' }, has: (t: number) => Math.floor(t / 700_000) % 3 !== 0 },
    { metric: { __name__: 'm', i: 'ü' }, has: (t: number) => t % 2_000_000 > 500_000 },
  ];
  const out: Matrix = [];
  for (const s of series) {
    const values: Array<[number, string]> = [];
    for (let t = extent.start; t <= extent.end; t += step) if (s.has(t)) values.push([t / 1000, String(Math.sin(t / 1e6 + s.metric.i.charCodeAt(0)))]);
    if (values.length) out.push({ metric: s.metric, values });
  }
  return out;
}

function setup(now: number, freshness = 600_000) {
  const store = new CacheStore({ maxBytes: 50_000_000, now: () => now, observer: silentCacheObserver });
  const cache = new RangeCache(store, { freshness, ttl: 3_600_000 });
  const fetched: Extent[] = [];
  const fetchPart = (step: number) => async (e: Extent): Promise<PartAnswer> => {
    fetched.push(e);
    return { statusCode: 200, headers: {}, body: Buffer.from(serializeRangeResponse({ matrix: evaluate(e, step) })), seconds: 0.01, replica: 'r' };
  };
  return { cache, fetched, fetchPart };
}

const analysis = analyzeQuery('m') as QueryAnalysis;
const whole = (s: number, e: number, step: number) => serializeRangeResponse({ matrix: evaluate({ start: s, end: s + Math.floor((e - s) / step) * step }, step) });

describe('RangeCache', () => {
  it('a window stitched from cached extents plus fetched deltas equals the window fetched whole', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1000, 15_000, 60_000, 137_000),
        fc.integer({ min: 0, max: 136_999 }),
        fc.array(fc.record({ k: fc.integer({ min: 0, max: 400 }), len: fc.integer({ min: 0, max: 300 }), off: fc.integer({ min: 0, max: 999 }) }), { minLength: 1, maxLength: 6 }),
        async (step, phaseRaw, windows) => {
          const now = 1_800_000_000_000;
          const { cache, fetchPart } = setup(now);
          const base = 1_700_000_000_000 + (phaseRaw % step);
          for (const w of windows) {
            const s = base + w.k * step;
            const e = s + w.len * step + (w.off % step);
            const out = await cache.answer({ key: 'q', start: s, end: e, step, analysis }, fetchPart(step), now);
            expect(out.kind).toBe('merged');
            if (out.kind === 'merged') expect(out.body.toString()).toBe(whole(s, e, step));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('fetches only the missing steps of a slid window, and always the fresh tail', async () => {
    const step = 15_000;
    const now = 1_700_000_000_000;
    const { cache, fetched, fetchPart } = setup(now, 600_000);
    const end = now - (now % step);
    const start = end - 3_600_000;
    const first = await cache.answer({ key: 'q', start, end, step, analysis }, fetchPart(step), now);
    expect(first.kind === 'merged' && first.result).toBe('miss');
    fetched.length = 0;
    const later = now + step;
    const second = await cache.answer({ key: 'q', start: start + step, end: end + step, step, analysis }, fetchPart(step), later);
    expect(second.kind === 'merged' && second.result).toBe('partial');
    // Settled part: one new step at most; fresh part: the last 10 minutes (+ one step).
    const points = fetched.reduce((n, e) => n + (e.end - e.start) / step + 1, 0);
    expect(points).toBeLessThanOrEqual(600_000 / step + 2);
    expect(fetched.at(-1)!.end).toBe(end + step);
  });

  it('an exact repeat of a settled window is a hit with no fetch', async () => {
    const step = 60_000;
    const now = 1_800_000_000_000;
    const { cache, fetched, fetchPart } = setup(now);
    await cache.answer({ key: 'q', start: 1_700_000_000_000, end: 1_700_003_600_000, step, analysis }, fetchPart(step), now);
    fetched.length = 0;
    const again = await cache.answer({ key: 'q', start: 1_700_000_000_000, end: 1_700_003_600_000, step, analysis }, fetchPart(step), now);
    expect(again.kind === 'merged' && again.result).toBe('hit');
    expect(fetched).toEqual([]);
  });

  it('never stitches an answer that carries a warning: the whole window comes from upstream as is', async () => {
    const now = 1_800_000_000_000;
    const store = new CacheStore({ maxBytes: 1e7, now: () => now, observer: silentCacheObserver });
    const cache = new RangeCache(store, { freshness: 600_000, ttl: 3_600_000 });
    const calls: Extent[] = [];
    const fetchPart = async (e: Extent): Promise<PartAnswer> => {
      calls.push(e);
      const body = serializeRangeResponse({ matrix: evaluate(e, 60_000), warnings: [`warned ${formatTimestampMs(e.start)}`] });
      return { statusCode: 200, headers: {}, body: Buffer.from(body), seconds: 0, replica: 'r' };
    };
    const start = now - 7_200_000;
    const out = await cache.answer({ key: 'q', start, end: now, step: 60_000, analysis }, fetchPart, now);
    expect(out.kind).toBe('whole');
    expect(calls.at(-1)).toEqual({ start, end: now });
  });

  it('passes an upstream error for the window through unchanged', async () => {
    const now = 1_800_000_000_000;
    const store = new CacheStore({ maxBytes: 1e7, now: () => now, observer: silentCacheObserver });
    const cache = new RangeCache(store, { freshness: 600_000, ttl: 3_600_000 });
    const err = '{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}';
    const out = await cache.answer(
      { key: 'q', start: now - 60_000, end: now, step: 15_000, analysis },
      async () => ({ statusCode: 422, headers: { 'content-type': 'application/json' }, body: Buffer.from(err), seconds: 0, replica: 'r' }),
      now,
    );
    expect(out.kind === 'whole' && [out.answer.statusCode, out.answer.body.toString()]).toEqual([422, err]);
  });

  it('with a TTL of 0 nothing is kept (lru-cache would read 0 as forever)', async () => {
    const now = 1_800_000_000_000;
    const store = new CacheStore({ maxBytes: 1e7, now: () => now, observer: silentCacheObserver });
    const cache = new RangeCache(store, { freshness: 600_000, ttl: 0 });
    const fetchPart = async (e: Extent): Promise<PartAnswer> => ({ statusCode: 200, headers: {}, body: Buffer.from(serializeRangeResponse({ matrix: evaluate(e, 60_000) })), seconds: 0, replica: 'r' });
    await cache.answer({ key: 'q', start: 1_700_000_000_000, end: 1_700_003_600_000, step: 60_000, analysis }, fetchPart, now);
    expect(store.entries).toBe(0);
  });
});
