import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CoverageMap, isNormalized, normalize, type Interval, type ProbeResult } from '../../../src/ha/index.js';

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

/**
 * Judged steps 20..40 (verified time [10, 41)): 10 is the first step and 50 the last, which a probe
 * does not judge (each lacks a neighbour in it).
 */
const STEPS = [10, 20, 30, 40, 50];


describe('CoverageMap.applyProbe: holes are buckets with fewer samples than another replica', () => {
  it('a replica with fewer samples in a judged bucket gets the hole [t - bucket, t + 1); the other none', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3 } }), healthy);
    expect(map.of('a')?.holes).toEqual([]);
    expect(map.of('b')?.holes).toEqual([i(10, 21)]);
    expect(found).toEqual(new Map([['b', [i(10, 21)]]]));
    expect(map.gapsOf('b')).toEqual([i(10, 21)]);
    expect(map.gapsOf('a')).toEqual([]);
  });

  it('a bucket missing altogether is a hole too, and neighbouring holes merge', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { 10: 4, 40: 4, 50: 4 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(10, 31)]);
  });

  it('the replica with more samples wins whichever it is: holes are relative, per bucket', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    const steps = [10, 20, 30, 40, 50, 60];
    map.applyProbe(probe(10, steps, { a: { ...full(steps), 20: 1 }, b: { ...full(steps), 50: 2 }, c: { ...full(steps), 50: 3 } }), healthy);
    expect(map.of('a')?.holes).toEqual([i(10, 21)]);
    expect(map.of('b')?.holes).toEqual([i(40, 51)]);
    expect(map.of('c')?.holes).toEqual([i(40, 51)]);
  });

  it('where no replica has samples nobody has a hole (nothing tells them apart)', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, STEPS, { a: { 10: 4, 40: 4, 50: 4 }, b: { 10: 4, 40: 4, 50: 4 } }), healthy);
    expect(found.size).toBe(0);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.gapsOf('b')).toEqual([]);
  });

  it('replicas that did not answer keep their state', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 0 } }), healthy);
    const before = { ...map.of('b')! };
    expect(before).toMatchObject({ holes: [i(10, 21)], probedUntil: 41, probedFrom: 10 });
    const later = [40, 50, 60, 70];
    const found = map.applyProbe(probe(10, later, { a: full(later) }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('b')).toEqual(before);
    // Alone, a's verified time moves to the probe's verified end (its last judged step + 1):
    // nothing suspect about it, healthy, probed before.
    expect(map.of('a')?.probedUntil).toBe(61);
  });

  it('re-probing a window replaces its holes only inside the verified time (a hole that was a late scrape goes away)', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 20: 3, 40: 1 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(10, 21), i(30, 41)]);
    // Steps 10, 20, 30 judge 20: [10, 21) is verified again, the hole at 40 lies outside it and stays.
    map.applyProbe(probe(10, [10, 20, 30], { a: full([10, 20, 30]), b: full([10, 20, 30]) }), healthy);
    expect(map.of('b')?.holes).toEqual([i(30, 41)]);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    expect(map.of('b')?.holes).toEqual([]);
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

  it('ignores replicas it was not built with', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    // z has more samples than a and b at 10: their hole, though z itself is nobody's business.
    const steps = [0, 10, 20];
    const found = map.applyProbe(probe(10, steps, { a: full(steps, 1), b: full(steps, 1), z: { 0: 1, 10: 2, 20: 1 } }), healthy);
    expect(map.of('z')).toBeUndefined();
    expect(map.gapsOf('z')).toEqual([]);
    expect([...found.keys()].sort()).toEqual(['a', 'b']);
    expect(map.of('a')?.holes).toEqual([i(0, 11)]);
    expect(map.of('b')?.holes).toEqual([i(0, 11)]);
  });

  // A hole is only known against another replica's samples. When just one replica answers a probe,
  // nothing can be compared: its verified holes inside the probed window must stay (in
  // CoverageProber#recent the window starts 2 steps before the least verified replica's
  // probedUntil, so when `b` goes down right after `a` lost data, probes `a` alone answers would
  // erase a's hole, and with `b` suspect queries over the hole would go to `a` alone).
  it('a probe only one replica answers does not erase the holes verified against the others', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: { ...full(STEPS), 40: 0 }, b: full(STEPS) }), healthy);
    expect(map.of('a')?.holes).toEqual([i(30, 41)]);
    map.markSuspect('b', 45);
    map.applyProbe(probe(10, [30, 40, 50, 60], { a: { 30: 4, 50: 4, 60: 4 } }), healthy);
    expect(map.gapsOf('a')).toEqual([i(30, 41)]);
  });
});

