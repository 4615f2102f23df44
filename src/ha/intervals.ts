/**
 * Sets of half-open millisecond intervals [start, end): the holes a replica has (where it holds
 * no samples) and the data a query reads. A replica answers an evaluation exactly when no hole
 * meets what the evaluation reads, so everything here is exact set algebra, with no grid.
 *
 * Half-open so that touching intervals neither overlap nor leave a gap: [0, 10) ∪ [10, 20) is
 * [0, 20), and a hole [a, b) does not meet a read that starts at b. Ends may be ±Infinity: a
 * replica down since t and not back yet has the hole [t, Infinity).
 *
 * A set (`Intervals`) is kept normalized: sorted, each interval non-empty, disjoint from and not
 * adjacent to the next (end < next start). Then a set has one spelling, equal sets compare equal
 * with toEqual, and lookups can binary-search. Every function here takes normalized sets and
 * returns one; `normalize` makes one from any list.
 */

export interface Interval {
  readonly start: number;
  readonly end: number;
}

/** A normalized set of intervals: sorted, non-empty, disjoint, non-adjacent. */
export type Intervals = readonly Interval[];

const isEmpty = (x: Interval): boolean => !(x.start < x.end);

/** True when `list` is already normalized (the invariant every function here relies on). */
export function isNormalized(list: readonly Interval[]): boolean {
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!;
    if (isEmpty(x)) return false;
    const next = list[i + 1];
    if (next !== undefined && !(x.end < next.start)) return false;
  }
  return true;
}

/**
 * The normalized set of the points of `list`: empty intervals dropped, the rest sorted and those
 * that overlap or touch merged. Throws RangeError on a NaN end, which would otherwise compare
 * false everywhere and silently vanish (a lost hole means a wrong "exact" answer).
 */
export function normalize(list: readonly Interval[]): Intervals {
  for (const x of list) {
    if (Number.isNaN(x.start) || Number.isNaN(x.end)) throw new RangeError(`interval end is NaN: [${x.start}, ${x.end})`);
  }
  const sorted = list.filter((x) => !isEmpty(x)).sort((a, b) => a.start - b.start || a.end - b.end);
  return mergeSorted(sorted);
}

/** Folds intervals sorted by start into a normalized set. */
function mergeSorted(sorted: readonly Interval[]): Intervals {
  const out: Interval[] = [];
  let cur: { start: number; end: number } | undefined;
  for (const x of sorted) {
    if (cur !== undefined && x.start <= cur.end) {
      if (x.end > cur.end) cur.end = x.end;
      continue;
    }
    if (cur !== undefined) out.push(cur);
    cur = { start: x.start, end: x.end };
  }
  if (cur !== undefined) out.push(cur);
  return out;
}

/** Points in a or b. Linear in the sizes. */
export function union(a: Intervals, b: Intervals): Intervals {
  const merged: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i];
    const y = b[j];
    if (y === undefined || (x !== undefined && x.start <= y.start)) {
      merged.push(x!);
      i++;
    } else {
      merged.push(y);
      j++;
    }
  }
  return mergeSorted(merged);
}

/** Points in both a and b. Linear in the sizes. */
export function intersect(a: Intervals, b: Intervals): Intervals {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    const start = Math.max(x.start, y.start);
    const end = Math.min(x.end, y.end);
    if (start < end) out.push({ start, end });
    // The one that ends first can meet nothing further in the other set.
    if (x.end <= y.end) i++;
    else j++;
  }
  return out;
}

/** Points in a and not in b. Linear in the sizes. */
export function subtract(a: Intervals, b: Intervals): Intervals {
  const out: Interval[] = [];
  let j = 0;
  for (const x of a) {
    let start = x.start;
    while (j < b.length && b[j]!.end <= start) j++;
    // A member of b may reach over several members of a, so j only skips what ends before x.
    for (let k = j; k < b.length && b[k]!.start < x.end; k++) {
      const cut = b[k]!;
      if (cut.start > start) out.push({ start, end: cut.start });
      if (cut.end > start) start = cut.end;
    }
    if (start < x.end) out.push({ start, end: x.end });
  }
  return out;
}

/** Index of the first member of `set` that ends after t (set.length if none). */
function firstEndingAfter(set: Intervals, t: number): number {
  let lo = 0;
  let hi = set.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (set[mid]!.end > t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Whether some point of `interval` lies in `set`. An empty interval overlaps nothing. */
export function overlaps(set: Intervals, interval: Interval): boolean {
  if (isEmpty(interval)) return false;
  const m = set[firstEndingAfter(set, interval.start)];
  return m !== undefined && m.start < interval.end;
}

/**
 * Whether every point of `interval` lies in `set`. As members are not adjacent, that means inside
 * one member. An empty interval is contained in any set.
 */
export function contains(set: Intervals, interval: Interval): boolean {
  if (isEmpty(interval)) return true;
  const m = set[firstEndingAfter(set, interval.start)];
  return m !== undefined && m.start <= interval.start && m.end >= interval.end;
}

/** Length of the part of `interval` inside `set` (Infinity only if both reach an infinite end). */
export function overlapLength(set: Intervals, interval: Interval): number {
  if (isEmpty(interval)) return 0;
  let total = 0;
  for (let i = firstEndingAfter(set, interval.start); i < set.length; i++) {
    const m = set[i]!;
    if (m.start >= interval.end) break;
    total += Math.min(m.end, interval.end) - Math.max(m.start, interval.start);
  }
  return total;
}

/**
 * At most `maxCount` intervals covering every point of `set`: the neighbours separated by the
 * smallest gaps are merged (ties: the earlier gap first), so the fewest points are added. This
 * bounds the memory of a long-lived hole record. For a set of HOLES, merging only makes holes
 * larger, so a replica is believed to cover less than it does — we may split more or mark a step
 * incomplete, but never answer from a replica that lacks data. Never use it on a set of COVERED
 * time, where the same merge would claim data that is not there.
 */
export function coarsen(set: Intervals, maxCount: number): Intervals {
  if (!Number.isSafeInteger(maxCount) || maxCount < 1) throw new RangeError(`maxCount must be a positive integer, got ${maxCount}`);
  if (set.length <= maxCount) return set;
  // Gap g lies between set[g] and set[g + 1]; both ends are finite (only the first start and the
  // last end may be infinite), so the sizes compare properly.
  const gaps = Array.from({ length: set.length - 1 }, (_, g) => g);
  gaps.sort((g, h) => set[g + 1]!.start - set[g]!.end - (set[h + 1]!.start - set[h]!.end) || g - h);
  const closed = new Set(gaps.slice(0, set.length - maxCount));
  const out: Interval[] = [];
  let start = set[0]!.start;
  for (let i = 0; i < set.length; i++) {
    if (closed.has(i)) continue;
    out.push({ start, end: set[i]!.end });
    const next = set[i + 1];
    if (next !== undefined) start = next.start;
  }
  return out;
}
