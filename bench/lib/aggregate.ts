/**
 * Folds a scenario's runs (every target, every round) into the ScenarioResult the report and
 * charts read. Pure.
 */
import { sumAnswerHoles } from './answer-check.js';
import { sumRangePoints } from './range-points.js';
import type { RunData, ScenarioSpec } from './scenario-spec.js';
import { combineRounds, latencySummary, percentile } from './stats.js';
import type { AnswerHoles, BenchEvent, RangePoints, ScenarioResult, TargetName, TargetResult } from './types.js';

export function aggregateScenario(spec: Pick<ScenarioSpec, 'name' | 'description' | 'goals'>, data: readonly RunData[]): ScenarioResult {
  const runs = data.map((d) => d.run);
  const combined = combineRounds(runs);
  const results: TargetResult[] = combined.targets.map((t) => {
    const mine = data.filter((d) => d.run.target === t.target).sort((a, b) => a.run.round - b.run.round);
    const first = mine[0]?.run;
    const answerHoles = sumAnswerHoles(mine.map((d) => d.run.answerHoles));
    return {
      target: t.target,
      rounds: t.rounds,
      requests: t.requests,
      failures: t.failures,
      rps: t.rps,
      okRps: t.okRps,
      rpsPerRound: t.rpsPerRound,
      okRpsPerRound: t.okRpsPerRound,
      latency: latencySummary(mine.flatMap((d) => d.records.map((r) => r.latencyMs))),
      upstreamEvaluations: sumOrNull(mine.map((d) => d.run.upstreamEvaluations)),
      rangePoints: sumRangePoints(mine.map((d) => d.run.rangePoints)),
      ...(answerHoles !== undefined ? { answerHoles } : {}),
      cpuSeconds: sumOrNull(mine.map((d) => d.run.usage?.cpuSeconds ?? null)),
      rssBytes: maxOrNull(mine.map((d) => d.run.usage?.rssBytes ?? null)),
      // The first round stands for the others on over-time charts: pooling rounds would add
      // their rates up and smear the fault markers, which land at slightly different times.
      buckets: first?.buckets ?? [],
      events: first?.events ?? [],
    };
  });
  results.sort((a, b) => rank(a.target) - rank(b.target));
  return {
    scenario: spec.name,
    description: spec.description,
    results,
    ratio: combined.ratio,
    ratioPerRound: combined.ratioPerRound,
    targets: spec.goals(data, combined.ratio),
  };
}

function rank(t: TargetName): number {
  return t === 'promgate' ? 0 : t === 'haproxy' ? 1 : 2;
}

function sumOrNull(values: ReadonlyArray<number | null>): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return values.reduce<number>((a, b) => a + (b ?? 0), 0);
}

function maxOrNull(values: ReadonlyArray<number | null>): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : Math.max(...known);
}

/**
 * p99 latency of one target's requests sent between each run's fault and recovery events
 * (pooled over rounds); `null` when no such requests.
 */
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
