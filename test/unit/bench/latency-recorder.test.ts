import { describe, expect, it } from 'vitest';
import { LatencyRecorder } from '../../../bench/lib/latency-recorder.js';
import { percentile } from '../../../bench/lib/stats.js';

/** Deterministic pseudo-random numbers (mulberry32) so the test never flakes. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('LatencyRecorder', () => {
  it('is empty at first', () => {
    const r = new LatencyRecorder();
    expect(r.count).toBe(0);
    expect(r.summary()).toEqual({ p50: null, p90: null, p99: null, max: null, min: null, mean: null });
  });

  it('reports one value exactly', () => {
    const r = new LatencyRecorder();
    r.record(123.456);
    expect(r.summary()).toEqual({ p50: 123.456, p90: 123.456, p99: 123.456, max: 123.456, min: 123.456, mean: 123.456 });
  });

  it('agrees with exact nearest-rank percentiles within 1% over a wide log-normal spread', () => {
    const next = rng(7);
    const values: number[] = [];
    const r = new LatencyRecorder();
    for (let i = 0; i < 20_000; i++) {
      // 0.05 ms .. ~20 s: cache hits to frozen-replica timeouts.
      const v = Math.exp(Math.log(0.05) + next() * Math.log(400_000));
      values.push(v);
      r.record(v);
    }
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.99, 0.999]) {
      const exact = percentile(values, q)!;
      expect(Math.abs(r.percentile(q)! - exact) / exact).toBeLessThan(0.01);
    }
    expect(r.max).toBe(Math.max(...values));
    expect(r.min).toBe(Math.min(...values));
    expect(r.count).toBe(20_000);
  });

  it.each([0.0004, 0.9, 1, 127.9, 128, 1000, 65_536, 3_599_999])('keeps %s ms within 1%% (or half a µs)', (v) => {
    const r = new LatencyRecorder();
    r.record(v);
    r.record(v);
    r.record(v * 10 + 1);
    const got = r.percentile(0.5)!;
    expect(Math.abs(got - v)).toBeLessThanOrEqual(Math.max(v * 0.01, 0.0005));
  });

  it('counts values above highestMs in the last bucket but keeps max exact', () => {
    const r = new LatencyRecorder({ highestMs: 1000 });
    r.record(10);
    r.record(5e6);
    expect(r.max).toBe(5e6);
    expect(r.percentile(1)).toBe(5e6);
    expect(r.percentile(0.5)).toBe(10);
  });

  it('treats negative latencies as 0 and rejects non-finite ones', () => {
    const r = new LatencyRecorder();
    r.record(-1);
    expect(r.min).toBe(0);
    expect(() => r.record(NaN)).toThrow(RangeError);
    expect(() => r.record(Infinity)).toThrow(RangeError);
    expect(() => r.record(1, 1.5)).toThrow(RangeError);
    expect(() => r.percentile(2)).toThrow(RangeError);
  });

  it('records with a count', () => {
    const r = new LatencyRecorder();
    r.record(1, 99);
    r.record(1000, 1);
    expect(r.count).toBe(100);
    expect(r.percentile(0.99)).toBeCloseTo(1, 1);
    expect(r.percentile(1)).toBe(1000);
    expect(r.mean).toBeCloseTo(10.99, 6);
  });

  it('merges like recording everything in one', () => {
    const a = new LatencyRecorder();
    const b = new LatencyRecorder();
    const all = new LatencyRecorder();
    for (let i = 1; i <= 1000; i++) {
      (i % 2 === 0 ? a : b).record(i);
      all.record(i);
    }
    a.merge(b);
    expect(a.summary()).toEqual(all.summary());
    a.merge(new LatencyRecorder());
    expect(a.count).toBe(1000);
  });

  it('refuses to merge different layouts and bad options', () => {
    expect(() => new LatencyRecorder().merge(new LatencyRecorder({ subBuckets: 64 }))).toThrow(RangeError);
    expect(() => new LatencyRecorder({ lowestMs: 0 })).toThrow(RangeError);
    expect(() => new LatencyRecorder({ lowestMs: 1, highestMs: 1 })).toThrow(RangeError);
    expect(() => new LatencyRecorder({ subBuckets: 1 })).toThrow(RangeError);
  });

  it('resets', () => {
    const r = new LatencyRecorder();
    r.record(5);
    r.reset();
    expect(r.count).toBe(0);
    expect(r.percentile(0.5)).toBeNull();
  });
});
