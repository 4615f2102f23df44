import { describe, expect, it } from 'vitest';
import { aggregateScenario, answerHolesOfTarget, failuresOf, p99DuringFault } from '../../../bench/lib/aggregate.js';
import { buildCharts, timestampDir } from '../../../bench/lib/output.js';
import { bucketMsFor } from '../../../bench/lib/run-scenario.js';
import type { RunData } from '../../../bench/lib/scenario-spec.js';
import { bucketize, summarize } from '../../../bench/lib/stats.js';
import type { BenchEvent, BenchResults, CacheBytes, RequestRecord, TargetName } from '../../../bench/lib/types.js';
import { deltaOf } from '../../../bench/lib/upstream-counter.js';
import { missPath } from '../../../bench/lib/queries.js';
import { checkXml } from './xml-check.js';

function runData(
  target: TargetName,
  round: number,
  latencies: number[],
  o: { failed?: number; events?: BenchEvent[]; cpu?: number; evals?: number | null; cache?: CacheBytes | null } = {},
): RunData {
  const records: RequestRecord[] = latencies.map((latencyMs, i) => ({
    startMs: i * 100,
    latencyMs,
    status: i < (o.failed ?? 0) ? 502 : 200,
    ok: i >= (o.failed ?? 0),
  }));
  return {
    records,
    run: {
      scenario: 's',
      target,
      round,
      durationMs: 1000,
      summary: summarize(records, 1000),
      upstreamEvaluations: o.evals === undefined ? latencies.length : o.evals,
      usage: { cpuSeconds: o.cpu ?? 0.5, rssBytes: 1000 + round },
      ...(o.cache !== undefined ? { cache: o.cache } : {}),
      buckets: bucketize(records, 250, 1000),
      events: o.events ?? [],
    },
  };
}

const spec = { name: 's', description: 'd', goals: () => [] };
const CACHE_GOAL = 'promgate cache within cache.max_bytes (promgate_cache_bytes / max_bytes at the end of each run, peak)';

describe('aggregateScenario', () => {
  it('pools rounds per target, promgate first and the limit last, with medians, the paired ratio and the fraction of the limit', () => {
    const data = [
      runData('node-bytes', 0, Array<number>(16).fill(1)),
      runData('haproxy', 0, [10, 10]),
      runData('promgate', 0, [1, 1, 1, 1]),
      runData('haproxy', 1, [10, 10, 10, 10]),
      runData('promgate', 1, [1, 1, 1, 1, 1, 1, 1, 1]),
      runData('node-bytes', 1, Array<number>(8).fill(1)),
    ];
    const r = aggregateScenario(spec, data);
    expect(r.results.map((t) => t.target)).toEqual(['promgate', 'haproxy', 'node-bytes']);
    const pg = r.results[0]!;
    expect(pg).toMatchObject({ rounds: 2, requests: 12, okRpsPerRound: [4, 8], okRps: 6, upstreamEvaluations: 12, cpuSeconds: 1, rssBytes: 1001 });
    expect(pg.latency.p99).toBe(1);
    expect(r.ratioPerRound).toEqual([2, 2]);
    expect(r.ratio).toBe(2);
    expect(r.limit).toEqual({ target: 'node-bytes', share: 0.5 });
  });

  it('hands the goals both ratios, and has no limit where none ran', () => {
    const seen: unknown[] = [];
    const r = aggregateScenario({ ...spec, goals: (_runs, ratios) => (seen.push(ratios), []) }, [runData('promgate', 0, [1, 1, 1]), runData('node-proxy', 0, [1, 1, 1, 1, 1, 1])]);
    expect(seen).toEqual([{ haproxy: null, limit: 0.5 }]);
    expect(r.limit).toEqual({ target: 'node-proxy', share: 0.5 });
    expect(aggregateScenario(spec, [runData('promgate', 0, [1])]).limit).toBeUndefined();
  });

  it.each([
    ['the fullest round against max_bytes', [{ bytes: 10, maxBytes: 100 }, { bytes: 50, maxBytes: 100 }], { bytes: 50, maxBytes: 100 }, 0.5, true],
    ['over max_bytes', [{ bytes: 101, maxBytes: 100 }], { bytes: 101, maxBytes: 100 }, 1.01, false],
    ['unreadable in a round', [{ bytes: 10, maxBytes: 100 }, null], null, null, false],
  ] as const)("checks promgate's cache: %s", (_, caches, peak, measured, pass) => {
    const r = aggregateScenario(spec, caches.map((cache, round) => runData('promgate', round, [1], { cache })));
    expect(r.results[0]!.cache).toEqual(peak);
    expect(r.targets).toEqual([{ name: CACHE_GOAL, wanted: '<= 1', measured, pass }]);
  });

  it('checks no cache where promgate did not run', () => {
    expect(aggregateScenario(spec, [runData('haproxy', 0, [1])]).targets).toEqual([]);
  });

  it('sums judged answers over rounds per target, and leaves them out where none were judged', () => {
    const judged = (d: RunData, withHoles: number): RunData => ({ ...d, run: { ...d.run, answerHoles: { answers: 18, withHoles, failed: 0, share: withHoles / 18 } } });
    const data = [judged(runData('promgate', 0, [1]), 0), judged(runData('haproxy', 0, [1]), 9), judged(runData('promgate', 1, [1]), 0), judged(runData('haproxy', 1, [1]), 6)];
    const r = aggregateScenario(spec, data);
    expect(r.results.map((t) => t.answerHoles)).toEqual([
      { answers: 36, withHoles: 0, failed: 0, share: 0 },
      { answers: 36, withHoles: 15, failed: 0, share: 15 / 36 },
    ]);
    expect(answerHolesOfTarget(data, 'haproxy')?.share).toBe(15 / 36);
    expect(answerHolesOfTarget(data, 'other')).toBeUndefined();
    expect('answerHoles' in aggregateScenario(spec, [runData('promgate', 0, [1])]).results[0]!).toBe(false);
  });

  it('an unknown evaluation count in any round makes the total unknown', () => {
    const r = aggregateScenario(spec, [runData('promgate', 0, [1], { evals: null }), runData('promgate', 1, [1])]);
    expect(r.results[0]!.upstreamEvaluations).toBeNull();
  });
});

