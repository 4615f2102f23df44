import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoverageMap, isNormalized, type Interval, type ProbeResult } from '../../../src/ha/index.js';

const INF = Infinity;
const i = (start: number, end: number): Interval => ({ start, end });
const healthy = (): boolean => true;

/** A probe of `bucket`-wide buckets at `steps`; per replica, its count at each step (0 or missing: no samples). */
function probe(bucket: number, steps: number[], counts: Record<string, Record<number, number>>): ProbeResult {
  return {
    bucketMs: bucket,
    steps,
    counts: new Map(Object.entries(counts).map(([name, c]) => [name, new Map(Object.entries(c).map(([t, n]) => [Number(t), n]))])),
  };
}

/** Every step in `steps` at `n` samples. */
const full = (steps: number[], n = 4): Record<number, number> => Object.fromEntries(steps.map((t) => [t, n]));

const STEPS = [10, 20, 30, 40];

describe('CoverageMap.applyProbe: holes are buckets with fewer samples than another replica', () => {
  it('a replica with fewer samples in a bucket gets the hole [t - bucket, t + 1); the other none', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3 } }), healthy);
    expect(map.of('a')?.holes).toEqual([]);
    expect(map.of('b')?.holes).toEqual([i(10, 21)]);
    expect(found).toEqual(new Map([['b', [i(10, 21)]]]));
    expect(map.gapsOf('b')).toEqual([i(10, 21)]);
  });

  it('a bucket missing altogether is a hole too, and neighbouring holes merge', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { 10: 4, 40: 4 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(10, 31)]);
  });

  it('the replica with more samples wins whichever it is: holes are relative, per bucket', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, STEPS, { a: { ...full(STEPS), 10: 1 }, b: { ...full(STEPS), 30: 2 }, c: { ...full(STEPS), 30: 3 } }), healthy);
    expect(map.of('a')?.holes).toEqual([i(0, 11)]);
    expect(map.of('b')?.holes).toEqual([i(20, 31)]);
    expect(map.of('c')?.holes).toEqual([i(20, 31)]);
  });

  it('where no replica has samples nobody has a hole (nothing tells them apart)', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, STEPS, { a: { 10: 4, 40: 4 }, b: { 10: 4, 40: 4 } }), healthy);
    expect(found.size).toBe(0);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.gapsOf('b')).toEqual([]);
  });

  it('replicas that did not answer keep their state', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 0 } }), healthy);
    const before = map.of('b');
    const later = [50, 60, 70];
    const found = map.applyProbe(probe(10, later, { a: full(later) }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('b')).toEqual(before);
    expect(map.of('b')?.probedUntil).toBe(41);
    expect(map.of('a')?.probedUntil).toBe(71);
  });

  it('re-probing a window replaces its holes (a hole that was a late scrape goes away)', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3, 40: 1 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(10, 21), i(30, 41)]);
    // Only [10, 31) is probed again: the hole at 40 is outside that window and stays, less the
    // millisecond 30 the new probe verified.
    map.applyProbe(probe(10, [20, 30], { a: full([20, 30]), b: full([20, 30]) }), healthy);
    expect(map.of('b')?.holes).toEqual([i(31, 41)]);
  });

  it('re-probing a window can move a hole from one replica to the other', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3 } }), healthy);
    map.applyProbe(probe(10, STEPS, { a: { ...full(STEPS), 20: 3 }, b: full(STEPS) }), healthy);
    expect(map.of('a')?.holes).toEqual([i(10, 21)]);
    expect(map.of('b')?.holes).toEqual([]);
  });

  it('new holes are returned only once; a hole that grows returns only its new part', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const p = probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3 } });
    expect(map.applyProbe(p, healthy)).toEqual(new Map([['b', [i(10, 21)]]]));
    expect(map.applyProbe(p, healthy).size).toBe(0);
    const grown = map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3, 30: 0 } }), healthy);
    expect(grown).toEqual(new Map([['b', [i(21, 31)]]]));
  });

  it('ignores replicas it was not built with and an empty probe', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    expect(map.applyProbe(probe(10, [], { a: {}, b: {} }), healthy).size).toBe(0);
    expect(map.of('a')?.probedUntil).toBeUndefined();
    // z has more samples than a at 10: a's hole, though z itself is nobody's business.
    const found = map.applyProbe(probe(10, [10], { a: { 10: 1 }, b: { 10: 1 }, z: { 10: 2 } }), healthy);
    expect(map.of('z')).toBeUndefined();
    expect(map.gapsOf('z')).toEqual([]);
    expect([...found.keys()].sort()).toEqual(['a', 'b']);
  });

  // A hole is only known against another replica's samples. When just one replica answers a probe,
  // nothing can be compared, yet its verified holes inside the probed window are replaced by none.
  // In CoverageProber#recent the window starts 2 steps before the least verified replica's
  // probedUntil, so when `b` goes down right after `a` lost data, probes `a` alone answers erase
  // a's hole; `b` is then suspect and `a` looks clean, so queries over the hole go to `a` alone with
  // no warning. (src/ha/coverage-map.ts:119 in applyProbe: `s.holes = coarsen(union(subtract(s.holes, [window]), holes), …)`.)
  it('a probe only one replica answers does not erase the holes verified against the others', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: { ...full(STEPS), 40: 0 }, b: full(STEPS) }), healthy);
    expect(map.of('a')?.holes).toEqual([i(30, 41)]);
    map.markSuspect('b', 45);
    map.applyProbe(probe(10, [30, 40, 50], { a: { 30: 4, 50: 4 } }), healthy);
    expect(map.gapsOf('a')).toEqual([i(30, 41)]);
  });
});

