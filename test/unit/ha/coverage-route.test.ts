import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { coveringSlice, normalize, routeByCoverage, type Candidate, type DataWindow, type Interval } from '../../../src/ha/index.js';

const INF = Infinity;
const i = (start: number, end: number): Interval => ({ start, end });
const c = (name: string, ...gaps: Interval[]): Candidate => ({ name, gaps: normalize(gaps) });

/** Each step reads [t - 10, t + 2]. */
const W: DataWindow = { beforeMs: 10, afterMs: 2, pinned: [], splittable: true };
const GRID = { start: 100, end: 200, step: 10 };
/** Reads of the whole grid: [90, 203). */

describe('routeByCoverage', () => {
  it('any: no candidate has a gap in what the query reads (gaps just outside do not count)', () => {
    expect(routeByCoverage(GRID, W, [c('a', i(0, 90), i(203, 300)), c('b')])).toEqual({ kind: 'any' });
  });

  it('any: no live candidate at all (the usual routing decides what to answer)', () => {
    expect(routeByCoverage(GRID, W, [])).toEqual({ kind: 'any' });
  });

  it('only: the candidates that hold every read, in preference order', () => {
    const route = routeByCoverage(GRID, W, [c('a', i(150, 151)), c('c'), c('b', i(202, 203)), c('d')]);
    expect(route).toEqual({ kind: 'only', replicas: ['c', 'd'] });
  });

  it('only: a gap on the first or last millisecond read counts', () => {
    expect(routeByCoverage(GRID, W, [c('a', i(89, 91)), c('b')])).toEqual({ kind: 'only', replicas: ['b'] });
    expect(routeByCoverage(GRID, W, [c('a'), c('b', i(202, 210))])).toEqual({ kind: 'only', replicas: ['a'] });
  });

  it('split: nobody holds everything, slices on the client grid', () => {
    const route = routeByCoverage(GRID, W, [c('a', i(125, 140)), c('b', i(100, 110), i(180, 190))]);
    expect(route).toEqual({
      kind: 'split',
      slices: [
        { start: 100, end: 120, replica: 'a', complete: true },
        { start: 130, end: 170, replica: 'b', complete: true },
        { start: 180, end: 200, replica: 'a', complete: true },
      ],
    });
  });

  it('split: a window that may not be split goes whole to the least damaged replica, incomplete', () => {
    const route = routeByCoverage(GRID, { ...W, splittable: false }, [c('a', i(120, 160)), c('b', i(150, 160))]);
    expect(route).toEqual({ kind: 'split', slices: [{ start: 100, end: 200, replica: 'b', complete: false }] });
  });

  describe('pinned reads', () => {
    const pinned: DataWindow = { ...W, pinned: [i(0, 11)] };

    it('a gap at the pin, far from the steps, rules a replica out', () => {
      expect(routeByCoverage(GRID, pinned, [c('a', i(5, 6)), c('b')])).toEqual({ kind: 'only', replicas: ['b'] });
    });

    it('a gap between the pin and the steps does not', () => {
      expect(routeByCoverage(GRID, pinned, [c('a', i(11, 90)), c('b')])).toEqual({ kind: 'any' });
    });

    it('a pin nobody holds leaves every step incomplete', () => {
      const route = routeByCoverage(GRID, pinned, [c('a', i(5, 6)), c('b', i(10, 11))]);
      expect(route.kind).toBe('split');
      if (route.kind === 'split') expect(route.slices.every((s) => !s.complete)).toBe(true);
    });
  });

  describe('stepReads false: every selector is pinned', () => {
    const onlyPins: DataWindow = { beforeMs: 0, afterMs: 0, pinned: [i(1000, 1001)], splittable: true, stepReads: false };

    it('gaps over the steps themselves do not matter', () => {
      expect(routeByCoverage(GRID, onlyPins, [c('a', i(100, 201)), c('b', i(-INF, 999))])).toEqual({ kind: 'any' });
    });

    it('only the pins decide', () => {
      expect(routeByCoverage(GRID, onlyPins, [c('a', i(1000, 1001)), c('b', i(100, 201))])).toEqual({ kind: 'only', replicas: ['b'] });
    });

    it('with no replica holding the pins, one incomplete slice (every step reads the same)', () => {
      const route = routeByCoverage(GRID, onlyPins, [c('a', i(1000, 1001)), c('b', i(900, 1100))]);
      expect(route).toEqual({ kind: 'split', slices: [{ start: 100, end: 200, replica: 'a', complete: false }] });
    });
  });
});

