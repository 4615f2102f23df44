import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  coarsen,
  contains,
  intersect,
  isNormalized,
  normalize,
  overlapLength,
  overlaps,
  subtract,
  union,
  type Interval,
} from '../../../src/ha/index.js';
import { model, rawInterval, rawList } from './arbitraries.js';

const i = (start: number, end: number): Interval => ({ start, end });
const INF = Infinity;

describe('normalize', () => {
  it.each([
    ['empty list', [], []],
    ['drops empty and reversed', [i(5, 5), i(9, 3)], []],
    ['sorts', [i(20, 30), i(0, 10)], [i(0, 10), i(20, 30)]],
    ['joins touching intervals (half-open)', [i(10, 20), i(0, 10)], [i(0, 20)]],
    ['joins overlaps and swallows inner ones', [i(0, 15), i(10, 20), i(2, 3)], [i(0, 20)]],
    ['keeps a one-ms gap', [i(0, 10), i(11, 20)], [i(0, 10), i(11, 20)]],
    ['open ends', [i(50, INF), i(-INF, 0), i(60, 70)], [i(-INF, 0), i(50, INF)]],
    ['everything', [i(-INF, INF), i(3, 4)], [i(-INF, INF)]],
  ])('%s', (_name, input, want) => {
    expect(normalize(input)).toEqual(want);
  });

  it('rejects NaN ends instead of losing a hole', () => {
    expect(() => normalize([i(NaN, 5)])).toThrow(RangeError);
    expect(() => normalize([i(0, NaN)])).toThrow(RangeError);
  });
});

describe('set operations', () => {
  const a = normalize([i(0, 10), i(20, 30), i(40, INF)]);
  const b = normalize([i(5, 25), i(30, 45)]);

  it('union', () => expect(union(a, b)).toEqual([i(0, INF)]));
  it('intersect', () => expect(intersect(a, b)).toEqual([i(5, 10), i(20, 25), i(40, 45)]));
  it('subtract', () => expect(subtract(a, b)).toEqual([i(0, 5), i(25, 30), i(45, INF)]));
  it('subtract with one cut reaching over several members', () => {
    expect(subtract(normalize([i(0, 2), i(4, 6), i(8, 10)]), [i(1, 9)])).toEqual([i(0, 1), i(9, 10)]);
  });
  it('subtract everything', () => expect(subtract(a, [i(-INF, INF)])).toEqual([]));
  it('intersect with an open-ended hole', () => expect(intersect([i(-INF, INF)], [i(7, INF)])).toEqual([i(7, INF)]));

  it.each([
    ['inside', i(22, 28), true, true],
    ['exactly a member', i(20, 30), true, true],
    ['ends where a member starts', i(15, 20), false, false],
    ['starts where a member ends', i(30, 35), false, false],
    ['one ms into a member', i(29, 35), true, false],
    ['across a gap', i(5, 25), true, false],
    ['into the open end', i(1000, INF), true, true],
    ['empty interval', i(25, 25), false, true],
  ])('overlaps / contains: %s', (_name, x, over, inside) => {
    expect(overlaps(a, x)).toBe(over);
    expect(contains(a, x)).toBe(inside);
  });

  it.each([
    [i(0, 50), 10 + 10 + 10],
    [i(5, 25), 5 + 5],
    [i(10, 20), 0],
    [i(0, INF), INF],
    [i(-INF, 0), 0],
  ])('overlapLength %o', (x, want) => expect(overlapLength(a, x)).toBe(want));
});

describe('coarsen', () => {
  const holes = normalize([i(0, 10), i(12, 20), i(30, 40), i(41, 50), i(100, INF)]);

  it.each([
    [5, holes],
    [4, [i(0, 10), i(12, 20), i(30, 50), i(100, INF)]], // gap 1 closed first
    [3, [i(0, 20), i(30, 50), i(100, INF)]], // then gap 2
    [2, [i(0, 50), i(100, INF)]],
    [1, [i(0, INF)]],
  ])('to %i intervals merges across the smallest gaps', (max, want) => {
    expect(coarsen(holes, max)).toEqual(want);
  });

  it('breaks ties by the earlier gap', () => {
    expect(coarsen([i(0, 1), i(2, 3), i(4, 5)], 2)).toEqual([i(0, 3), i(4, 5)]);
  });

  it('rejects a bound below one', () => {
    expect(() => coarsen(holes, 0)).toThrow(RangeError);
    expect(() => coarsen(holes, 1.5)).toThrow(RangeError);
  });
});

describe('properties against a point model', () => {
  const set = rawList.map(normalize);

  it('normalize keeps exactly the points and yields the one normalized spelling', () => {
    fc.assert(
      fc.property(rawList, (list) => {
        const n = normalize(list);
        expect(isNormalized(n)).toBe(true);
        expect(model(n)).toEqual(model(list));
        expect(normalize([...list].reverse())).toEqual(n);
      }),
    );
  });

  it('union, intersect and subtract are the set operations on points', () => {
    fc.assert(
      fc.property(set, set, (a, b) => {
        const ma = model(a);
        const mb = model(b);
        for (const [got, want] of [
          [union(a, b), ma.map((x, k) => x || mb[k]!)],
          [intersect(a, b), ma.map((x, k) => x && mb[k]!)],
          [subtract(a, b), ma.map((x, k) => x && !mb[k]!)],
        ] as const) {
          expect(isNormalized(got)).toBe(true);
          expect(model(got)).toEqual(want);
        }
      }),
    );
  });

  it('overlaps, contains and overlapLength agree with the points', () => {
    fc.assert(
      fc.property(set, rawInterval, (s, x) => {
        const inX = model([x]);
        const ms = model(s);
        const shared = inX.filter((v, k) => v && ms[k]!).length;
        expect(overlaps(s, x)).toBe(shared > 0);
        expect(contains(s, x)).toBe(inX.every((v, k) => !v || ms[k]!));
        // Finite intervals: the length is the number of shared integer points.
        if (Number.isFinite(x.start) && Number.isFinite(x.end)) expect(overlapLength(s, x)).toBe(shared);
      }),
    );
  });

  it('coarsen covers every point, stays within the bound and keeps the outer ends', () => {
    fc.assert(
      fc.property(set, fc.integer({ min: 1, max: 8 }), (s, max) => {
        const c = coarsen(s, max);
        expect(isNormalized(c)).toBe(true);
        expect(c.length).toBe(Math.min(s.length, max));
        expect(subtract(s, c)).toEqual([]);
        expect(c[0]?.start).toBe(s[0]?.start);
        expect(c[c.length - 1]?.end).toBe(s[s.length - 1]?.end);
        // Every gap it kept is at least as wide as every gap it closed.
        const kept = new Set(c.slice(1).map((x) => x.start));
        const gaps = s.slice(1).map((x, k) => ({ size: x.start - s[k]!.end, kept: kept.has(x.start) }));
        const minKept = Math.min(...gaps.filter((g) => g.kept).map((g) => g.size));
        for (const g of gaps.filter((g) => !g.kept)) expect(g.size).toBeLessThanOrEqual(minKept);
      }),
    );
  });
});
