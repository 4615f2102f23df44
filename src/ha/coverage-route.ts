import { windowOfRange, type DataWindow } from './data-window.js';
import { overlaps, type Intervals } from './intervals.js';
import { planSlices, type Grid, type Slice } from './split-plan.js';

export interface Candidate {
  readonly name: string;
  /** Time this replica is not trusted for (holes and suspect time). */
  readonly gaps: Intervals;
}

/**
 * How to route one query over replicas that may have holes:
 * - any: no live replica has a gap in what the query reads: route as usual;
 * - only: these replicas (in preference order) hold everything it reads: route among them;
 * - split: no replica holds everything: slices of the client's grid, each to a replica that holds
 *   what its steps read (or, where none does, to the least damaged one, marked incomplete).
 */
export type CoverageRoute =
  | { readonly kind: 'any' }
  | { readonly kind: 'only'; readonly replicas: readonly string[] }
  | { readonly kind: 'split'; readonly slices: readonly Slice[] };

/** Upstream requests one answer may be cut into. */
export const MAX_SLICES = 32;

/** Pure: `candidates` are the live replicas in preference order. */
export function routeByCoverage(grid: Grid, window: DataWindow, candidates: readonly Candidate[]): CoverageRoute {
  const reads = windowOfRange(window, grid.start, grid.end).all;
  const clear = candidates.filter((c) => !reads.some((r) => overlaps(c.gaps, r)));
  if (clear.length === candidates.length) return { kind: 'any' };
  if (clear.length > 0) return { kind: 'only', replicas: clear.map((c) => c.name) };
  if (candidates.length === 0) return { kind: 'any' };
  const replicas = candidates.map((c) => ({ name: c.name, holes: c.gaps }));
  const slices = planSlices({ grid, window, replicas }).slices;
  if (slices.length <= MAX_SLICES) return { kind: 'split', slices };
  // Holes so fragmented that exactness would take a request per fragment: one replica, the least
  // damaged over the whole window, with a warning.
  return { kind: 'split', slices: planSlices({ grid, window: { ...window, splittable: false }, replicas }).slices };
}

/** The candidates that hold everything `slice`'s steps read: who may serve it (failover included). */
export function coveringSlice(slice: Pick<Slice, 'start' | 'end'>, window: DataWindow, candidates: readonly Candidate[]): string[] {
  const reads = windowOfRange(window, slice.start, slice.end).all;
  return candidates.filter((c) => !reads.some((r) => overlaps(c.gaps, r))).map((c) => c.name);
}
