import { describe, expect, it } from 'vitest';
import { bucketize, combineRounds, median, percentile, summarize } from '../../../bench/lib/stats.js';
import type { RequestRecord, ScenarioRun } from '../../../bench/lib/types.js';

const rec = (startMs: number, latencyMs: number, ok = true, status = ok ? 200 : 503): RequestRecord => ({
  target: 'promgate',
  scenario: 's',
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
    expect(s).toMatchObject({ requests: 0, ok: 0, failures: 0, rps: 0, okRps: 0, errorRate: 0, statusCounts: {} });
    expect(s.latency).toEqual({ p50: null, p90: null, p99: null, max: null, min: null, mean: null });
    expect(JSON.stringify(s)).not.toMatch(/NaN|Infinity/);
  });

  it('summarizes one record', () => {
    const s = summarize([rec(0, 12)], 2000);
    expect(s).toMatchObject({ requests: 1, ok: 1, failures: 0, rps: 0.5, okRps: 0.5, durationMs: 2000 });
    expect(s.latency).toEqual({ p50: 12, p90: 12, p99: 12, max: 12, min: 12, mean: 12 });
  });

  it('counts all failures, transport errors under status "0"', () => {
    const s = summarize([rec(0, 5, false, 0), rec(1, 7, false, 502), rec(2, 9, false, 0)], 1000);
    expect(s).toMatchObject({ requests: 3, ok: 0, failures: 3, rps: 3, okRps: 0, errorRate: 1 });
    expect(s.statusCounts).toEqual({ '0': 2, '502': 1 });
    expect(s.latency.max).toBe(9);
  });

  it('computes percentiles over 100 records', () => {
    const records = Array.from({ length: 100 }, (_, i) => rec(i * 10, 100 - i, i % 10 !== 0));
    const s = summarize(records, 1000);
    expect(s).toMatchObject({ requests: 100, ok: 90, failures: 10, rps: 100, okRps: 90 });
    expect(s.latency).toMatchObject({ p50: 50, p90: 90, p99: 99, max: 100, min: 1, mean: 50.5 });
  });

  it('uses the observed span without a duration, and zero rates for a zero span', () => {
    expect(summarize([rec(0, 250), rec(500, 500)]).rps).toBe(2);
    expect(summarize([rec(5, 0)]).rps).toBe(0);
  });
});

describe('bucketize', () => {
  it('keys buckets on start time and keeps empty buckets', () => {
    const buckets = bucketize([rec(0, 1), rec(999, 5000, false), rec(2500, 3)], 1000);
    expect(buckets).toEqual([
      { startMs: 0, endMs: 1000, count: 2, failures: 1, rps: 2, p50: 1, p99: 5000 },
      { startMs: 1000, endMs: 2000, count: 0, failures: 0, rps: 0, p50: null, p99: null },
      { startMs: 2000, endMs: 3000, count: 1, failures: 0, rps: 1, p50: 3, p99: 3 },
    ]);
  });

  it('covers the whole duration even with no records', () => {
    const buckets = bucketize([], 500, 1200);
    expect(buckets.map((b) => b.startMs)).toEqual([0, 500, 1000]);
    expect(buckets.every((b) => b.count === 0 && b.p99 === null)).toBe(true);
  });

  it('returns nothing for no records and no duration', () => {
    expect(bucketize([], 1000)).toEqual([]);
  });

  it('puts records starting before 0 in the first bucket', () => {
    expect(bucketize([rec(-3, 1)], 1000)[0]?.count).toBe(1);
  });

  it('rejects a non-positive bucket size and absurd bucket counts', () => {
    expect(() => bucketize([], 0)).toThrow(RangeError);
    expect(() => bucketize([], NaN)).toThrow(RangeError);
    expect(() => bucketize([rec(1e9, 1)], 1)).toThrow(/wrong unit/);
  });
});

describe('combineRounds', () => {
  const run = (target: string, round: number, okRps: number, rps = okRps): ScenarioRun => ({
    scenario: 'dashboard',
    target,
    round,
    durationMs: 1000,
    upstreamEvaluations: null,
    summary: { ...summarize([], 1000), requests: Math.round(rps), ok: Math.round(okRps), failures: Math.round(rps - okRps), rps, okRps },
  });

  it('takes medians over interleaved rounds, and the ratio of medians', () => {
    const runs = [run('promgate', 0, 100), run('haproxy', 0, 10), run('promgate', 1, 300), run('haproxy', 1, 5), run('promgate', 2, 200), run('haproxy', 2, 20)];
    const c = combineRounds(runs);
    expect(c.targets.map((t) => [t.target, t.rounds, t.okRps, t.okRpsPerRound])).toEqual([
      ['promgate', 3, 200, [100, 300, 200]],
      ['haproxy', 3, 10, [10, 5, 20]],
    ]);
    expect(c.ratio).toBe(20);
    expect(c.ratioPerRound).toEqual([10, 60, 10]);
    expect(c.medianRatioPerRound).toBe(10);
  });

  it('compares successful requests, so failing fast does not look fast', () => {
    const c = combineRounds([run('promgate', 0, 50, 1000), run('haproxy', 0, 100)]);
    expect(c.targets[0]?.rps).toBe(1000);
    expect(c.ratio).toBe(0.5);
    expect(c.targets[0]?.failures).toBe(950);
  });

  it('pairs rounds by number, not by order', () => {
    const c = combineRounds([run('haproxy', 1, 10), run('promgate', 0, 30), run('haproxy', 0, 10), run('promgate', 1, 50)]);
    expect(c.ratioPerRound).toEqual([3, 5]);
  });

  it('has no ratio when the baseline is missing or served nothing', () => {
    expect(combineRounds([run('promgate', 0, 10)]).ratio).toBeNull();
    const zero = combineRounds([run('promgate', 0, 10), run('haproxy', 0, 0)]);
    expect(zero.ratio).toBeNull();
    expect(zero.ratioPerRound).toEqual([]);
    expect(zero.medianRatioPerRound).toBeNull();
  });

  it('handles no runs', () => {
    expect(combineRounds([])).toEqual({ targets: [], ratio: null, ratioPerRound: [], medianRatioPerRound: null });
  });

  it('accepts other target names', () => {
    expect(combineRounds([run('a', 0, 4), run('b', 0, 2)], { candidate: 'a', baseline: 'b' }).ratio).toBe(2);
  });
});
