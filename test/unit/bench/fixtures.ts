import type { BenchResults, TargetResult } from '../../../bench/lib/types.js';

const target = (over: Partial<TargetResult> & Pick<TargetResult, 'target'>): TargetResult => ({
  rounds: 2,
  requests: 10_000,
  failures: 0,
  rps: 500,
  okRps: 500,
  rpsPerRound: [490, 510],
  okRpsPerRound: [490, 510],
  latency: { p50: 4.2, p90: 9.87, p99: 31.5, max: 120, min: 0.8, mean: 5.1 },
  upstreamEvaluations: 10_000,
  cpuSeconds: 12,
  rssBytes: 95 * 1024 * 1024,
  buckets: [{ startMs: 0, endMs: 1000, count: 500, failures: 0, rps: 500, p50: 4.2, p99: 31.5 }],
  events: [],
  ...over,
});

/** A small results file: one scenario that meets its goal, one that misses one. */
export const RESULTS: BenchResults = {
  schemaVersion: 1,
  startedAt: '2025-06-01T10:00:00.000Z',
  finishedAt: '2025-06-01T10:20:00.000Z',
  machine: {
    cpus: 8,
    cpuModel: 'AMD EPYC 7B13',
    node: 'v20.20.2',
    platform: 'linux',
    arch: 'x64',
    totalMemBytes: 16 * 1024 ** 3,
    versions: { prometheus: '3.5.0', haproxy: '3.0.5' },
  },
  scenarios: [
    {
      scenario: 'dashboard',
      description: 'Dozens of viewers refreshing heavy range panels | sliding windows',
      results: [
        target({
          target: 'promgate',
          okRps: 2400,
          rps: 2400,
          upstreamEvaluations: 300,
          cpuSeconds: 30,
          requests: 144_000,
          rangePoints: { asked: 172_920_000, evaluated: 1_729_200, share: 0.01 },
        }),
        target({
          target: 'haproxy',
          okRps: 96,
          rps: 96,
          upstreamEvaluations: 5760,
          cpuSeconds: null,
          rssBytes: null,
          requests: 5760,
          rangePoints: { asked: 6_916_800, evaluated: 6_930_630, share: 1.002 },
        }),
      ],
      ratio: 25,
      ratioPerRound: [24.1, 25.9],
      targets: [
        { name: 'dashboard throughput vs HAProxy', wanted: '>= 20x', measured: 25, unit: 'x', pass: true },
        { name: 'promgate: replicas evaluate under 5% of the range asked', wanted: '<= 0.05', measured: 0.01, pass: true },
      ],
    },
    {
      scenario: 'failover (SIGSTOP)',
      results: [
        target({ target: 'promgate', failures: 3, latency: { p50: 5, p90: 12, p99: 1450, max: 2300, min: 1, mean: 30 }, rangePoints: null }),
        target({ target: 'haproxy', failures: 812, rangePoints: null }),
      ],
      ratio: 1.02,
      ratioPerRound: [],
      targets: [
        { name: 'failed requests', wanted: '== 0', measured: 3, pass: false },
        { name: 'p99 while frozen', wanted: '< 1000 ms', measured: 1450, unit: ' ms', pass: false },
        { name: 'replica evaluations', wanted: '>= 1', measured: null, pass: false },
      ],
    },
  ],
};
