/**
 * Which replica answers which steps of a range query, so the stitched answer is exact although
 * every replica may have holes.
 *
 * Prometheus evaluates each step on its own, so a range query cut on the client's own grid into
 * consecutive slices, each sent to a different replica, gives back the very same steps — provided
 * each step goes to a replica that has every sample that step reads (its data window, see
 * data-window.ts). We never move a step off the client's grid: a shifted step is a different
 * answer, not a cheaper one (Trickster aligns steps to its own grid; we do not).
 *
 * Each slice is one upstream request, so we use as few as possible: a step is "covered" by a
 * replica when no hole meets its data window, and at each uncovered point we take the replica
 * whose run of covered steps reaches furthest. This greedy is optimal for covering a line with
 * runs (any plan's k-th slice ends no later than the greedy's k-th), and ties go to the earlier
 * replica in preference order, so a replica with no hole in the window always gets it whole.
 *
 * Work is in grid indices and interval arithmetic: a hole [hs, he) blocks exactly the steps t with
 * hs - after - 1 < t < he + before, one index range per hole, without visiting each step. Only
 * steps no replica covers are visited one by one (to pick the least damaged replica), which is
 * bounded by Prometheus's limit of 11,000 steps after the first.
 */
import { stepWindow, windowOfRange, type DataWindow } from './data-window.js';
import { normalize, overlapLength, overlaps, union, type Interval, type Intervals } from './intervals.js';

/** A query's steps: start, start + step, …, end, all in ms; end - start a multiple of step. */
export interface Grid {
  readonly start: number;
  readonly end: number;
  /** Any positive integer for an instant query (start === end). */
  readonly step: number;
}

export interface ReplicaHoles {
  readonly name: string;
  /** Where the replica has no samples; need not be normalized (the planner normalizes). */
  readonly holes: readonly Interval[];
}

export interface SplitPlanInput {
  readonly grid: Grid;
  readonly window: DataWindow;
  /** In preference order: the first is the one the routing policy would pick. */
  readonly replicas: readonly ReplicaHoles[];
}

/** Steps start..end (both on the grid, inclusive) sent to one replica as one query. */
export interface Slice {
  readonly start: number;
  readonly end: number;
  readonly replica: string;
  /** False when no replica has every sample these steps read: the answer may be short. */
  readonly complete: boolean;
}

export interface SplitPlan {
  /** In time order; together they hold every step of the grid exactly once. */
  readonly slices: readonly Slice[];
}

/** Prometheus refuses a range query with (end - start) / step > 11000. */
export const MAX_GRID_POINTS = 11_001;

/** Steps lo..hi - 1 by index on the grid. */
interface Run {
  readonly lo: number;
  readonly hi: number;
}

interface Replica {
  readonly name: string;
  readonly holes: Intervals;
  /** Steps it covers, sorted and disjoint. */
  readonly covered: readonly Run[];
}

function gridSize(g: Grid): number {
  if (![g.start, g.end, g.step].every(Number.isSafeInteger) || g.step <= 0) {
    throw new RangeError(`grid needs integer ms and a positive step, got ${g.start}..${g.end} by ${g.step}`);
  }
  if (g.end < g.start || (g.end - g.start) % g.step !== 0) throw new RangeError(`grid end ${g.end} is not start ${g.start} + k * ${g.step}`);
  const n = (g.end - g.start) / g.step + 1;
  if (n > MAX_GRID_POINTS) throw new RangeError(`grid has ${n} steps, more than ${MAX_GRID_POINTS}`);
  return n;
}

/**
 * The smallest index i in [0, n] whose step is after x (or at x, when `orAt`). The division only
 * guesses; the loops settle it exactly whatever the rounding, and also for infinite x.
 */
function firstIndex(g: Grid, n: number, x: number, orAt: boolean): number {
  const ok = (i: number): boolean => (orAt ? g.start + i * g.step >= x : g.start + i * g.step > x);
  if (ok(0)) return 0;
  if (!ok(n - 1)) return n;
  let i = Math.min(Math.max(Math.ceil((x - g.start) / g.step), 1), n - 1);
  while (ok(i - 1)) i--;
  while (!ok(i)) i++;
  return i;
}

