import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareLabelSets, cropMatrix, intersect, mergeMatrices, missingExtents, sortMatrix, splitOnGrid, type Matrix } from '../../../src/timeseries/index.js';
import { BASE_MS, GRID, matrixArb } from './arbitraries.js';

describe('cropMatrix', () => {
  const m: Matrix = [
    { metric: { a: '1' }, values: [[1700000000, '1'], [1700000015, '2'], [1700000030, '3']] },
    { metric: { a: '2' }, values: [[1700000000, '1']], histograms: [[1700000030, { count: '1' }]] },
  ];

  it('keeps samples with start <= t <= end and drops series left empty', () => {
    expect(cropMatrix(m, { start: 1700000015000, end: 1700000030000 })).toEqual([
      { metric: { a: '1' }, values: [[1700000015, '2'], [1700000030, '3']] },
      { metric: { a: '2' }, histograms: [[1700000030, { count: '1' }]] },
    ]);
    expect(cropMatrix(m, { start: 1700000001000, end: 1700000014000 })).toEqual([]);
  });

  it('compares in integer ms, so x.123 seconds at the edge is kept', () => {
    // 1700000000.123 * 1000 is 1700000000123.0002 in binary floating point.
    const edge: Matrix = [{ metric: {}, values: [[1700000000.123, '1']] }];
    expect(cropMatrix(edge, { start: 1700000000123, end: 1700000000123 })).toEqual(edge);
  });

  it('does not modify its input', () => {
    const copy = structuredClone(m);
    cropMatrix(m, { start: 0, end: 1 });
    expect(m).toEqual(copy);
  });
});

describe('mergeMatrices', () => {
  it('merges series by label set, sorts samples and series, collapses duplicates preferring the first part', () => {
    const a: Matrix = [
      { metric: { job: 'b' }, values: [[30, '3'], [45, 'first']] },
      { metric: { job: 'a', __name__: 'up' }, values: [[0, '1']] },
    ];
    const b: Matrix = [
      { metric: { job: 'b' }, values: [[0, '0'], [45, 'second']] },
      { metric: { __name__: 'up', job: 'a' }, values: [[15, '2']] },
    ];
    const merged = mergeMatrices([a, b]);
    expect(merged).toEqual([
      { metric: { __name__: 'up', job: 'a' }, values: [[0, '1'], [15, '2']] },
      { metric: { job: 'b' }, values: [[0, '0'], [30, '3'], [45, 'first']] },
    ]);
    expect(Object.keys(merged[0]!.metric)).toEqual(['__name__', 'job']);
  });

  it('a float and a histogram at one time: the first part wins', () => {
    const a: Matrix = [{ metric: {}, histograms: [[15, { count: '1' }]] }];
    const b: Matrix = [{ metric: {}, values: [[15, '9'], [30, '1']] }];
    expect(mergeMatrices([a, b])).toEqual([{ metric: {}, values: [[30, '1']], histograms: [[15, { count: '1' }]] }]);
  });

  it('drops series with no samples and sorts by labels.Compare', () => {
    fc.assert(
      fc.property(fc.array(matrixArb, { maxLength: 3 }), (parts) => {
        const merged = mergeMatrices(parts);
        for (let i = 1; i < merged.length; i++) expect(compareLabelSets(merged[i - 1]!.metric, merged[i]!.metric)).toBeLessThan(0);
        for (const s of merged) expect((s.values?.length ?? 0) + (s.histograms?.length ?? 0)).toBeGreaterThan(0);
      }),
    );
  });

  it('stitching crops of consecutive windows equals cropping the whole window', () => {
    fc.assert(
      fc.property(
        matrixArb,
        fc.integer({ min: 0, max: GRID.points - 1 }),
        fc.integer({ min: 0, max: GRID.points - 1 }),
        fc.integer({ min: 1, max: 10 }),
        fc.boolean(),
        (m, a, b, maxPoints, reverse) => {
          const first = Math.min(a, b);
          const last = Math.max(a, b);
          const whole = { start: BASE_MS + GRID.phase + first * GRID.step, end: BASE_MS + GRID.phase + last * GRID.step };
          const windows = splitOnGrid(whole, GRID.step, maxPoints);
          const pieces = windows.map((w) => cropMatrix(m, w));
          if (reverse) pieces.reverse();
          expect(mergeMatrices(pieces)).toEqual(sortMatrix(cropMatrix(m, whole)));
        },
      ),
    );
  });

  it('overlapping pieces (a cached extent and a refetch) merge to the whole as well', () => {
    fc.assert(
      fc.property(matrixArb, fc.integer({ min: 0, max: 39 }), fc.integer({ min: 0, max: 39 }), (m, x, y) => {
        const whole = { start: BASE_MS, end: BASE_MS + GRID.points * GRID.step };
        const cut1 = BASE_MS + GRID.phase + Math.min(x, y) * GRID.step;
        const cut2 = BASE_MS + GRID.phase + Math.max(x, y) * GRID.step;
        const pieces = [cropMatrix(m, { start: whole.start, end: cut2 }), cropMatrix(m, { start: cut1, end: whole.end })];
        expect(mergeMatrices(pieces)).toEqual(sortMatrix(cropMatrix(m, whole)));
      }),
    );
  });

  it('a window answered from a cached extent plus fetches of the missing parts equals the window fetched whole', () => {
    const at = (k: number) => BASE_MS + GRID.phase + k * GRID.step;
    fc.assert(
      fc.property(matrixArb, fc.nat(39), fc.nat(39), fc.nat(39), fc.nat(39), (m, c1, c2, w1, w2) => {
        const cached = { start: at(Math.min(c1, c2)), end: at(Math.max(c1, c2)) };
        const want = { start: at(Math.min(w1, w2)), end: at(Math.max(w1, w2)) };
        const fromCache = intersect(cached, want);
        const pieces = [
          ...(fromCache === undefined ? [] : [cropMatrix(m, fromCache)]),
          ...missingExtents([cached], want, GRID.step).map((x) => cropMatrix(m, x)),
        ];
        expect(mergeMatrices(pieces)).toEqual(sortMatrix(cropMatrix(m, want)));
      }),
    );
  });
});
