import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  alignToGrid,
  alignedSteps,
  gridPoints,
  intersect,
  mergeExtents,
  missingExtents,
  subtract,
  type Extent,
} from '../../../src/timeseries/index.js';

const e = (start: number, end: number): Extent => ({ start, end });

describe('alignToGrid / alignedSteps', () => {
  it.each([
    [0, 100, 10, e(0, 100), 11],
    [0, 105, 10, e(0, 100), 11],
    [5, 5, 10, e(5, 5), 1],
    [-15, 10, 10, e(-15, 5), 3],
  ])('start %i end %i step %i', (start, end, step, want, steps) => {
    const ext = alignToGrid(start, end, step);
    expect(ext).toEqual(want);
    expect(alignedSteps(ext!, step)).toBe(steps);
  });

  it('rejects end before start and bad steps', () => {
    expect(alignToGrid(10, 0, 5)).toBeUndefined();
    expect(alignedSteps(e(10, 0), 5)).toBe(0);
    expect(() => alignedSteps(e(0, 10), 0)).toThrow(RangeError);
    expect(() => alignedSteps(e(0, 10), 1.5)).toThrow(RangeError);
  });
});

describe('intersect / subtract / mergeExtents', () => {
  it.each([
    [e(0, 100), e(50, 200), e(50, 100)],
    [e(0, 100), e(100, 200), e(100, 100)],
    [e(0, 100), e(110, 200), undefined],
  ])('intersect %o %o', (a, b, want) => expect(intersect(a, b)).toEqual(want));

  it.each([
    [e(0, 100), e(30, 60), [e(0, 20), e(70, 100)]],
    [e(0, 100), e(0, 100), []],
    [e(0, 100), e(-50, 40), [e(50, 100)]],
    [e(0, 100), e(200, 300), [e(0, 100)]],
    [e(0, 100), e(35, 55), [e(0, 30), e(60, 100)]], // off-grid b removes the points inside it
  ])('subtract %o - %o', (a, b, want) => expect(subtract(a, b, 10)).toEqual(want));

  it.each([
    [[e(20, 30), e(0, 10)], [e(0, 30)]], // gap of exactly one step joins
    [[e(0, 10), e(30, 40)], [e(0, 10), e(30, 40)]],
    [[e(0, 50), e(10, 20)], [e(0, 50)]],
    [[e(0, 10), e(5, 30), e(40, 40)], [e(0, 40)]],
    [[], []],
  ])('mergeExtents %o', (input, want) => expect(mergeExtents(input, 10)).toEqual(want));
});

describe('missingExtents', () => {
  it.each([
    ['nothing cached', [], e(0, 100), [e(0, 100)]],
    ['all cached', [e(0, 100)], e(0, 100), []],
    ['head cached', [e(-50, 40)], e(0, 100), [e(50, 100)]],
    ['tail cached', [e(60, 200)], e(0, 100), [e(0, 50)]],
    ['hole in middle', [e(0, 30), e(70, 100)], e(0, 100), [e(40, 60)]],
    ['two holes', [e(20, 30), e(60, 70)], e(0, 100), [e(0, 10), e(40, 50), e(80, 100)]],
    ['other phase covers nothing', [e(5, 95)], e(0, 100), [e(0, 100)]],
    ['want end off grid', [e(0, 50)], e(0, 105), [e(60, 100)]],
    ['cached end off grid', [e(0, 55)], e(0, 100), [e(60, 100)]],
    ['empty want', [e(0, 100)], e(10, 0), []],
  ])('%s', (_name, cached, want, missing) => {
    expect(missingExtents(cached, want, 10)).toEqual(missing);
  });

  const stepArb = fc.integer({ min: 1, max: 60_000 });
  const caseArb = stepArb.chain((step) =>
    fc.record({
      step: fc.constant(step),
      phase: fc.integer({ min: 0, max: step - 1 }),
      wantStart: fc.integer({ min: -50, max: 50 }),
      wantLen: fc.integer({ min: 0, max: 60 }),
      cached: fc.array(
        fc.record({ s: fc.integer({ min: -70, max: 120 }), len: fc.integer({ min: 0, max: 40 }), shift: fc.integer({ min: 0, max: step - 1 }) }),
        { maxLength: 6 },
      ),
    }),
  );

  it('cached ∪ missing covers every grid point of want exactly once; missing is disjoint from cache', () => {
    fc.assert(
      fc.property(caseArb, ({ step, phase, wantStart, wantLen, cached }) => {
        const want = e(phase + wantStart * step, phase + (wantStart + wantLen) * step);
        // Some cached extents are on want's grid, some shifted off it (other phases).
        const cachedExtents = cached.map((c) => e(phase + c.s * step + c.shift, phase + (c.s + c.len) * step + c.shift));
        const missing = missingExtents(cachedExtents, want, step);
        const onGridCovered = (t: number) =>
          cachedExtents.some((c) => c.start <= t && t <= c.end && (((t - c.start) % step) + step) % step === 0);
        const missingPoints = missing.flatMap((m) => gridPoints(m, step));
        expect(new Set(missingPoints).size).toBe(missingPoints.length);
        for (const t of gridPoints(want, step)) {
          const inMissing = missingPoints.includes(t);
          expect(inMissing).toBe(!onGridCovered(t));
        }
        for (const m of missing) {
          expect(((m.start - want.start) % step) === 0 && ((m.end - want.start) % step) === 0).toBe(true);
          expect(m.start >= want.start && m.end <= want.end).toBe(true);
        }
        // In time order, separated by at least one covered point.
        for (let i = 1; i < missing.length; i++) expect(missing[i]!.start).toBeGreaterThan(missing[i - 1]!.end + step);
      }),
    );
  });

  it('mergeExtents keeps exactly the grid points of its inputs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.array(fc.tuple(fc.integer({ min: -30, max: 30 }), fc.integer({ min: 0, max: 10 })), { maxLength: 8 }),
        (step, raw) => {
          const input = raw.map(([s, len]) => e(s * step, (s + len) * step));
          const merged = mergeExtents(input, step);
          const pts = (xs: Extent[]) => [...new Set(xs.flatMap((x) => gridPoints(x, step)))].sort((a, b) => a - b);
          expect(pts(merged)).toEqual(pts(input));
          for (let i = 1; i < merged.length; i++) expect(merged[i]!.start).toBeGreaterThan(merged[i - 1]!.end + step);
        },
      ),
    );
  });
});