/** Steps `holes` (normalized) leave exact: none if a pinned read meets a hole. */
function coveredRuns(holes: Intervals, g: Grid, n: number, w: DataWindow): Run[] {
  if (w.pinned.some((p) => overlaps(holes, p))) return [];
  if (w.stepReads === false) return [{ lo: 0, hi: n }];
  const out: Run[] = [];
  let from = 0;
  // Holes are sorted with sorted ends, so the blocked runs come sorted by lo and by hi.
  for (const h of holes) {
    const lo = firstIndex(g, n, h.start - w.afterMs - 1, false);
    const hi = firstIndex(g, n, h.end + w.beforeMs, true);
    if (lo >= hi) continue;
    if (lo > from) out.push({ lo: from, hi: lo });
    from = Math.max(from, hi);
  }
  if (from < n) out.push({ lo: from, hi: n });
  return out;
}

/** How much of `reads` (normalized) falls in `holes`: a measure of how wrong an answer may be. */
function damage(holes: Intervals, reads: Intervals): number {
  let total = 0;
  for (const r of reads) total += overlapLength(holes, r);
  return total;
}

/** The replica with the least damage (ties: preference order). */
function leastDamaged(replicas: readonly Replica[], reads: Intervals): Replica {
  let best = replicas[0]!;
  let bestDamage = damage(best.holes, reads);
  for (const r of replicas.slice(1)) {
    const d = damage(r.holes, reads);
    if (d < bestDamage) {
      best = r;
      bestDamage = d;
    }
  }
  return best;
}

function checkWindow(w: DataWindow): void {
  for (const [name, v] of [['beforeMs', w.beforeMs], ['afterMs', w.afterMs]] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${name} must be finite and non-negative, got ${v}`);
  }
}

/**
 * The plan for `input`: one slice when the preferred replica (or, failing it, any replica) covers
 * every step; otherwise the fewest slices that send each step to a replica covering it. Steps no
 * replica covers go to the replica whose holes meet their reads least and come in slices marked
 * incomplete, never merged with complete ones. A window that may not be split gets one slice.
 */
export function planSlices(input: SplitPlanInput): SplitPlan {
  const { grid: g, window: w } = input;
  const n = gridSize(g);
  checkWindow(w);
  if (input.replicas.length === 0) throw new RangeError('no replicas to plan over');
  const replicas: Replica[] = input.replicas.map((r) => {
    const holes = normalize(r.holes);
    return { name: r.name, holes, covered: coveredRuns(holes, g, n, w) };
  });
  const at = (i: number): number => g.start + i * g.step;
  const slice = (lo: number, hi: number, replica: string, complete: boolean): Slice => ({ start: at(lo), end: at(hi - 1), replica, complete });

  if (!w.splittable) {
    const whole = replicas.find((r) => r.covered.length === 1 && r.covered[0]!.lo === 0 && r.covered[0]!.hi === n);
    if (whole !== undefined) return { slices: [slice(0, n, whole.name, true)] };
    return { slices: [slice(0, n, leastDamaged(replicas, windowOfRange(w, g.start, g.end).all).name, false)] };
  }

  const slices: Slice[] = [];
  // cursor[r]: first run of replica r that may still hold the current index (indices only grow).
  const cursor = replicas.map(() => 0);
  let p = 0;
  while (p < n) {
    let best: Replica | undefined;
    let reach = p;
    let nextCovered = n;
    for (let k = 0; k < replicas.length; k++) {
      const r = replicas[k]!;
      let c = cursor[k]!;
      while (c < r.covered.length && r.covered[c]!.hi <= p) c++;
      cursor[k] = c;
      const run = r.covered[c];
      if (run === undefined) continue;
      if (run.lo > p) nextCovered = Math.min(nextCovered, run.lo);
      else if (run.hi > reach) {
        best = r;
        reach = run.hi;
      }
    }
    if (best !== undefined) {
      slices.push(slice(p, reach, best.name, true));
      p = reach;
      continue;
    }
    // No replica covers p, nor any step before nextCovered: one slice, from the replica whose
    // holes meet the run's reads least (a pick per step could cut a run into thousands of slices
    // when holes alternate, each an upstream request).
    const runReads = union(normalize([{ start: stepWindow(w, at(p)).start, end: stepWindow(w, at(nextCovered - 1)).end }]), w.pinned);
    slices.push(slice(p, nextCovered, leastDamaged(replicas, runReads).name, false));
    p = nextCovered;
  }
  return { slices };
}
