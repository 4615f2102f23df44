import type { Extent } from './extent.js';
import { canonicalLabels, comparePairs, labelPairs } from './labels.js';
import { type HistogramSample, type Matrix, type Sample, sampleMs, type Series } from './matrix.js';

/**
 * The answer path's merge: `parts` cover consecutive, disjoint time ranges in ascending order
 * (cached extents, then fetched ones), so a series' samples are its parts' samples end to end,
 * with no sort and no duplicate check. Output sorted by labels.Compare like mergeMatrices, whose
 * result it equals under that precondition.
 */
export function concatInTimeOrder(parts: readonly Matrix[]): Matrix {
  const bySeries = new Map<string, { pairs: Array<readonly [string, string]>; metric: Series['metric']; values: Sample[][]; histograms: HistogramSample[][] }>();
  for (const part of parts) {
    for (const s of part) {
      const pairs = labelPairs(s.metric);
      const key = JSON.stringify(pairs);
      let acc = bySeries.get(key);
      if (acc === undefined) {
        acc = { pairs, metric: s.metric, values: [], histograms: [] };
        bySeries.set(key, acc);
      }
      if (s.values?.length) acc.values.push(s.values);
      if (s.histograms?.length) acc.histograms.push(s.histograms);
    }
  }
  const out: Matrix = [];
  for (const acc of [...bySeries.values()].sort((a, b) => comparePairs(a.pairs, b.pairs))) {
    if (acc.values.length === 0 && acc.histograms.length === 0) continue;
    const series: Series = { metric: canonicalLabels(acc.metric) };
    if (acc.values.length > 0) series.values = acc.values.length === 1 ? acc.values[0]! : acc.values.flat();
    if (acc.histograms.length > 0) series.histograms = acc.histograms.length === 1 ? acc.histograms[0]! : acc.histograms.flat();
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
