/** Counting, percentiles and ratios over request records. Pure. */
import type { LatencySummary, RequestRecord, RequestSummary, TimeBucket } from './types.js';

/**
 * Nearest-rank percentile: sorted[ceil(q·n) − 1], rank clamped to [1, n]. Always a value that was
 * observed, never an interpolation, so "p99 < 1 s" means 99% of requests really took under a
 * second. q is a fraction (0.99, not 99). Non-finite values are ignored; `null` when none are left.
 */
export function percentile(values: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile q must be in [0, 1], got ${q}`);
  return rankOf(sortedFinite(values), q);
}

function rankOf(sorted: readonly number[], q: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length))) - 1] ?? null;
}

function sortedFinite(values: readonly number[]): number[] {
  return values.filter(Number.isFinite).sort((a, b) => a - b);
}

export function latencySummary(latencies: readonly number[]): LatencySummary {
  const sorted = sortedFinite(latencies);
  return { p50: rankOf(sorted, 0.5), p90: rankOf(sorted, 0.9), p99: rankOf(sorted, 0.99), max: sorted.at(-1) ?? null };
}

/** Counts, rates over `durationMs` (the run's planned length; 0 gives 0, not Infinity) and latency percentiles. */
export function summarize(records: readonly RequestRecord[], durationMs: number): RequestSummary {
  const statusCounts: Record<string, number> = {};
  let ok = 0;
  for (const r of records) {
    if (r.ok) ok += 1;
    statusCounts[String(r.status)] = (statusCounts[String(r.status)] ?? 0) + 1;
  }
  const perSecond = (n: number): number => (durationMs > 0 ? (n * 1000) / durationMs : 0);
  return {
    requests: records.length,
    ok,
    failures: records.length - ok,
    rps: perSecond(records.length),
    okRps: perSecond(ok),
    latency: latencySummary(records.map((r) => r.latencyMs)),
    statusCounts,
  };
}

/**
 * Consecutive `bucketMs` slices by *start* time, from 0 to `durationMs` (or the last record),
 * empty ones included: a request sent while a replica was frozen shows at the freeze, however
 * late it finished. Records starting before 0 fall in the first bucket.
 */
export function bucketize(records: readonly RequestRecord[], bucketMs: number, durationMs: number): TimeBucket[] {
  if (!(bucketMs > 0)) throw new RangeError(`bucketMs must be positive, got ${bucketMs}`);
  const indexOf = (ms: number): number => Math.max(0, Math.floor(ms / bucketMs));
  let n = Math.ceil(Math.max(0, durationMs) / bucketMs);
  for (const r of records) n = Math.max(n, indexOf(r.startMs) + 1);
  if (n > 100_000) throw new RangeError(`${n} buckets of ${bucketMs} ms: is a duration in the wrong unit?`);
  const slots = Array.from({ length: n }, () => ({ latencies: [] as number[], failures: 0 }));
  for (const r of records) {
    const slot = slots[indexOf(r.startMs)]!;
    slot.latencies.push(r.latencyMs);
    if (!r.ok) slot.failures += 1;
  }
  return slots.map((s, i) => {
    const sorted = sortedFinite(s.latencies);
    return { startMs: i * bucketMs, count: s.latencies.length, failures: s.failures, p50: rankOf(sorted, 0.5), p99: rankOf(sorted, 0.99) };
  });
}

/** The mean of the middle two for an even count; `null` when empty. */
export function median(values: readonly number[]): number | null {
  const sorted = sortedFinite(values);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return null;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** num / den; `null` when either is unknown or den is not positive (no "infinitely faster"). */
export function ratioOf(num: number | null | undefined, den: number | null | undefined): number | null {
  if (num === null || num === undefined || den === null || den === undefined || !(den > 0) || !Number.isFinite(num)) return null;
  return num / den;
}
