import { describe, expect, it } from 'vitest';
import type { AttemptOutcome } from '../../../src/routing/routing-observer.js';
import { ReplicaStats } from '../../../src/status/replica-stats.js';
import { FakeClock } from '../../helpers/fake-clock.js';

// Aligned on a bucket boundary, so "n seconds later" lands in a known bucket.
const T0 = 1_700_000_000_000;

function setup(opts: ConstructorParameters<typeof ReplicaStats>[0] = {}) {
  const clock = new FakeClock(T0);
  const failovers: Array<[string, AttemptOutcome, number]> = [];
  const stats = new ReplicaStats(opts, { clock, onFailover: (r, o) => failovers.push([r, o, clock.now()]) });
  return { clock, stats, failovers };
}

describe('ReplicaStats', () => {
  it('a replica never observed reads as all zeros, with no latency and no failover', () => {
    const { stats } = setup();
    expect(stats.window('r1')).toEqual({
      windowSeconds: 60,
      requests: 0,
      errors: 0,
      timeouts: 0,
      connectionErrors: 0,
      replicaFaults: 0,
      canceled: 0,
      breakerRejected: 0,
      latency: undefined,
      lastFailoverAt: undefined,
    });
    expect(stats.names).toEqual([]);
  });

  it('counts each outcome where it belongs: errors are faults, connection errors and timeouts; canceled is neither', () => {
    const { stats } = setup();
    const outcomes: AttemptOutcome[] = ['success', 'success', 'replica_fault', 'connection_error', 'timeout', 'timeout', 'canceled', 'breaker_open'];
    for (const o of outcomes) stats.observe('r1', o, 0.1);
    expect(stats.window('r1')).toMatchObject({
      // breaker_open sends nothing: not a request.
      requests: 7,
      errors: 4,
      replicaFaults: 1,
      connectionErrors: 1,
      timeouts: 2,
      canceled: 1,
      breakerRejected: 1,
    });
    // Latency is that of answered (successful) attempts only.
    expect(stats.window('r1').latency?.count).toBe(2);
  });

  it('keeps replicas apart', () => {
    const { stats } = setup();
    stats.observe('r1', 'success', 0.01);
    stats.observe('r2', 'timeout', 5);
    expect(stats.window('r1')).toMatchObject({ requests: 1, errors: 0 });
    expect(stats.window('r2')).toMatchObject({ requests: 1, errors: 1, latency: undefined });
    expect(stats.names.sort()).toEqual(['r1', 'r2']);
  });

  it('one sample: mean, quantiles and max are that sample exactly', () => {
    const { stats } = setup();
    stats.observe('r1', 'success', 0.0423);
    expect(stats.window('r1').latency).toEqual({ count: 1, mean: 0.0423, p50: 0.0423, p99: 0.0423, max: 0.0423 });
  });

  it('quantiles are within 10% of the exact nearest-rank ones; mean and max are exact', () => {
    const { stats } = setup();
    const samples: number[] = [];
    // 1 ms … 2 s, skewed: a fast bulk and a slow tail.
    for (let i = 0; i < 1000; i++) samples.push(i < 950 ? 0.001 + (i / 950) * 0.05 : 0.5 + ((i - 950) / 50) * 1.5);
    for (const s of samples) stats.observe('r1', 'success', s);
    const sorted = [...samples].sort((a, b) => a - b);
    const exact = (q: number) => sorted[Math.ceil(q * sorted.length) - 1]!;
    const lat = stats.window('r1').latency!;
    expect(lat.count).toBe(1000);
    expect(lat.mean).toBeCloseTo(samples.reduce((a, b) => a + b, 0) / 1000, 12);
    expect(lat.max).toBe(Math.max(...samples));
    expect(Math.abs(lat.p50 / exact(0.5) - 1)).toBeLessThan(0.1);
    expect(Math.abs(lat.p99 / exact(0.99) - 1)).toBeLessThan(0.1);
  });

  it('slides: what happened more than the window ago no longer counts, bucket by bucket', async () => {
    const { clock, stats } = setup({ windowMs: 60_000, bucketMs: 10_000 });
    stats.observe('r1', 'success', 0.02); // bucket 0
    await clock.advance(25_000);
    stats.observe('r1', 'timeout', 1); // bucket 2
    await clock.advance(30_000); // t = 55 s: buckets 0..5 all in the window
    expect(stats.window('r1')).toMatchObject({ requests: 2, errors: 1 });
    await clock.advance(5_000); // t = 60 s: bucket 6 starts, bucket 0 leaves
    expect(stats.window('r1')).toMatchObject({ requests: 1, errors: 1, latency: undefined });
    await clock.advance(20_000); // t = 80 s: bucket 2 has left too
    expect(stats.window('r1')).toMatchObject({ requests: 0, errors: 0 });
  });

  it('reuses a bucket slot a whole window later without carrying its old counts', async () => {
    const { clock, stats } = setup({ windowMs: 20_000, bucketMs: 10_000 });
    stats.observe('r1', 'success', 0.5);
    stats.observe('r1', 'success', 0.5);
    await clock.advance(20_000); // same slot, next lap
    stats.observe('r1', 'success', 0.001);
    expect(stats.window('r1').latency).toEqual({ count: 1, mean: 0.001, p50: 0.001, p99: 0.001, max: 0.001 });
  });

  it('a long quiet spell empties the window entirely', async () => {
    const { clock, stats } = setup();
    for (let i = 0; i < 10; i++) stats.observe('r1', 'success', 0.01);
    await clock.advance(3_600_000);
    expect(stats.window('r1')).toMatchObject({ requests: 0, latency: undefined });
  });

  describe('failovers', () => {
    it('lastFailoverAt is the last failed attempt on the replica, and outlives the window', async () => {
      const { clock, stats } = setup();
      stats.observe('r1', 'success', 0.01);
      expect(stats.window('r1').lastFailoverAt).toBeUndefined();
      await clock.advance(1_000);
      stats.observe('r1', 'connection_error', 0.001);
      await clock.advance(1_000);
      stats.observe('r1', 'breaker_open', 0);
      expect(stats.window('r1').lastFailoverAt).toBe(T0 + 2_000);
      await clock.advance(600_000);
      expect(stats.window('r1').lastFailoverAt).toBe(T0 + 2_000);
    });

    it('canceled attempts (a hedge that lost, a client that left) are no failover', () => {
      const { stats, failovers } = setup();
      stats.observe('r1', 'canceled', 0.2);
      expect(stats.window('r1').lastFailoverAt).toBeUndefined();
      expect(failovers).toEqual([]);
    });

    it('onFailover fires once per episode: on the first failure after failoverQuietMs without one', async () => {
      const { clock, stats, failovers } = setup({ failoverQuietMs: 30_000 });
      stats.observe('r1', 'timeout', 2);
      for (let i = 0; i < 20; i++) {
        await clock.advance(1_000);
        stats.observe('r1', 'connection_error', 0.001);
      }
      stats.observe('r2', 'replica_fault', 0.1);
      expect(failovers).toEqual([
        ['r1', 'timeout', T0],
        ['r2', 'replica_fault', T0 + 20_000],
      ]);
      // Failures keep coming every 20 s: still the same episode.
      await clock.advance(20_000);
      stats.observe('r1', 'timeout', 2);
      expect(failovers).toHaveLength(2);
      // 30 s of quiet, then a failure: a new episode.
      await clock.advance(30_000);
      stats.observe('r1', 'connection_error', 0.001);
      expect(failovers.at(-1)).toEqual(['r1', 'connection_error', T0 + 70_000]);
    });
  });

  it('ignores a latency that is not a finite, non-negative number instead of poisoning the mean', () => {
    const { stats } = setup();
    stats.observe('r1', 'success', Number.NaN);
    stats.observe('r1', 'success', -1);
    stats.observe('r1', 'success', 0.25);
    expect(stats.window('r1')).toMatchObject({ requests: 3, latency: { count: 1, mean: 0.25 } });
  });

  it.each([
    [{ bucketMs: 0 }],
    [{ bucketMs: 1.5 }],
    [{ windowMs: 15_000, bucketMs: 10_000 }],
    [{ windowMs: 5_000, bucketMs: 10_000 }],
    [{ failoverQuietMs: -1 }],
  ])('refuses impossible options at construction: %j', (opts) => {
    expect(() => new ReplicaStats(opts, { clock: new FakeClock() })).toThrow(RangeError);
  });
});