describe('fault helpers', () => {
  const events: BenchEvent[] = [
    { atMs: 200, label: 'SIGSTOP', kind: 'fault' },
    { atMs: 500, label: 'SIGCONT', kind: 'resume' },
  ];

  it('p99 counts only requests sent between the fault and the recovery', () => {
    // starts at 0,100,...,900; those at 200,300,400 are in the window.
    const data = [runData('promgate', 0, [1, 1, 900, 800, 700, 5, 5, 5, 5, 5], { events })];
    expect(p99DuringFault(data, 'promgate')).toBe(900);
    expect(p99DuringFault(data, 'haproxy')).toBeNull();
  });

  it('failures are summed over rounds, unknown when the target never ran', () => {
    const data = [runData('promgate', 0, [1, 1, 1], { failed: 2 }), runData('promgate', 1, [1], { failed: 1 })];
    expect(failuresOf(data, 'promgate')).toBe(3);
    expect(failuresOf(data, 'haproxy')).toBeNull();
  });
});

describe('output', () => {
  it('names result dirs sortably and safely', () => {
    expect(timestampDir(new Date(Date.UTC(2026, 10, 21, 4, 5, 6, 789)))).toBe('2026-11-21T04-05-06Z');
  });

  it('draws a throughput chart and a latency chart per scenario, all well-formed', () => {
    const scenario = aggregateScenario({ ...spec, name: 'failover (kill)' }, [
      runData('promgate', 0, [1, 2, 3], { events: [{ atMs: 100, label: 'kill -9 <r0>', kind: 'fault' }] }),
      runData('haproxy', 0, [4, 5, 6], { failed: 1 }),
    ]);
    const results: BenchResults = {
      schemaVersion: 2,
      startedAt: '2026-11-21T00:00:00.000Z',
      machine: { cpus: 2, node: 'v20', platform: 'linux', arch: 'x64' },
      scenarios: [scenario],
    };
    const { charts, paths } = buildCharts(results);
    expect(charts.map((c) => c.file)).toEqual(['throughput.svg', 'failover_kill_-latency.svg']);
    expect(paths.scenarios?.['failover (kill)']?.map((r) => r.path)).toEqual(['failover_kill_-latency.svg']);
    for (const c of charts) expect(checkXml(c.svg)).toEqual([]);
    expect(charts[1]!.svg).toContain('kill -9 &lt;r0&gt;');
  });
});

describe('small pure helpers', () => {
  it('upstream counter deltas treat a drop as a restart from zero', () => {
    expect(deltaOf(10, 15)).toBe(5);
    expect(deltaOf(10, 3)).toBe(3);
  });

  it('buckets: about 40 per run, never under 250 ms', () => {
    expect(bucketMsFor(2_000)).toBe(250);
    expect(bucketMsFor(10_000)).toBe(250);
    expect(bucketMsFor(60_000)).toBe(1_500);
  });

  it('miss-path queries never repeat', () => {
    const paths = new Set(Array.from({ length: 5000 }, (_, n) => missPath(1_700_000_000_000, n)));
    expect(paths.size).toBe(5000);
  });
});
