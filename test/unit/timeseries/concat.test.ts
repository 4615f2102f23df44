import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatInTimeOrder, cropMatrix, type Matrix, mergeMatrices } from '../../../src/timeseries/index.js';

// Series over a shared grid: each (series, t) present or not, values arbitrary strings.
const gridMatrix = fc
  .record({
    names: fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'ü', 'Z', '\u{1F600}'), { minLength: 1, maxLength: 4 }),
    points: fc.integer({ min: 1, max: 40 }),
    seed: fc.array(fc.boolean(), { minLength: 200, maxLength: 200 }),
  })
  .map(({ names, points, seed }) => {
    const m: Matrix = [];
    names.forEach((n, i) => {
      const values: Array<[number, string]> = [];
      for (let k = 0; k < points; k++) if (seed[(i * 37 + k) % 200]) values.push([1_700_000_000 + k * 15, `${i}.${k}`]);
      if (values.length) m.push({ metric: { __name__: 'm', l: n }, values });
    });
    return { m: mergeMatrices([m]), points };
  });

describe('concatInTimeOrder', () => {
  it('concatenating consecutive crops equals the whole, and equals mergeMatrices', () => {
    fc.assert(
      fc.property(gridMatrix, fc.uniqueArray(fc.integer({ min: 1, max: 39 }), { maxLength: 5 }), ({ m, points }, cutsRaw) => {
        const cuts = [0, ...cutsRaw.filter((c) => c < points).sort((x, y) => x - y), points];
        const pieces = cuts.slice(1).map((c, i) => cropMatrix(m, { start: (1_700_000_000 + cuts[i]! * 15) * 1000, end: (1_700_000_000 + c * 15) * 1000 - 1 }));
        expect(concatInTimeOrder(pieces)).toEqual(m);
        expect(concatInTimeOrder(pieces)).toEqual(mergeMatrices(pieces));
      }),
    );
  });
});
