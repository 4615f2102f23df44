import { describe, expect, it } from 'vitest';
import { bucketize, median, percentile, ratioOf, summarize } from '../../../bench/lib/stats.js';
import type { RequestRecord } from '../../../bench/lib/types.js';

const rec = (startMs: number, latencyMs: number, ok = true, status = ok ? 200 : 503): RequestRecord => ({
  startMs,
  latencyMs,
  status,
  ok,
});

describe('percentile (nearest-rank)', () => {
  const ten = [10, 1, 9, 2, 8, 3, 7, 4, 6, 5];
  it.each([
    [0, 1],
    [0.1, 1],
    [0.11, 2],
    [0.5, 5],
    [0.9, 9],
    [0.91, 10],
    [0.99, 10],
    [1, 10],
  ])('q=%s of 1..10 (unsorted) is %s', (q, want) => {
    expect(percentile(ten, q)).toBe(want);
  });

  it('returns an observed value, never an interpolation', () => {
    expect(percentile([1, 100], 0.5)).toBe(1);
    expect(percentile([1, 100], 0.51)).toBe(100);
  });

  it('gives null for no values and the value for one', () => {
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([42], 0)).toBe(42);
    expect(percentile([42], 0.99)).toBe(42);
  });

  it('ignores non-finite values', () => {
    expect(percentile([NaN, 3, Infinity, 1, 2], 1)).toBe(3);
    expect(percentile([NaN], 0.5)).toBeNull();
  });

  it('does not reorder the caller’s array', () => {
    const values = [3, 1, 2];
    percentile(values, 0.5);
    expect(values).toEqual([3, 1, 2]);
  });

  it.each([[-0.1], [1.5], [99], [NaN]])('rejects q=%s (fractions, not percents)', (q) => {
    expect(() => percentile([1], q)).toThrow(RangeError);
  });
});

describe('median', () => {
  it.each([
    [[], null],
    [[5], 5],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
  ])('median(%j) = %s', (values, want) => {
    expect(median(values)).toBe(want);
  });
});

describe('summarize', () => {
  it('handles no records without NaN', () => {
    const s = summarize([], 1000);
    expect(s).toMatchObject({ requests: 0, ok: 0, failures: 0, rps: 0, okRps: 0, statusCounts: {} });
    expect(s.latency).toEqual({ p50: null, p90: null, p99: null, max: null });
    expect(JSON.stringify(s)).not.toMatch(/NaN|Infinity/);
  });

  it('summarizes one record', () => {
    const s = summarize([rec(0, 12)], 2000);
    expect(s).toMatchObject({ requests: 1, ok: 1, failures: 0, rps: 0.5, okRps: 0.5 });
    expect(s.latency).toEqual({ p50: 12, p90: 12, p99: 12, max: 12 });
  });

  it('counts all failures, transport errors under status "0"', () => {
    const s = summarize([rec(0, 5, false, 0), rec(1, 7, false, 502), rec(2, 9, false, 0)], 1000);
    expect(s).toMatchObject({ requests: 3, ok: 0, failures: 3, rps: 3, okRps: 0 });
    expect(s.statusCounts).toEqual({ '0': 2, '502': 1 });
    expect(s.latency.max).toBe(9);
  });

  it('computes percentiles over 100 records', () => {
    const records = Array.from({ length: 100 }, (_, i) => rec(i * 10, 100 - i, i % 10 !== 0));
    const s = summarize(records, 1000);
    expect(s).toMatchObject({ requests: 100, ok: 90, failures: 10, rps: 100, okRps: 90 });
    expect(s.latency).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
  });

  it('gives zero rates, not Infinity, for a zero duration', () => {
    expect(summarize([rec(5, 0)], 0).rps).toBe(0);
  });
});

describe('bucketize', () => {
  it('keys buckets on start time and keeps empty buckets', () => {
    const buckets = bucketize([rec(0, 1), rec(999, 5000, false), rec(2500, 3)], 1000, 0);
    expect(buckets).toEqual([
      { startMs: 0, count: 2, failures: 1, p50: 1, p99: 5000 },
      { startMs: 1000, count: 0, failures: 0, p50: null, p99: null },
      { startMs: 2000, count: 1, failures: 0, p50: 3, p99: 3 },
    ]);
  });

  it('covers the whole duration even with no records', () => {
    const buckets = bucketize([], 500, 1200);
    expect(buckets.map((b) => b.startMs)).toEqual([0, 500, 1000]);
    expect(buckets.every((b) => b.count === 0 && b.p99 === null)).toBe(true);
  });

  it('returns nothing for no records and no duration', () => {
    expect(bucketize([], 1000, 0)).toEqual([]);
  });

  it('puts records starting before 0 in the first bucket', () => {
    expect(bucketize([rec(-3, 1)], 1000, 0)[0]?.count).toBe(1);
  });

  it('rejects a non-positive bucket size and absurd bucket counts', () => {
    expect(() => bucketize([], 0, 0)).toThrow(RangeError);
    expect(() => bucketize([], NaN, 0)).toThrow(RangeError);
    expect(() => bucketize([rec(1e9, 1)], 1, 0)).toThrow(/wrong unit/);
  });
});

describe('ratioOf (promgate ÷ HAProxy, promgate ÷ limit, evaluated ÷ asked)', () => {
  it.each([
    [200, 10, 20],
    [50, 100, 0.5],
    [0, 100, 0],
    [10, 0, null],
    [10, -1, null],
    [null, 10, null],
    [10, undefined, null],
    [NaN, 10, null],
    [Infinity, 10, null],
  ])('%s ÷ %s = %s', (num, den, want) => {
    expect(ratioOf(num, den)).toBe(want);
  });
});
