import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gridPoints, splitOnGrid } from '../../../src/timeseries/index.js';

describe('splitOnGrid', () => {
  it.each([
    [{ start: 0, end: 100 }, 10, 5, [{ start: 0, end: 40 }, { start: 50, end: 90 }, { start: 100, end: 100 }]],
    [{ start: 0, end: 100 }, 10, 11, [{ start: 0, end: 100 }]],
    [{ start: 0, end: 105 }, 10, 100, [{ start: 0, end: 100 }]],
    [{ start: 7, end: 7 }, 10, 1, [{ start: 7, end: 7 }]],
    [{ start: 10, end: 0 }, 10, 3, []],
  ])('%o step %i max %i', (extent, step, max, want) => expect(splitOnGrid(extent, step, max)).toEqual(want));

  it('rejects a part size below one point', () => {
    expect(() => splitOnGrid({ start: 0, end: 10 }, 1, 0)).toThrow(RangeError);
  });

  it('parts are consecutive on the grid: no overlap, no gap, none too big', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3_600_000 }),
        fc.integer({ min: -1e9, max: 1e9 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1, max: 50 }),
        (step, start, n, max) => {
          const extent = { start, end: start + n * step };
          const parts = splitOnGrid(extent, step, max);
          expect(parts.flatMap((p) => gridPoints(p, step))).toEqual(gridPoints(extent, step));
          for (const p of parts) expect(gridPoints(p, step).length).toBeLessThanOrEqual(max);
          for (let i = 1; i < parts.length; i++) expect(parts[i]!.start).toBe(parts[i - 1]!.end + step);
        },
      ),
    );
  });
});