describe('CoverageMap: suspect time', () => {
  it('markSuspect opens [probedUntil, ∞); a probe in which the replica is healthy and has data at its last step clears it', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 1000);
    expect(map.of('b')?.suspect).toEqual([i(41, INF)]);
    expect(map.gapsOf('b')).toEqual([i(41, INF)]);
    expect(map.anyGapIn(i(30, 42))).toBe(true);
    expect(map.anyGapIn(i(30, 41))).toBe(false);
    const later = [50, 60];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
    expect(map.of('b')?.suspect).toEqual([]);
    expect(map.gapsOf('b')).toEqual([]);
  });

  it('suspicion starts at fallbackFrom when that is earlier, or when the replica was never probed', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.markSuspect('a', 500);
    expect(map.of('a')?.suspect).toEqual([i(500, INF)]);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), () => false);
    map.markSuspect('b', 25);
    expect(map.of('b')?.suspect).toEqual([i(25, INF)]);
    map.markSuspect('nobody', 0);
    expect(map.of('nobody')).toBeUndefined();
  });

  it('time before the probed window stays suspect: only what a probe covered is cleared', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 1000);
    map.applyProbe(probe(10, [70, 80], { a: full([70, 80]), b: full([70, 80]) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(41, 60)]);
  });

  it('an unhealthy replica keeps its suspicion past the probed window', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 1000);
    const later = [50, 60];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), (name) => name !== 'b');
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
    expect(map.of('b')?.probedUntil).toBe(61);
  });

  it('a healthy replica without data at the probe\'s last step keeps its suspicion too', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 1000);
    const later = [50, 60];
    map.applyProbe(probe(10, later, { a: full(later), b: { 50: 4 } }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
    expect(map.gapsOf('b')).toEqual([i(50, INF)]);
  });
});

describe('CoverageMap.gapsOf before every replica answered', () => {
  it('while no replica has been probed, nothing is known and nobody is distrusted', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.someUnprobed).toBe(false);
    expect(map.anyGapIn(i(-INF, INF))).toBe(false);
  });

  it('a never-probed replica has gaps everywhere once another replica has been probed', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    expect(map.gapsOf('c')).toEqual([i(-INF, INF)]);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.someUnprobed).toBe(true);
    map.applyProbe(probe(10, STEPS, { c: full(STEPS) }), healthy);
    expect(map.gapsOf('c')).toEqual([]);
    expect(map.someUnprobed).toBe(false);
  });

  it('an unknown name has no gaps and names lists the replicas in order', () => {
    const map = new CoverageMap(['b', 'a'], 100);
    expect(map.names).toEqual(['b', 'a']);
    expect(map.gapsOf('zz')).toEqual([]);
  });
});

describe('CoverageMap: max_holes bounds the record', () => {
  it('holes beyond the bound merge across the smallest gaps, covering every hole found', () => {
    const map = new CoverageMap(['a', 'b'], 2);
    const steps = [10, 20, 30, 40, 50, 60, 70, 80, 90];
    // b misses 20, 40, 50 (merged: [30, 51)) and 90: holes [10,21) [30,51) [80,91).
    const found = map.applyProbe(probe(10, steps, { a: full(steps), b: { ...full(steps), 20: 0, 40: 0, 50: 0, 90: 0 } }), healthy);
    expect(found.get('b')).toEqual([i(10, 21), i(30, 51), i(80, 91)]);
    // The gap 21..30 (9 ms) is smaller than 51..80: it closes.
    expect(map.of('b')?.holes).toEqual([i(10, 51), i(80, 91)]);
  });

  it('property: the record never exceeds max_holes, stays normalized and covers every hole of the last probe', () => {
    const stepsArb = fc.integer({ min: 1, max: 30 }).map((n) => Array.from({ length: n }, (_, k) => 10 * (k + 1)));
    const scenario = stepsArb.chain((steps) =>
      fc.record({
        steps: fc.constant(steps),
        max: fc.integer({ min: 1, max: 4 }),
        a: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: steps.length, maxLength: steps.length }),
        b: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: steps.length, maxLength: steps.length }),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ steps, max, a, b }) => {
        const map = new CoverageMap(['a', 'b'], max);
        const counts = (ns: number[]) => Object.fromEntries(steps.map((t, k) => [t, ns[k]!]));
        map.applyProbe(probe(10, steps, { a: counts(a), b: counts(b) }), healthy);
        for (const [name, mine, theirs] of [['a', a, b], ['b', b, a]] as const) {
          const holes = map.of(name)!.holes;
          expect(holes.length).toBeLessThanOrEqual(max);
          expect(isNormalized(holes)).toBe(true);
          steps.forEach((t, k) => {
            const short = mine[k]! < theirs[k]!;
            if (short) expect(holes.some((h) => h.start <= t - 10 && t + 1 <= h.end)).toBe(true);
          });
        }
      }),
      { numRuns: 300 },
    );
  });
});
