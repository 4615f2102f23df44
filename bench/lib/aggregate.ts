/**
 * Folds a scenario's runs (every target, every round) into the ScenarioResult the report and
 * charts read. Pure.
 */
import { sumAnswerHoles } from './answer-check.js';
import { sumRangePoints } from './range-points.js';
import { isLimit, type RunData, type ScenarioSpec } from './scenario-spec.js';
import { latencySummary, median, percentile, ratioOf } from './stats.js';
import { checkTarget } from './target-check.js';
import type { AnswerHoles, BenchEvent, CacheBytes, RangePoints, ScenarioResult, TargetCheck, TargetName, TargetResult } from './types.js';

export function aggregateScenario(spec: Pick<ScenarioSpec, 'name' | 'description' | 'goals'>, data: readonly RunData[]): ScenarioResult {
  const names = [...new Set(data.map((d) => d.run.target))].sort((a, b) => rank(a) - rank(b));
  const results = names.map((t) => targetResult(t, data.filter((d) => d.run.target === t).sort((a, b) => a.run.round - b.run.round)));
  const okRps = (t: TargetName | undefined): number | undefined => results.find((r) => r.target === t)?.okRps;
  const ratio = ratioOf(okRps('promgate'), okRps('haproxy'));
  const limitTarget = names.find(isLimit);
  const limit = limitTarget === undefined ? undefined : { target: limitTarget, share: ratioOf(okRps('promgate'), okRps(limitTarget)) };
  const promgate = results.find((r) => r.target === 'promgate');
  return {
    scenario: spec.name,
    description: spec.description,
    results,
    ratio,
    ratioPerRound: pairedRatios(data, 'promgate', 'haproxy'),
    ...(limit !== undefined ? { limit } : {}),
    targets: [...spec.goals(data, { haproxy: ratio, limit: limit?.share ?? null }), ...(promgate !== undefined ? [cacheGoal(promgate)] : [])],
  };
}

function targetResult(target: TargetName, mine: readonly RunData[]): TargetResult {
  const runs = mine.map((d) => d.run);
  const answerHoles = sumAnswerHoles(runs.map((r) => r.answerHoles));
  const caches = runs.map((r) => r.cache).filter((c) => c !== undefined);
  const okRpsPerRound = runs.map((r) => r.summary.okRps);
  return {
    target,
    rounds: runs.length,
    requests: runs.reduce((n, r) => n + r.summary.requests, 0),
    failures: runs.reduce((n, r) => n + r.summary.failures, 0),
    okRps: median(okRpsPerRound) ?? 0,
    okRpsPerRound,
    latency: latencySummary(mine.flatMap((d) => d.records.map((r) => r.latencyMs))),
    upstreamEvaluations: sumOrNull(runs.map((r) => r.upstreamEvaluations)),
    rangePoints: sumRangePoints(runs.map((r) => r.rangePoints)),
    ...(answerHoles !== undefined ? { answerHoles } : {}),
    cpuSeconds: sumOrNull(runs.map((r) => r.usage?.cpuSeconds ?? null)),
    rssBytes: maxOrNull(runs.map((r) => r.usage?.rssBytes ?? null)),
    ...(caches.length > 0 ? { cache: peakCache(caches) } : {}),
    // The first round stands for the others on over-time charts: pooling rounds would add their
    // rates up and smear the fault markers, which land at slightly different times.
    buckets: runs[0]?.buckets ?? [],
    events: runs[0]?.events ?? [],
  };
}

/** The memory goal: promgate's cache, by its own accounting, within the configured cache.max_bytes at the end of every run. */
function cacheGoal(promgate: TargetResult): TargetCheck {
  const c = promgate.cache;
  return checkTarget(
    { name: 'promgate cache within cache.max_bytes (promgate_cache_bytes / max_bytes at the end of each run, peak)', op: '<=', threshold: 1 },
    c === undefined || c === null ? null : ratioOf(c.bytes, c.maxBytes),
  );
}

function peakCache(caches: ReadonlyArray<CacheBytes | null>): CacheBytes | null {
  if (caches.some((c) => c === null)) return null;
  return (caches as CacheBytes[]).reduce((a, b) => (b.bytes / b.maxBytes > a.bytes / a.maxBytes ? b : a));
}

function rank(t: TargetName): number {
  return t === 'promgate' ? 0 : t === 'haproxy' ? 1 : isLimit(t) ? 2 : 3;
}

/** candidate / baseline okRps for every round both ran, in round order. */
function pairedRatios(data: readonly RunData[], candidate: TargetName, baseline: TargetName): number[] {
  const base = new Map(data.filter((d) => d.run.target === baseline).map((d) => [d.run.round, d.run.summary.okRps]));
  return data
    .filter((d) => d.run.target === candidate)
    .sort((a, b) => a.run.round - b.run.round)
    .map((d) => ratioOf(d.run.summary.okRps, base.get(d.run.round)))
    .filter((r) => r !== null);
}

function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

function maxOrNull(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((v) => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/** p99 latency of one target's requests sent between each run's fault and recovery events (pooled over rounds); `null` when none. */
export function p99DuringFault(data: readonly RunData[], target: TargetName): number | null {
  const latencies: number[] = [];
  for (const d of data) {
    if (d.run.target !== target) continue;
    const window = faultWindow(d.run.events ?? []);
    if (window === undefined) continue;
    for (const r of d.records) if (r.startMs >= window[0] && r.startMs < window[1]) latencies.push(r.latencyMs);
  }
  return percentile(latencies, 0.99);
}

function faultWindow(events: readonly BenchEvent[]): [number, number] | undefined {
  const start = events.find((e) => e.kind === 'fault')?.atMs;
  const end = events.find((e) => e.kind === 'resume')?.atMs;
  return start === undefined || end === undefined ? undefined : [start, end];
}

/** Failed requests of one target over all its runs; `null` when it did not run. */
export function failuresOf(data: readonly RunData[], target: TargetName): number | null {
  const mine = data.filter((d) => d.run.target === target);
  return mine.length === 0 ? null : mine.reduce((n, d) => n + d.run.summary.failures, 0);
}

/** One target's range points over all its runs (share of the sums); `null` when it did not run or a run was not measured. */
export function rangePointsOfTarget(data: readonly RunData[], target: TargetName): RangePoints | null {
  return sumRangePoints(data.filter((d) => d.run.target === target).map((d) => d.run.rangePoints));
}

/** One target's judged answers over all its runs; `undefined` when none were judged. */
export function answerHolesOfTarget(data: readonly RunData[], target: TargetName): AnswerHoles | undefined {
  return sumAnswerHoles(data.filter((d) => d.run.target === target).map((d) => d.run.answerHoles));
}