describe('coveringSlice', () => {
  it('lists the candidates whose gaps avoid what the slice steps read, in order', () => {
    const candidates = [c('a', i(125, 140)), c('b', i(100, 110), i(180, 190)), c('d')];
    expect(coveringSlice({ start: 100, end: 120 }, W, candidates)).toEqual(['a', 'd']);
    expect(coveringSlice({ start: 130, end: 170 }, W, candidates)).toEqual(['b', 'd']);
    // 120..130 reads [110, 133): b's gap [100, 110) ends where that starts.
    expect(coveringSlice({ start: 120, end: 130 }, W, candidates)).toEqual(['b', 'd']);
    expect(coveringSlice({ start: 100, end: 130 }, W, candidates)).toEqual(['d']);
  });

  it('counts pins and ignores steps when every selector is pinned', () => {
    expect(coveringSlice({ start: 100, end: 120 }, { ...W, pinned: [i(0, 1)] }, [c('a', i(0, 1)), c('b')])).toEqual(['b']);
    const onlyPins: DataWindow = { ...W, pinned: [i(0, 1)], stepReads: false };
    expect(coveringSlice({ start: 100, end: 120 }, onlyPins, [c('a', i(100, 121)), c('b', i(0, 1))])).toEqual(['a']);
  });
});

describe('routeByCoverage properties (against per-millisecond brute force)', () => {
  const end = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: 60 }) }, { weight: 1, arbitrary: fc.constantFrom(-INF, INF) });
  const gaps = fc.array(fc.tuple(end, end).map(([a, b]) => i(a, b)), { maxLength: 3 });
  const names = ['a', 'b', 'c', 'd'];
  const scenario = fc
    .record({
      before: fc.integer({ min: 0, max: 6 }),
      after: fc.integer({ min: 0, max: 3 }),
      start: fc.integer({ min: 5, max: 40 }),
      steps: fc.integer({ min: 0, max: 5 }),
      pins: fc.array(fc.integer({ min: 0, max: 55 }).map((p) => i(p, p + 2)), { maxLength: 2 }),
      stepReads: fc.boolean(),
      count: fc.integer({ min: 1, max: 4 }),
      gaps: fc.array(gaps, { minLength: 4, maxLength: 4 }),
      stepPick: fc.nat(),
      wideStep: fc.integer({ min: 1, max: 20 }),
    })
    .map((s) => {
      // Steps no longer than one step window, so the windows of consecutive steps touch.
      const dense = s.stepPick % (s.before + s.after + 1) + 1;
      return { ...s, dense };
    });

  /** Whether some integer ms read by some step (or a pin) lies in a gap. */
  function readsGap(gapList: readonly Interval[], window: DataWindow, steps: number[]): boolean {
    const points: number[] = [];
    if (window.stepReads !== false) for (const t of steps) for (let x = t - window.beforeMs; x <= t + window.afterMs; x++) points.push(x);
    for (const p of window.pinned) for (let x = p.start; x < p.end; x++) points.push(x);
    return points.some((x) => gapList.some((g) => g.start <= x && x < g.end));
  }

  function build(s: { before: number; after: number; pins: Interval[]; stepReads: boolean; count: number; gaps: Interval[][] }) {
    const window: DataWindow = { beforeMs: s.before, afterMs: s.after, pinned: normalize(s.pins), splittable: true, stepReads: s.stepReads };
    const candidates = s.gaps.slice(0, s.count).map((g, k) => c(names[k]!, ...g));
    return { window, candidates };
  }

  it("a route of kind 'only' lists exactly the replicas whose gaps avoid the reads; 'any' all of them; 'split' none", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { window, candidates } = build(s);
        const grid = { start: s.start, end: s.start + s.steps * s.dense, step: s.dense };
        const steps = Array.from({ length: s.steps + 1 }, (_, k) => s.start + k * s.dense);
        const clear = candidates.filter((x) => !readsGap(x.gaps, window, steps)).map((x) => x.name);
        const route = routeByCoverage(grid, window, candidates);
        if (clear.length === candidates.length) expect(route).toEqual({ kind: 'any' });
        else if (clear.length > 0) expect(route).toEqual({ kind: 'only', replicas: clear });
        else expect(route.kind).toBe('split');
        expect(coveringSlice(grid, window, candidates)).toEqual(clear);
      }),
      { numRuns: 500 },
    );
  });

  it("with steps wider than a step window, every replica 'only' names still holds what each step reads (the safe side)", () => {
    fc.assert(
      fc.property(scenario, (s) => {
        const { window, candidates } = build(s);
        const grid = { start: s.start, end: s.start + s.steps * s.wideStep, step: s.wideStep };
        const steps = Array.from({ length: s.steps + 1 }, (_, k) => s.start + k * s.wideStep);
        const route = routeByCoverage(grid, window, candidates);
        const named = route.kind === 'only' ? route.replicas : route.kind === 'any' ? candidates.map((x) => x.name) : [];
        for (const name of named) expect(readsGap(candidates.find((x) => x.name === name)!.gaps, window, steps)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});
