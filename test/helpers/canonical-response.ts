// Prometheus does not order instant-vector results: an aggregation (e.g. the grouping inside
// histogram_quantile, or `sum by` under a subquery) emits series in Go map order, which differs
// between replicas and between two calls to one replica. Range query results are sorted
// (promql.Matrix is sorted before returning). To compare instant answers, sort the series; every
// other byte (values, their formatting, labels) must still match.

interface Series {
  readonly metric?: Record<string, string>;
}

function seriesKey(s: Series): string {
  const m = s.metric ?? {};
  return JSON.stringify(Object.keys(m).sort().map((k) => [k, m[k]]));
}

/** The body re-serialized with vector and matrix results sorted by label set; other bodies unchanged. */
export function canonicalResponse(body: string): string {
  const parsed = JSON.parse(body) as { data?: { resultType?: string; result?: unknown } };
  const data = parsed.data;
  if (data !== undefined && (data.resultType === 'vector' || data.resultType === 'matrix') && Array.isArray(data.result)) {
    const keyed = (data.result as Series[]).map((s) => [seriesKey(s), s] as const);
    keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    data.result = keyed.map(([, s]) => s);
  }
  return JSON.stringify(parsed);
}