describe('CoverageMap.applyProbe: only steps with both neighbours in the probe are judged', () => {
  it('a shortfall at the last step is no hole yet; probedUntil is the last judged step + 1; the next probe judges it', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 50: 0 } }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('b')?.holes).toEqual([]);
    expect(map.of('a')?.probedUntil).toBe(41);
    expect(map.of('b')?.probedUntil).toBe(41);
    const next = [40, 50, 60];
    expect(map.applyProbe(probe(10, next, { a: full(next), b: { 40: 4, 60: 4 } }), healthy)).toEqual(new Map([['b', [i(40, 51)]]]));
    expect(map.of('b')?.holes).toEqual([i(40, 51)]);
    expect(map.of('b')?.probedUntil).toBe(51);
  });

  it('a shortfall at the first step is no hole: it has no earlier neighbour; a probe reaching a step further back judges it', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 10: 0 } }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('b')?.holes).toEqual([]);
    // Verified from the first judged bucket's left end: the first step's bucket is not verified.
    expect(map.of('b')?.probedFrom).toBe(10);
    const earlier = [0, 10, 20];
    expect(map.applyProbe(probe(10, earlier, { a: full(earlier), b: { 0: 4, 20: 4 } }), healthy)).toEqual(new Map([['b', [i(0, 11)]]]));
    expect(map.of('b')?.probedFrom).toBe(0);
    expect(map.of('b')?.probedUntil).toBe(41);
  });

  // The prober's next recent window starts at the step before the last judged one, so its first step
  // was judged by the previous window with both neighbours. A sample of the other replica that moved
  // into it from the step before (outside the window) looks like a deficit there; judged again
  // without that neighbour, it would replace the earlier verdict with a false hole no later window
  // ever re-judges.
  it("a window's first step is not judged: a deficit there caused from outside the window makes no hole", () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS, 1), b: full(STEPS, 1) }), healthy);
    // a's sample of 20 landed late in 30; 20 is outside this window.
    const next = [30, 40, 50, 60];
    const found = map.applyProbe(probe(10, next, { a: { ...full(next, 1), 30: 2 }, b: full(next, 1) }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('b')?.holes).toEqual([]);
    expect(map.of('a')?.holes).toEqual([]);
    expect(map.of('b')?.probedUntil).toBe(51);
  });

  it('holes are replaced only inside [first judged step - bucket, last judged step + 1): known holes at a first or last step stay until judged', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 40: 0 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(30, 41)]);
    // Full counts at 40 as the first step: only [40, 51) is verified.
    map.applyProbe(probe(10, [40, 50, 60], { a: full([40, 50, 60]), b: full([40, 50, 60]) }), healthy);
    expect(map.of('b')?.holes).toEqual([i(30, 40)]);
    // Full counts at 40 as the last step: only [20, 31) is verified.
    map.applyProbe(probe(10, [20, 30, 40], { a: full([20, 30, 40]), b: full([20, 30, 40]) }), healthy);
    expect(map.of('b')?.holes).toEqual([i(31, 40)]);
    map.applyProbe(probe(10, [30, 40, 50], { a: full([30, 40, 50]), b: full([30, 40, 50]) }), healthy);
    expect(map.of('b')?.holes).toEqual([]);
  });

  it('a probe of fewer than three steps judges nothing and changes nothing', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    for (const steps of [[], [10], [10, 20]]) {
      expect(map.applyProbe(probe(10, steps, { a: full(steps), b: {} }), healthy).size).toBe(0);
    }
    for (const name of ['a', 'b']) expect(map.of(name)).toMatchObject({ holes: [], suspect: [], probedUntil: undefined, probedFrom: INF });
    expect(map.someUnprobed).toBe(false);
    expect(map.hasGaps).toBe(false);

    // Nor on a probed map: no hole found, none cleared, no suspicion cleared, no verified time moved.
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 30: 0 } }), healthy);
    map.markSuspect('b', 45);
    const a = { ...map.of('a')! };
    const b = { ...map.of('b')! };
    expect(b).toMatchObject({ holes: [i(20, 31)], suspect: [i(41, INF)], probedUntil: 41, probedFrom: 10 });
    for (const steps of [[0], [0, 10], [20, 30], [40, 50], [50, 60]]) {
      expect(map.applyProbe(probe(10, steps, { a: full(steps), b: {} }), healthy).size).toBe(0);
      expect(map.applyProbe(probe(10, steps, { a: full(steps), b: full(steps) }), healthy).size).toBe(0);
      expect(map.applyProbe(probe(10, steps, { b: full(steps) }), healthy).size).toBe(0);
    }
    expect(map.of('a')).toEqual(a);
    expect(map.of('b')).toEqual(b);
  });

  it('probedUntil never moves back, probedFrom never forward: they bound everything verified so far', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    expect(map.of('a')).toMatchObject({ probedUntil: 41, probedFrom: 10 });
    map.applyProbe(probe(10, [10, 20, 30], { a: full([10, 20, 30]), b: full([10, 20, 30]) }), healthy);
    map.applyProbe(probe(10, [60, 70, 80], { a: full([60, 70, 80]), b: full([60, 70, 80]) }), healthy);
    expect(map.of('a')).toMatchObject({ probedUntil: 71, probedFrom: 10 });
    map.applyProbe(probe(10, [0, 10, 20], { a: full([0, 10, 20]), b: full([0, 10, 20]) }), healthy);
    for (const name of ['a', 'b']) expect(map.of(name)).toMatchObject({ probedUntil: 71, probedFrom: 0 });
  });
});

