import type { LatencySummary, RequestRecord, RequestSummary, ScenarioRun, TargetName, TimeBucket } from './types.js';

export { LatencyRecorder, type LatencyRecorderOptions } from './latency-recorder.js';

/**
 * Nearest-rank percentile: the smallest value such that at least q of the values are at or
 * below it, i.e. sorted[ceil(q·n) − 1] (rank clamped to [1, n]). It always returns a value that
 * was actually observed, never an interpolation, so "p99 < 1 s" means 99% of requests really
 * took under a second. q is a fraction in [0, 1] (0.99, not 99); q = 0 gives the minimum.
 *
 * Accepts sorted or unsorted input (it sorts a copy only if needed). Non-finite values are
 * ignored. Returns `null` when there is nothing to rank.
 */
export function percentile(values: readonly number[], q: number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`percentile q must be in [0, 1], got ${q}`);
  const sorted = sortedFinite(values);
  return rankOf(sorted, q);
}

function rankOf(sorted: readonly number[], q: number): number | null {
  const n = sorted.length;
  if (n === 0) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil(q * n)));
  return sorted[rank - 1] ?? null;
}

function sortedFinite(values: readonly number[]): number[] {
  let finite = true;
  let ascending = true;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) finite = false;
    if (i > 0 && v < values[i - 1]!) ascending = false;
  }
  const out = finite ? values.slice() : values.filter(Number.isFinite);
  return ascending && finite ? out : out.sort((a, b) => a - b);
}

/** Latency percentiles of a list of latencies (ms). */
export function latencySummary(latencies: readonly number[]): LatencySummary {
  const sorted = sortedFinite(latencies);
  const n = sorted.length;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    p50: rankOf(sorted, 0.5),
    p90: rankOf(sorted, 0.9),
    p99: rankOf(sorted, 0.99),
    max: n === 0 ? null : sorted[n - 1]!,
    min: n === 0 ? null : sorted[0]!,
    mean: n === 0 ? null : sum / n,
  };
}

/**
 * Counts, rates and latency percentiles of a set of records. Rates are over `durationMs`, the
 * scenario's planned length; without it, over the observed span (first start to last
 * completion). A zero duration gives zero rates rather than Infinity.
 */
export function summarize(records: readonly RequestRecord[], durationMs?: number): RequestSummary {
  let ok = 0;
  const statusCounts: Record<string, number> = {};
  const latencies: number[] = new Array<number>(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!;
    if (r.ok) ok += 1;
    const key = String(r.status);
    statusCounts[key] = (statusCounts[key] ?? 0) + 1;
    latencies[i] = r.latencyMs;
  }
  const requests = records.length;
  const duration = durationMs ?? observedSpanMs(records);
  const perSecond = (n: number): number => (duration > 0 && Number.isFinite(duration) ? (n * 1000) / duration : 0);
  return {
    requests,
    ok,
    failures: requests - ok,
    durationMs: Number.isFinite(duration) ? duration : 0,
    rps: perSecond(requests),
    okRps: perSecond(ok),
    errorRate: requests === 0 ? 0 : (requests - ok) / requests,
    latency: latencySummary(latencies),
    statusCounts,
  };
}

function observedSpanMs(records: readonly RequestRecord[]): number {
  if (records.length === 0) return 0;
  let first = Infinity;
  let last = -Infinity;
  for (const r of records) {
    first = Math.min(first, r.startMs);
    last = Math.max(last, r.startMs + r.latencyMs);
  }
  return Number.isFinite(last - first) ? last - first : 0;
}

/** Refuse bucket counts that could only come from a unit mistake (seconds passed as ms). */
const MAX_BUCKETS = 100_000;

/**
 * Groups records into consecutive `bucketMs` slices by *start* time, for over-time charts: a
 * request sent while a replica was frozen shows up at the freeze, however late it finished.
 * Buckets run from 0 to `durationMs` (or the last record), empty ones included so lines do not
 * skip gaps; records starting before 0 fall in the first bucket.
 */
