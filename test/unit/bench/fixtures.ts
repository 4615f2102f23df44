import type { BenchResults, TargetResult } from '../../../bench/lib/types.js';

const target = (over: Partial<TargetResult> & Pick<TargetResult, 'target'>): TargetResult => ({
  rounds: 2,
  requests: 10_000,
  failures: 0,
  okRps: 500,
  okRpsPerRound: [490, 510],
  latency: { p50: 4.2, p90: 9.87, p99: 31.5, max: 120 },
  upstreamEvaluations: 10_000,
  cpuSeconds: 12,
  rssBytes: 95 * 1024 * 1024,
  buckets: [{ startMs: 0, count: 500, failures: 0, p50: 4.2, p99: 31.5 }],
  events: [],
  ...over,
});

/** A small results file: a scenario with a limit that meets its goals, one without that misses some. */
export const RESULTS: BenchResults = {
  schemaVersion: 2,
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
      description: 'Viewers refreshing heavy range panels | fixed windows',
      results: [
        target({
          target: 'promgate',
          okRps: 12_000,
          upstreamEvaluations: 300,
          cpuSeconds: 30,
          requests: 150_000,
          rangePoints: { asked: 172_920_000, evaluated: 1_729_200, share: 0.01 },
          cache: { bytes: 12 * 1024 * 1024, maxBytes: 256 * 1024 * 1024 },
        }),
        target({
          target: 'haproxy',
          okRps: 96,
          upstreamEvaluations: 5760,
          cpuSeconds: null,
          rssBytes: null,
          requests: 5760,
          rangePoints: { asked: 6_916_800, evaluated: 6_930_630, share: 1.002 },
        }),
        target({ target: 'node-bytes', okRps: 20_000, upstreamEvaluations: 0, cpuSeconds: 8, requests: 400_000, rangePoints: { asked: 1, evaluated: 0, share: 0 } }),
      ],
      ratio: 125,
      ratioPerRound: [124.1, 125.9],
      limit: { target: 'node-bytes', share: 0.6 },
      targets: [
        { name: 'static dashboard throughput vs HAProxy', wanted: '>= 100x', measured: 125, unit: 'x', pass: true },
        { name: 'fraction of node-bytes', wanted: '>= 0.5', measured: 0.6, pass: true },
      ],
    },
    {
      scenario: 'failover (SIGSTOP)',
      results: [
        target({ target: 'promgate', failures: 3, latency: { p50: 5, p90: 12, p99: 1450, max: 2300 }, rangePoints: null, cache: null }),
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