describe('CoverageMap.applyProbe: a sample that lands late moves to the next bucket, a hole removes it', () => {
  const ONE = [10, 20, 30, 40, 50, 60];

  // Guards the neighbour lookup: judged[i]'s neighbours are steps[i] and steps[i + 2].
  it('a sample late into the next bucket (or early into the one before) is not a hole, for either replica', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    // b's sample of 20 landed in 30; its sample of 50 landed early in 40.
    const found = map.applyProbe(probe(10, ONE, { a: full(ONE, 1), b: { 10: 1, 20: 0, 30: 2, 40: 2, 50: 0, 60: 1 } }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('a')?.holes).toEqual([]);
    expect(map.of('b')?.holes).toEqual([]);
  });

  // Guards the neighbour lookup: judged[i]'s neighbours are steps[i] and steps[i + 2].
  it("the probe's first and last steps, unjudged themselves, make up their judged neighbour's deficit", () => {
    const map = new CoverageMap(['a', 'b'], 100);
    // b's sample of 20 landed early in 10, its sample of 40 late in 50.
    map.applyProbe(probe(10, STEPS, { a: full(STEPS, 1), b: { 10: 2, 20: 0, 30: 1, 40: 0, 50: 2 } }), healthy);
    expect(map.of('b')?.holes).toEqual([]);
    expect(map.of('a')?.holes).toEqual([]);
    // The next window judges 50, where a is short against b's 2: made up with 40.
    const next = [40, 50, 60];
    map.applyProbe(probe(10, next, { a: full(next, 1), b: { 40: 0, 50: 2, 60: 1 } }), healthy);
    expect(map.of('b')?.holes).toEqual([]);
    expect(map.of('a')?.holes).toEqual([]);
  });

  it('a sample truly missing is a hole: the neighbours hold no more than the other replica has there', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    const found = map.applyProbe(probe(10, ONE, { a: full(ONE, 1), b: { ...full(ONE, 1), 30: 0 } }), healthy);
    expect(found).toEqual(new Map([['b', [i(20, 31)]]]));
    expect(map.of('a')?.holes).toEqual([]);
  });

  it('a sample missing in the first or the last judged bucket is a hole (the first and last steps serve as neighbours)', () => {
    const first = new CoverageMap(['a', 'b'], 100);
    expect(first.applyProbe(probe(10, STEPS, { a: full(STEPS, 1), b: { ...full(STEPS, 1), 20: 0 } }), healthy)).toEqual(new Map([['b', [i(10, 21)]]]));
    const last = new CoverageMap(['a', 'b'], 100);
    expect(last.applyProbe(probe(10, STEPS, { a: full(STEPS, 1), b: { ...full(STEPS, 1), 40: 0 } }), healthy)).toEqual(new Map([['b', [i(30, 41)]]]));
    expect(last.of('b')?.holes).toEqual([i(30, 41)]);
  });

  it('two buckets short side by side are both holes (neither pair is made up)', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    // Buckets of two samples: b lost one of 20's and one of 30's.
    map.applyProbe(probe(10, ONE, { a: full(ONE, 2), b: { ...full(ONE, 2), 20: 1, 30: 1 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(10, 31)]);
  });

  // Guards the neighbour lookup: judged[i]'s neighbours are steps[i] and steps[i + 2].
  it('the largest pair any replica has is the measure: with three replicas, the one short against the best is the hole', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    // a's sample of 20 landed in 30; c lost its sample of 30.
    map.applyProbe(probe(10, ONE, { a: { ...full(ONE, 1), 20: 0, 30: 2 }, b: full(ONE, 1), c: { ...full(ONE, 1), 30: 0 } }), healthy);
    expect(map.of('a')?.holes).toEqual([]);
    expect(map.of('b')?.holes).toEqual([]);
    expect(map.of('c')?.holes).toEqual([i(20, 31)]);
  });

  // Rule 2 compares pair sums with the largest pair sum ANY replica has, which need not come from a
  // replica full at both buckets. Here a lost samples at 20 and 30, b and c at 40 (b two, c one):
  // every replica is short somewhere in (30, 40] and (20, 40], so c's own pairs (4 + 3) are the
  // largest and its deficit at 40 looks made up, although a has 4 there, c 3, and c has no surplus
  // anywhere (a sample of 40 landing early in 30 would show as 5 there). c's lost sample is no
  // hole: queries over it may go to c alone. Documented limitation (README).
  it.fails('a deficit next to another replica\'s deficits is found when no replica is full at both buckets of a pair', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, ONE, { a: { ...full(ONE), 20: 1, 30: 1 }, b: { ...full(ONE), 40: 2 }, c: { ...full(ONE), 40: 3 } }), healthy);
    expect(map.of('c')?.holes).toEqual([i(30, 41)]);
  });

  // The windows the prober makes: each starts at the step before the previous one's last judged
  // step. Rule 1 keeps the first step of a window from being re-judged without its earlier
  // neighbour (see "a window's first step is not judged" above); this whole sequence guards the
  // neighbour lookup (judged[i]'s neighbours are steps[i] and steps[i + 2]).
  it('re-judging the first step of a window without its earlier neighbour makes no false hole', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    // a's sample of 20 landed in 30: no hole for anyone.
    map.applyProbe(probe(10, STEPS, { a: { 10: 1, 20: 0, 30: 2, 40: 1, 50: 1 }, b: full(STEPS, 1) }), healthy);
    expect(map.of('b')?.holes).toEqual([]);
    map.applyProbe(probe(10, [30, 40, 50, 60], { a: { 30: 2, 40: 1, 50: 1, 60: 1 }, b: full([30, 40, 50, 60], 1) }), healthy);
    map.applyProbe(probe(10, [40, 50, 60, 70], { a: full([40, 50, 60, 70], 1), b: full([40, 50, 60, 70], 1) }), healthy);
    expect(map.of('b')?.holes).toEqual([]);
    expect(map.of('a')?.holes).toEqual([]);
  });

  // Documented limitation of rule 2: a surplus bucket makes up the deficit on BOTH its sides. b's
  // sample of 20 landed in 30 and b lost its sample of 40: over the window b has one sample fewer
  // than a (7 against 8) and nothing later can explain it, yet with (20, 30) and (30, 40) each
  // summing to 2 for b as for a, neither 20 nor 40 is a hole. Documented limitation (README).
  it.fails('a surplus bucket does not hide a sample missing next to it on the other side', () => {
    const steps = [10, 20, 30, 40, 50, 60, 70, 80];
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, steps, { a: full(steps, 1), b: { 10: 1, 20: 0, 30: 2, 40: 0, 50: 1, 60: 1, 70: 1, 80: 1 } }), healthy);
    expect(map.of('b')?.holes.length).toBeGreaterThan(0);
  });
});

