import fc from 'fast-check';
import type { Interval } from '../../../src/ha/index.js';

/**
 * Intervals with ends in {-Infinity, 0..U, Infinity}. On such ends a set of half-open intervals
 * is fully described by which integers of [-1, U] it holds: -1 stands for (-Infinity, 0) and U
 * for [U, Infinity). That gives an exact model to check the algebra against.
 */
export const U = 40;
const end = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 0, max: U }) }, { weight: 1, arbitrary: fc.constantFrom(-Infinity, Infinity) });

/** Any interval, possibly empty or reversed (what `normalize` must cope with). */
export const rawInterval: fc.Arbitrary<Interval> = fc.tuple(end, end).map(([start, e]) => ({ start, end: e }));
export const rawList = fc.array(rawInterval, { maxLength: 7 });

/** Which model points an interval list holds. */
export function model(list: readonly Interval[]): boolean[] {
  const out: boolean[] = [];
  for (let x = -1; x <= U; x++) out.push(list.some((i) => i.start <= x && x < i.end));
  return out;
}

/** Brute force: how many of the integer ms in [from, to) lie in some interval of `list`. */
export function pointsIn(list: readonly Interval[], from: number, to: number): number {
  let n = 0;
  for (let x = from; x < to; x++) if (list.some((i) => i.start <= x && x < i.end)) n++;
  return n;
}
