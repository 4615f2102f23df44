/**
 * Extent algebra on a step grid, after Trickster's `timeseries` package (CalculateDeltas, Crop):
 * an extent is an inclusive range of milliseconds whose ends lie on a grid `phase + k * step`.
 *
 * Prometheus evaluates a range query at `start, start + step, …, <= end`, each point on its own
 * (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries), so a window is a set
 * of grid points and every operation here is defined per grid point.
 */

/** Inclusive range of epoch milliseconds; both ends on the grid of the query it belongs to. */
export interface Extent {
  start: number;
  end: number;
}

function assertStep(stepMs: number): void {
  if (!Number.isSafeInteger(stepMs) || stepMs <= 0) throw new RangeError(`step must be a positive integer of ms, got ${stepMs}`);
}

/** `t mod step` in [0, step), also for negative t (times before 1970). */
export function gridPhase(t: number, stepMs: number): number {
  return ((t % stepMs) + stepMs) % stepMs;
}

/** Largest grid point <= t on the grid through `anchor`. */
export function floorToGrid(t: number, anchor: number, stepMs: number): number {
  return t - gridPhase(t - anchor, stepMs);
}

/** Smallest grid point >= t on the grid through `anchor`. */
export function ceilToGrid(t: number, anchor: number, stepMs: number): number {
  const r = gridPhase(t - anchor, stepMs);
  return r === 0 ? t : t + (stepMs - r);
}

/**
 * The extent Prometheus evaluates for `start`, `end`, `step`: from start up to the last grid point
 * <= end. Undefined when end < start (Prometheus rejects that request).
 */
export function alignToGrid(startMs: number, endMs: number, stepMs: number): Extent | undefined {
  assertStep(stepMs);
  if (endMs < startMs) return undefined;
  return { start: startMs, end: floorToGrid(endMs, startMs, stepMs) };
}

/** Number of grid points of `extent` (on the grid through extent.start); 0 when empty. */
export function alignedSteps(extent: Extent, stepMs: number): number {
  assertStep(stepMs);
  if (extent.end < extent.start) return 0;
  return Math.floor((extent.end - extent.start) / stepMs) + 1;
}

/** Every grid point of `extent`, for tests and small windows. */
export function gridPoints(extent: Extent, stepMs: number): number[] {
  const n = alignedSteps(extent, stepMs);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = extent.start + i * stepMs;
  return out;
}

/** Overlap of two extents, or undefined. Both are expected on one grid. */
export function intersect(a: Extent, b: Extent): Extent | undefined {
  const start = Math.max(a.start, b.start);
  const end = Math.min(a.end, b.end);
  return start <= end ? { start, end } : undefined;
}

/**
 * Grid points of `a` (on the grid through a.start) that do not fall inside [b.start, b.end]:
 * zero, one or two extents.
 */
export function subtract(a: Extent, b: Extent, stepMs: number): Extent[] {
  assertStep(stepMs);
  if (a.end < a.start) return [];
  if (b.end < b.start || b.end < a.start || b.start > a.end) return [{ ...a }];
  const out: Extent[] = [];
  const leftEnd = floorToGrid(b.start - 1, a.start, stepMs);
  if (leftEnd >= a.start) out.push({ start: a.start, end: Math.min(leftEnd, a.end) });
  const rightStart = ceilToGrid(b.end + 1, a.start, stepMs);
  const lastA = floorToGrid(a.end, a.start, stepMs);
  if (rightStart <= lastA) out.push({ start: rightStart, end: lastA });
  return out;
}

/**
 * Union of extents on one grid, sorted; extents that overlap or whose gap is exactly one step
 * join, so [0,10] and [20,30] at step 10 become [0,30].
 */
export function mergeExtents(extents: readonly Extent[], stepMs: number): Extent[] {
  assertStep(stepMs);
  const sorted = extents.filter((e) => e.start <= e.end).sort((x, y) => x.start - y.start || x.end - y.end);
  const out: Extent[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && e.start <= last.end + stepMs) {
      if (e.end > last.end) last.end = e.end;
    } else {
      out.push({ start: e.start, end: e.end });
    }
  }
  return out;
}

/**
 * Sub-ranges of `want` (on want's grid) that no cached extent covers, in time order.
 * Coverage is per grid point: a cached extent covers a point of want only if the point lies in it
 * and on its grid, so an extent cached for another phase covers nothing.
 */
export function missingExtents(cached: readonly Extent[], want: Extent, stepMs: number): Extent[] {
  assertStep(stepMs);
  if (want.end < want.start) return [];
  const wantEnd = floorToGrid(want.end, want.start, stepMs);
  const phase = gridPhase(want.start, stepMs);
  const covered: Extent[] = [];
  for (const c of cached) {
    if (c.end < c.start || gridPhase(c.start, stepMs) !== phase) continue;
    const start = Math.max(c.start, want.start);
    const end = Math.min(floorToGrid(c.end, want.start, stepMs), wantEnd);
    if (start <= end) covered.push({ start, end });
  }
  let rest: Extent[] = [{ start: want.start, end: wantEnd }];
  for (const c of mergeExtents(covered, stepMs)) {
    rest = rest.flatMap((r) => subtract(r, c, stepMs));
  }
  return rest;
}