describe('CoverageMap: suspect time', () => {
  it('markSuspect opens [probedUntil, ∞); a probe from before it to past the trouble, healthy and full at its last judged step, clears it', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 45);
    expect(map.of('b')?.suspect).toEqual([i(41, INF)]);
    expect(map.gapsOf('b')).toEqual([i(41, INF)]);
    expect(map.anyGapIn(i(30, 42))).toBe(true);
    expect(map.anyGapIn(i(30, 41))).toBe(false);
    // Judged 40, 50, 60: verified [30, 61), its last judged bucket (50, 60] after the trouble at 45.
    const later = [30, 40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
    expect(map.of('b')?.suspect).toEqual([]);
    expect(map.gapsOf('b')).toEqual([]);
    expect(map.of('b')?.probedUntil).toBe(61);
  });

  it('suspicion starts at fallbackFrom when that is earlier; a replica never probed is suspect from the beginning of time', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.markSuspect('a', 500);
    expect(map.of('a')?.suspect).toEqual([i(-INF, INF)]);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), () => false);
    map.markSuspect('b', 25);
    expect(map.of('b')?.suspect).toEqual([i(25, INF)]);
    map.markSuspect('nobody', 0);
    expect(map.of('nobody')).toBeUndefined();
  });

  it('the suspicion is cleared from the verified start on: time before the probed window stays suspect', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 45);
    // Verified [70, 81): its first step's bucket (60, 70] is not.
    map.applyProbe(probe(10, [70, 80, 90], { a: full([70, 80, 90]), b: full([70, 80, 90]) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(41, 70)]);
  });

  it('an unhealthy replica keeps its suspicion past the verified time', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 45);
    const later = [30, 40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), (name) => name !== 'b');
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
    expect(map.of('b')?.probedUntil).toBe(61);
  });

  it('a replica not scraping again yet (short at the last judged step) keeps its suspicion, then loses it once it is', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 45);
    const later = [30, 40, 50, 60, 70];
    // Healthy (answering), but without samples at 60 and 70.
    map.applyProbe(probe(10, later, { a: full(later), b: { 30: 4, 40: 4, 50: 4 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(50, 61)]);
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
    expect(map.gapsOf('b')).toEqual([i(50, INF)]);
    // Scraping again from 70 on.
    const next = [50, 60, 70, 80];
    map.applyProbe(probe(10, next, { a: full(next), b: { 50: 4, 70: 4, 80: 4 } }), healthy);
    expect(map.of('b')?.suspect).toEqual([]);
    expect(map.gapsOf('b')).toEqual([i(50, 61)]);
  });

  it('trouble up to the start of the last judged bucket is before it (cleared); a millisecond later it is not', () => {
    for (const [trouble, left] of [
      [50, []],
      [51, [i(61, INF)]],
    ] as const) {
      const map = new CoverageMap(['a', 'b'], 100);
      map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
      map.markSuspect('b', trouble);
      // Last judged bucket (50, 60].
      const later = [30, 40, 50, 60, 70];
      map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
      expect(map.of('b')?.suspect).toEqual(left);
    }
  });

  // A full count in the last judged bucket may be samples taken before the trouble: here b's sample
  // of (50, 60] was scraped before it died at ~57 (a refused request at 58), and it lacks 70.
  // Nothing shows it scraping after the trouble: the open-ended suspicion stays.
  it("trouble inside the last judged bucket keeps the suspicion: that bucket's samples may predate it", () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 58);
    const later = [40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: { 40: 4, 50: 4, 60: 4 } }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
    expect(map.gapsOf('b')).toEqual([i(61, INF)]);
  });

  it('trouble after the verified end keeps the suspicion beyond it, until a last judged bucket starts after the trouble', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 65);
    expect(map.of('b')?.suspect).toEqual([i(41, INF)]);
    // Verified to 61: what b held at 65 and after is not known yet, whatever its counts to 70.
    const later = [30, 40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
    expect(map.gapsOf('b')).toEqual([i(61, INF)]);
    // Verified to 71, but the trouble lies inside its last judged bucket (60, 70].
    const next = [50, 60, 70, 80];
    map.applyProbe(probe(10, next, { a: full(next), b: full(next) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(71, INF)]);
    // Last judged bucket (70, 80]: after the trouble, cleared.
    const then = [60, 70, 80, 90];
    map.applyProbe(probe(10, then, { a: full(then), b: full(then) }), healthy);
    expect(map.of('b')?.suspect).toEqual([]);
  });

  it('trouble at the verified end itself (the last judged step + 1) is after it', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 61);
    const later = [30, 40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
  });

  it('the latest trouble counts: an earlier report does not move it back', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 65);
    map.markSuspect('b', 45);
    const later = [30, 40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(61, INF)]);
  });

  it('a probe that judges no step (one or two steps) clears no suspicion', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.markSuspect('b', 45);
    map.applyProbe(probe(10, [50], { a: full([50]), b: full([50]) }), healthy);
    map.applyProbe(probe(10, [50, 60], { a: full([50, 60]), b: full([50, 60]) }), healthy);
    expect(map.of('b')?.suspect).toEqual([i(41, INF)]);
  });
});

