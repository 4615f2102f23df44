import { canonicalLabels } from './labels.js';
import { groupBySeries, type Matrix, type Series } from './matrix.js';

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
