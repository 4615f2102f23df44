import type { Extent } from './extent.js';
import { canonicalLabels } from './labels.js';
import { groupBySeries, type Matrix, sampleMs, type Series } from './matrix.js';

/**
 * The answer path's merge: `parts` cover consecutive, disjoint time ranges in ascending order
 * (cached extents, then fetched ones), so a series' samples are its parts' samples end to end,
 * with no sort and no duplicate check. Output sorted by labels.Compare like mergeMatrices, whose
 * result it equals under that precondition.
 */
export function concatInTimeOrder(parts: readonly Matrix[]): Matrix {
  const out: Matrix = [];
  for (const group of groupBySeries(parts)) {
    const values = group.members.flatMap((s) => (s.values?.length ? [s.values] : []));
    const histograms = group.members.flatMap((s) => (s.histograms?.length ? [s.histograms] : []));
    if (values.length === 0 && histograms.length === 0) continue;
    const series: Series = { metric: canonicalLabels(group.metric) };
    if (values.length > 0) series.values = values.length === 1 ? values[0]! : values.flat();
    if (histograms.length > 0) series.histograms = histograms.length === 1 ? histograms[0]! : histograms.flat();
    out.push(series);
  }
  return out;
}

/** cropMatrix for series whose samples are in ascending time order (as Prometheus writes them): binary search and slice. */
export function cropSortedMatrix(m: Matrix, extent: Extent): Matrix {
  const out: Matrix = [];
  for (const s of m) {
    const values = sliceByTime(s.values, extent);
    const histograms = sliceByTime(s.histograms, extent);
    if (values.length === 0 && histograms.length === 0) continue;
    const series: Series = { metric: s.metric };
    if (values.length > 0) series.values = values;
    if (histograms.length > 0) series.histograms = histograms;
    out.push(series);
  }
  return out;
}

function sliceByTime<T extends [number, unknown]>(samples: readonly T[] | undefined, extent: Extent): T[] {
  if (samples === undefined || samples.length === 0) return [];
  const lo = lowerBound(samples, extent.start);
  const hi = lowerBound(samples, extent.end + 1);
  return lo === 0 && hi === samples.length ? (samples as T[]) : samples.slice(lo, hi);
}

/** First index whose sample time (ms) is >= ms. */
function lowerBound(samples: readonly [number, unknown][], ms: number): number {
  let lo = 0;
  let hi = samples.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sampleMs(samples[mid]![0]) < ms) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