describe('CoverageMap: a probe only one replica answered (of two or more)', () => {
  it('finds no hole and clears none: nobody to compare with', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 30: 0 } }), healthy);
    expect(map.of('b')?.holes).toEqual([i(20, 31)]);
    const found = map.applyProbe(probe(10, STEPS, { b: full(STEPS) }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('b')?.holes).toEqual([i(20, 31)]);
    map.applyProbe(probe(10, STEPS, { a: { ...full(STEPS), 20: 0 } }), healthy);
    expect(map.of('a')?.holes).toEqual([]);
  });

  it("moves its probedUntil (to the verified end) only while nothing is suspect about it and it is healthy; clears no suspicion, moves no probedFrom", () => {
    const map = new CoverageMap(['a', 'b'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    const later = [40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later) }), (name) => name !== 'a');
    expect(map.of('a')?.probedUntil).toBe(41);
    map.applyProbe(probe(10, later, { a: full(later) }), healthy);
    expect(map.of('a')?.probedUntil).toBe(61);
    // An earlier window answered alone verifies no history.
    map.applyProbe(probe(10, [0, 10, 20], { a: full([0, 10, 20]) }), healthy);
    expect(map.of('a')).toMatchObject({ probedUntil: 61, probedFrom: 10 });
    map.markSuspect('a', 75);
    expect(map.of('a')?.suspect).toEqual([i(61, INF)]);
    const more = [60, 70, 80, 90];
    map.applyProbe(probe(10, more, { a: full(more) }), healthy);
    expect(map.of('a')?.probedUntil).toBe(61);
    expect(map.of('a')?.suspect).toEqual([i(61, INF)]);
  });

  // c's whole-history probe timed out at start (healthy, never marked suspect); later a and b are
  // restarting (503) when the prober probes again: c answers alone. Nothing has compared it.
  it('a never-probed replica that answers alone is still trusted nowhere (nothing compared it)', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    map.applyProbe(probe(10, STEPS, { c: full(STEPS) }), healthy);
    expect(map.of('c')).toMatchObject({ probedUntil: undefined, probedFrom: INF });
    expect(map.gapsOf('c')).toEqual([i(-INF, INF)]);
    expect(map.someUnprobed).toBe(true);
    expect(map.hasGaps).toBe(true);
  });

  it('a map of one replica judges it alone: no holes, verified time and suspicion as usual', () => {
    const map = new CoverageMap(['a'], 100);
    map.markSuspect('a', 15);
    const found = map.applyProbe(probe(10, STEPS, { a: { 10: 4, 50: 4 } }), healthy);
    expect(found.size).toBe(0);
    expect(map.of('a')).toMatchObject({ holes: [], suspect: [], probedUntil: 41, probedFrom: 10 });
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.hasGaps).toBe(false);
  });
});