export function bucketize(records: readonly RequestRecord[], bucketMs: number, durationMs?: number): TimeBucket[] {
  if (!(bucketMs > 0) || !Number.isFinite(bucketMs)) throw new RangeError(`bucketMs must be positive, got ${bucketMs}`);
  const indexOf = (ms: number): number => Math.max(0, Math.floor(ms / bucketMs));
  let n = durationMs !== undefined && durationMs > 0 ? Math.ceil(durationMs / bucketMs) : 0;
  for (const r of records) n = Math.max(n, indexOf(r.startMs) + 1);
  if (n > MAX_BUCKETS) throw new RangeError(`${n} buckets of ${bucketMs} ms: is a duration in the wrong unit?`);
  const slots = Array.from({ length: n }, () => ({ latencies: [] as number[], failures: 0 }));
  for (const r of records) {
    if (!Number.isFinite(r.startMs)) continue;
    const slot = slots[indexOf(r.startMs)]!;
    slot.latencies.push(r.latencyMs);
    if (!r.ok) slot.failures += 1;
  }
  return slots.map((slot, i) => {
    const sorted = sortedFinite(slot.latencies);
    return {
      startMs: i * bucketMs,
      endMs: (i + 1) * bucketMs,
      count: slot.latencies.length,
      failures: slot.failures,
      rps: (slot.latencies.length * 1000) / bucketMs,
      p50: rankOf(sorted, 0.5),
      p99: rankOf(sorted, 0.99),
    };
  });
}

/** Median; the mean of the middle two for an even count; `null` when empty. */
export function median(values: readonly number[]): number | null {
  const sorted = sortedFinite(values);
  const n = sorted.length;
  if (n === 0) return null;
  const mid = Math.floor(n / 2);
  return n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface TargetRounds {
  target: TargetName;
  rounds: number;
  requests: number;
  failures: number;
  rpsPerRound: number[];
  okRpsPerRound: number[];
  rps: number;
  okRps: number;
}

export interface CombinedRounds {
  /** In order of first appearance in the runs. */
  targets: TargetRounds[];
  /** median(candidate okRps) / median(baseline okRps); `null` if either is missing or zero. */
  ratio: number | null;
  /** candidate / baseline okRps for every round number both ran, in round order. */
  ratioPerRound: number[];
  /** Median of `ratioPerRound`: a check on `ratio` that cancels drift between rounds. */
  medianRatioPerRound: number | null;
}

export interface CombineOptions {
  candidate?: TargetName;
  baseline?: TargetName;
}

/**
 * Folds interleaved rounds (A B A B …) of one scenario. Rates are medians over rounds so one
 * disturbed round does not move the result; the ratio compares successful-request rates so a
 * target that fails fast does not look fast.
 */
export function combineRounds(runs: readonly ScenarioRun[], options: CombineOptions = {}): CombinedRounds {
  const candidate = options.candidate ?? 'promgate';
  const baseline = options.baseline ?? 'haproxy';
  const byTarget = new Map<TargetName, ScenarioRun[]>();
  for (const run of runs) {
    const list = byTarget.get(run.target) ?? [];
    list.push(run);
    byTarget.set(run.target, list);
  }
  const targets = [...byTarget].map(([target, list]) => foldTarget(target, list));
  const find = (name: TargetName): TargetRounds | undefined => targets.find((t) => t.target === name);
  const ratioPerRound = pairedRatios(byTarget.get(candidate) ?? [], byTarget.get(baseline) ?? []);
  return {
    targets,
    ratio: safeRatio(find(candidate)?.okRps, find(baseline)?.okRps),
    ratioPerRound,
    medianRatioPerRound: median(ratioPerRound),
  };
}

function foldTarget(target: TargetName, runs: ScenarioRun[]): TargetRounds {
  const ordered = [...runs].sort((a, b) => a.round - b.round);
  const rpsPerRound = ordered.map((r) => r.summary.rps);
  const okRpsPerRound = ordered.map((r) => r.summary.okRps);
  return {
    target,
    rounds: ordered.length,
    requests: ordered.reduce((n, r) => n + r.summary.requests, 0),
    failures: ordered.reduce((n, r) => n + r.summary.failures, 0),
    rpsPerRound,
    okRpsPerRound,
    rps: median(rpsPerRound) ?? 0,
    okRps: median(okRpsPerRound) ?? 0,
  };
}

function pairedRatios(candidate: ScenarioRun[], baseline: ScenarioRun[]): number[] {
  const base = new Map(baseline.map((r) => [r.round, r.summary.okRps]));
  const out: Array<[number, number]> = [];
  for (const run of candidate) {
    const ratio = safeRatio(run.summary.okRps, base.get(run.round));
    if (ratio !== null) out.push([run.round, ratio]);
  }
  return out.sort((a, b) => a[0] - b[0]).map(([, r]) => r);
}

function safeRatio(num: number | undefined, den: number | undefined): number | null {
  if (num === undefined || den === undefined || !(den > 0) || !Number.isFinite(num)) return null;
  const r = num / den;
  return Number.isFinite(r) ? r : null;
}