describe('CoverageMap.gapsOf before every replica answered', () => {
  it('while no replica has been probed, nothing is known and nobody is distrusted', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.someUnprobed).toBe(false);
    expect(map.hasGaps).toBe(false);
    expect(map.anyGapIn(i(-INF, INF))).toBe(false);
  });

  it('a never-probed replica has gaps everywhere once another replica has been probed, until a probe compares it', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    expect(map.gapsOf('c')).toEqual([i(-INF, INF)]);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.someUnprobed).toBe(true);
    expect(map.hasGaps).toBe(true);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), c: { ...full(STEPS), 20: 0 } }), healthy);
    expect(map.gapsOf('c')).toEqual([i(10, 21)]);
    expect(map.of('c')).toMatchObject({ probedUntil: 41, probedFrom: 10 });
    expect(map.someUnprobed).toBe(false);
  });

  it("history before a replica's verified time is a gap of its while another's verified time reaches further back", () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    // c first compared from 30 on (it was down when the history was probed), with a hole at 50.
    const later = [30, 40, 50, 60];
    map.applyProbe(probe(10, later, { a: full(later), c: { ...full(later), 50: 0 } }), healthy);
    expect(map.of('c')).toMatchObject({ probedUntil: 51, probedFrom: 30 });
    expect(map.of('a')?.probedFrom).toBe(10);
    expect(map.gapsOf('c')).toEqual([i(-INF, 30), i(40, 51)]);
    expect(map.gapsOf('a')).toEqual([]);
    expect(map.gapsOf('b')).toEqual([]);
    expect(map.someUnprobed).toBe(false);
    expect(map.hasGaps).toBe(true);
    expect(map.anyGapIn(i(29, 30))).toBe(true);
    expect(map.anyGapIn(i(30, 40))).toBe(false);
    // Its history compared as far back as the others': only its hole is left.
    const early = [0, 10, 20, 30];
    map.applyProbe(probe(10, early, { a: full(early), b: full(early), c: full(early) }), healthy);
    for (const name of ['a', 'b', 'c']) expect(map.of(name)?.probedFrom).toBe(0);
    expect(map.gapsOf('c')).toEqual([i(40, 51)]);
    map.applyProbe(probe(10, later, { a: full(later), b: full(later), c: full(later) }), healthy);
    expect(map.gapsOf('c')).toEqual([]);
    expect(map.hasGaps).toBe(false);
  });

  it('the unverified history joins holes and suspect time', () => {
    const map = new CoverageMap(['a', 'b', 'c'], 100);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    // c verified over [20, 41) only, with a hole at 30, then suspect from 41.
    const later = [20, 30, 40, 50];
    map.applyProbe(probe(10, later, { a: full(later), c: { ...full(later), 30: 0 } }), healthy);
    map.markSuspect('c', 100);
    expect(map.gapsOf('c')).toEqual([i(-INF, 31), i(41, INF)]);
  });

  it('hasGaps: no while nothing is known against anyone; yes for a hole, suspect time or unverified history', () => {
    const map = new CoverageMap(['a', 'b'], 100);
    expect(map.hasGaps).toBe(false);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    expect(map.hasGaps).toBe(false);
    map.markSuspect('b', 45);
    expect(map.hasGaps).toBe(true);
    const later = [30, 40, 50, 60, 70];
    map.applyProbe(probe(10, later, { a: full(later), b: full(later) }), healthy);
    expect(map.hasGaps).toBe(false);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: { ...full(STEPS), 30: 0 } }), healthy);
    expect(map.hasGaps).toBe(true);
    map.applyProbe(probe(10, STEPS, { a: full(STEPS), b: full(STEPS) }), healthy);
    expect(map.hasGaps).toBe(false);
  });

  it('an unknown name has no gaps and names lists the replicas in order', () => {
    const map = new CoverageMap(['b', 'a'], 100);
    expect(map.names).toEqual(['b', 'a']);
    expect(map.gapsOf('zz')).toEqual([]);
  });
});

/** Rule 2, written out: for each judged step, short and not made up with either neighbour. */
function expectedHoles(steps: number[], mine: number[], theirs: number[]): Interval[] {
  const out: Interval[] = [];
  const madeUp = (k: number, j: number) => mine[k]! + mine[j]! >= Math.max(mine[k]! + mine[j]!, theirs[k]! + theirs[j]!);
  for (let k = 1; k < steps.length - 1; k++) {
    if (mine[k]! < theirs[k]! && !madeUp(k, k - 1) && !madeUp(k, k + 1)) out.push(i(steps[k]! - 10, steps[k]! + 1));
  }
  return [...normalize(out)];
}

const scenario = fc
  .integer({ min: 0, max: 30 })
  .map((n) => Array.from({ length: n }, (_, k) => 10 * (k + 1)))
  .chain((steps) =>
    fc.record({
      steps: fc.constant(steps),
      max: fc.integer({ min: 1, max: 4 }),
      a: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: steps.length, maxLength: steps.length }),
      b: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: steps.length, maxLength: steps.length }),
    }),
  );
const countsOf = (steps: number[], ns: number[]) => Object.fromEntries(steps.map((t, k) => [t, ns[k]!]));

describe('CoverageMap: max_holes bounds the record', () => {
  it('holes beyond the bound merge across the smallest gaps, covering every hole found', () => {
    const map = new CoverageMap(['a', 'b'], 2);
    const steps = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    // b misses 20, 40, 50 (merged: [30, 51)) and 90: holes [10,21) [30,51) [80,91).
    const found = map.applyProbe(probe(10, steps, { a: full(steps), b: { ...full(steps), 20: 0, 40: 0, 50: 0, 90: 0 } }), healthy);
    expect(found.get('b')).toEqual([i(10, 21), i(30, 51), i(80, 91)]);
    // The gap 21..30 (9 ms) is smaller than 51..80: it closes.
    expect(map.of('b')?.holes).toEqual([i(10, 51), i(80, 91)]);
  });

  it('property: the record never exceeds max_holes and stays normalized; holes lie only on judged steps where the replica is short; the bounded record covers the exact one', () => {
    fc.assert(
      fc.property(scenario, ({ steps, max, a, b }) => {
        const p = probe(10, steps, { a: countsOf(steps, a), b: countsOf(steps, b) });
        const bounded = new CoverageMap(['a', 'b'], max);
        const exact = new CoverageMap(['a', 'b'], 1000);
        bounded.applyProbe(p, healthy);
        const found = exact.applyProbe(p, healthy);
        for (const [name, mine, theirs] of [['a', a, b], ['b', b, a]] as const) {
          const got = exact.of(name)!;
          if (steps.length < 3) {
            expect(found.size).toBe(0);
            expect(got).toMatchObject({ holes: [], probedUntil: undefined, probedFrom: INF });
            continue;
          }
          expect(got.probedUntil).toBe(steps[steps.length - 2]! + 1);
          expect(got.probedFrom).toBe(steps[0]);
          expect(found.get(name) ?? []).toEqual(got.holes);
          expect(isNormalized(got.holes)).toBe(true);
          // Nothing outside the verified interval; inside it, a bucket's middle is a hole only where
          // the replica has fewer samples than the other.
          for (const h of got.holes) {
            expect(h.start).toBeGreaterThanOrEqual(steps[0]!);
            expect(h.end).toBeLessThanOrEqual(steps[steps.length - 2]! + 1);
          }
          steps.forEach((t, k) => {
            if (got.holes.some((h) => h.start <= t - 5 && t - 5 < h.end)) expect(mine[k]!).toBeLessThan(theirs[k]!);
          });
          const holes = bounded.of(name)!.holes;
          expect(holes.length).toBeLessThanOrEqual(max);
          expect(isNormalized(holes)).toBe(true);
          for (const w of got.holes) expect(holes.some((h) => h.start <= w.start && w.end <= h.end)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  // Guards the neighbour lookup: judged[i]'s neighbours are steps[i] and steps[i + 2].
  it('property: the holes are exactly rule 2 (short, and made up with neither neighbour) over the judged steps', () => {
    fc.assert(
      fc.property(scenario, ({ steps, a, b }) => {
        const exact = new CoverageMap(['a', 'b'], 1000);
        exact.applyProbe(probe(10, steps, { a: countsOf(steps, a), b: countsOf(steps, b) }), healthy);
        expect(exact.of('a')!.holes).toEqual(expectedHoles(steps, a, b));
        expect(exact.of('b')!.holes).toEqual(expectedHoles(steps, b, a));
      }),
      { numRuns: 300 },
    );
  });
});
