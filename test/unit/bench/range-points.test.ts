import { mkdtemp, rm, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aggregateScenario, rangePointsOfTarget } from '../../../bench/lib/aggregate.js';
import { alignedWindow, SIX_HOURS_MS } from '../../../bench/lib/dashboard-windows.js';
import { QueryLogMeter } from '../../../bench/lib/query-log-meter.js';
import {
  evaluatedRangePoints,
  gridPoints,
  parseQueryLogLine,
  RANGE_POINTS_KEY,
  rangePointsOf,
  rangePointsOfPath,
  sumRangePoints,
  windowPoints,
} from '../../../bench/lib/range-points.js';
import type { RunData } from '../../../bench/lib/scenario-spec.js';
import { summarize } from '../../../bench/lib/stats.js';
import type { RangePoints, TargetName } from '../../../bench/lib/types.js';
import { userRefreshes } from '../../../bench/lib/refresh-schedule.js';
import { grafanaRefreshScenario } from '../../../bench/scenarios/grafana-refresh.js';

const T = Date.UTC(2026, 10, 21, 12, 0, 7, 500);

/** A query-log line as Prometheus 2.x/3.x writes it. */
function logLine(o: { start: string; end: string; step: number; path?: string; ts?: string }): string {
  return JSON.stringify({
    ...(o.path !== undefined ? { httpRequest: { clientIP: '127.0.0.1', method: 'GET', path: o.path } } : {}),
    params: { end: o.end, query: 'sum(rate(x[5m]))', start: o.start, step: o.step },
    stats: { timings: { evalTotalTime: 0.001 } },
    ...(o.ts !== undefined ? { ts: o.ts } : {}),
  });
}

describe('gridPoints', () => {
  it('counts steps as Prometheus does: floor((end − start) / step) + 1', () => {
    expect(gridPoints(0, 100_000, 15_000)).toBe(7); // 0, 15, …, 90
    expect(gridPoints(0, 90_000, 15_000)).toBe(7); // end on the grid is included
    expect(gridPoints(0, 100_500, 15_000)).toBe(7);
    expect(gridPoints(5_000, 5_000, 15_000)).toBe(1); // a one-point window
  });

  it('is 0 for empty or nonsensical windows', () => {
    expect(gridPoints(10, 0, 1_000)).toBe(0);
    expect(gridPoints(0, 10, 0)).toBe(0);
    expect(gridPoints(NaN, 10, 1_000)).toBe(0);
  });

  it('a 6h dashboard window at step 15s is 1441 points', () => {
    expect(windowPoints(alignedWindow(T, SIX_HOURS_MS, 15))).toBe(1441);
    expect(windowPoints(alignedWindow(T, SIX_HOURS_MS, 60))).toBe(361);
  });
});

describe('range points of a request path', () => {
  it('reads start, end and step of a query_range, with or without a prefix', () => {
    expect(rangePointsOfPath('/api/v1/query_range?query=up&start=0&end=100&step=15')).toBe(7);
    expect(rangePointsOfPath('/prometheus/api/v1/query_range?query=up&start=0&end=3600&step=1m')).toBe(61);
    expect(rangePointsOfPath('/api/v1/query_range?query=up&start=1970-01-01T00:00:00Z&end=1970-01-01T00:01:00Z&step=15')).toBe(5);
  });

  it('is 0 for instant queries and incomplete ranges', () => {
    expect(rangePointsOfPath('/api/v1/query?query=up&time=5')).toBe(0);
    expect(rangePointsOfPath('/api/v1/query_range?query=up&start=0&end=100')).toBe(0);
    expect(rangePointsOfPath('/api/v1/query_range')).toBe(0);
  });

  it.each([
    ['start=1700000000.5&end=1700000001.5&step=0.5', 3],
    ['start=2023-11-14T22:13:20.000Z&end=1700000060&step=1m30s', 1],
    ['start=now&end=100&step=15', 0],
    ['start=0&end=100&step=fast', 0],
    ['start=0&end=100&step=-15', 0],
  ])('reads times and steps as Prometheus does (src/query): %s → %d', (params, points) => {
    expect(rangePointsOfPath(`/api/v1/query_range?query=up&${params}`)).toBe(points);
  });
});

describe('userRefreshes leave the window points for the load generator', () => {
  it('in the connection context, for the window just built', () => {
    const schedule = { anchorMs: T, everyMs: 10_000, users: 1 };
    const reqs = userRefreshes([{ title: 'a', expr: 'up', stepSec: 15 }, { title: 'b', expr: 'up', stepSec: 60 }], SIX_HOURS_MS, schedule, 0, () => T);
    const ctx: Record<string, unknown> = {};
    const path = reqs[0]!.setupRequest!({}, ctx)!.path!;
    expect(ctx[RANGE_POINTS_KEY]).toBe(1441);
    expect(rangePointsOfPath(path)).toBe(1441);
    reqs[1]!.setupRequest!({}, ctx);
    expect(ctx[RANGE_POINTS_KEY]).toBe(361);
  });
});

describe('evaluated share', () => {
  it('is evaluated / asked, unknown when nothing was asked or not measured', () => {
    expect(rangePointsOf(1000, 20)).toEqual({ asked: 1000, evaluated: 20, share: 0.02 });
    expect(rangePointsOf(1000, null)).toBeNull();
    expect(rangePointsOf(0, 5)).toEqual({ asked: 0, evaluated: 5, share: null });
  });

  it('over rounds is the share of the sums, unknown if any round was not measured', () => {
    expect(sumRangePoints([rangePointsOf(1000, 10), rangePointsOf(3000, 30)])).toEqual({ asked: 4000, evaluated: 40, share: 0.01 });
    expect(sumRangePoints([rangePointsOf(1000, 10), null])).toBeNull();
    expect(sumRangePoints([rangePointsOf(1000, 10), undefined])).toBeNull();
    expect(sumRangePoints([])).toBeNull();
  });
});

describe('query log entries', () => {
  it('parses a range entry: RFC3339 start/end, step in seconds, ts', () => {
    const line = logLine({ start: '2023-11-14T22:13:20.000Z', end: '2023-11-14T22:15:00.500Z', step: 15, path: '/api/v1/query_range', ts: '2026-11-21T05:03:09.092Z' });
    expect(parseQueryLogLine(line)).toEqual({ startMs: 1_700_000_000_000, endMs: 1_700_000_100_500, stepMs: 15_000, tsMs: Date.parse('2026-11-21T05:03:09.092Z') });
  });

  it('ignores instant queries, torn lines and other noise', () => {
    const at = '2023-11-14T22:13:20.000Z';
    expect(parseQueryLogLine(logLine({ start: at, end: at, step: 0, path: '/api/v1/query' }))).toBeUndefined();
    expect(parseQueryLogLine(logLine({ start: at, end: at, step: 0 }))).toBeUndefined();
    expect(parseQueryLogLine(logLine({ start: at, end: at, step: 15, path: '/api/v1/query_range' }).slice(0, 40))).toBeUndefined();
    expect(parseQueryLogLine('')).toBeUndefined();
    expect(parseQueryLogLine('{"params":null}')).toBeUndefined();
    // No HTTP request (e.g. a rule): a step above 0 says range.
    expect(parseQueryLogLine(logLine({ start: at, end: at, step: 15 }))?.stepMs).toBe(15_000);
  });

  it('sums the points of complete range lines written since a time', () => {
    const old = logLine({ start: '1970-01-01T00:00:00Z', end: '1970-01-01T01:00:00Z', step: 60, path: '/api/v1/query_range', ts: '2026-01-01T00:00:00.000Z' });
    const a = logLine({ start: '1970-01-01T00:00:00Z', end: '1970-01-01T00:01:40Z', step: 15, path: '/api/v1/query_range', ts: '2026-01-01T00:00:10.000Z' });
    const instant = logLine({ start: '1970-01-01T00:00:00Z', end: '1970-01-01T00:00:00Z', step: 0, path: '/api/v1/query', ts: '2026-01-01T00:00:11.000Z' });
    const subSecond = logLine({ start: '1970-01-01T00:00:00Z', end: '1970-01-01T00:00:10Z', step: 0, path: '/api/v1/query_range', ts: '2026-01-01T00:00:12.000Z' });
    const partial = logLine({ start: '1970-01-01T00:00:00Z', end: '1970-01-01T01:00:00Z', step: 1, path: '/api/v1/query_range' });
    const text = [old, a, instant, subSecond, a].join('\n') + '\n' + partial; // the last line is still being written
    expect(evaluatedRangePoints(text)).toEqual({ points: 61 + 7 + 7, entries: 3, unmeasurable: 1 });
    expect(evaluatedRangePoints(text, Date.parse('2026-01-01T00:00:05.000Z'))).toEqual({ points: 14, entries: 2, unmeasurable: 1 });
    expect(evaluatedRangePoints('')).toEqual({ points: 0, entries: 0, unmeasurable: 0 });
  });
});

describe('QueryLogMeter', () => {
  let dir: string;
  const now = (): string => new Date().toISOString();
  const range = (stepSec: number, ts = now()): string =>
    `${logLine({ start: '1970-01-01T00:00:00Z', end: '1970-01-01T01:00:00Z', step: stepSec, path: '/api/v1/query_range', ts })}\n`;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'promgate-querylog-test-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('counts only what the replicas appended after start(), over all of them', async () => {
    const a = join(dir, 'a.log');
    const b = join(dir, 'b.log'); // not there yet: Prometheus creates it on the first query
    await writeFile(a, range(60));
    const meter = new QueryLogMeter([a, b]);
    await meter.start();
    await appendFile(a, range(60));
    await appendFile(b, range(15) + range(15));
    expect(await meter.finish()).toEqual({ points: 61 + 2 * 241, entries: 3, unmeasurable: 0 });
  });

  it('reads a log that shrank from its beginning, keeping only entries written since start()', async () => {
    const a = join(dir, 'a.log');
    await writeFile(a, range(60) + range(60) + range(60));
    const meter = new QueryLogMeter([a]);
    await meter.start();
    await truncate(a, 0);
    await appendFile(a, range(60, '2000-01-01T00:00:00.000Z') + range(15));
    expect(await meter.finish()).toEqual({ points: 241, entries: 1, unmeasurable: 0 });
  });

  it('is unavailable when a replica keeps no query log', () => {
    expect(QueryLogMeter.of([join(dir, 'a.log'), undefined])).toBeUndefined();
    expect(QueryLogMeter.of([])).toBeUndefined();
    expect(QueryLogMeter.of([join(dir, 'a.log')])).toBeInstanceOf(QueryLogMeter);
  });
});

describe('the grafana-refresh goal on range points', () => {
  const run = (target: TargetName, round: number, rangePoints: RangePoints | null | undefined): RunData => ({
    records: [{ startMs: 0, latencyMs: 1, status: 200, ok: true }],
    run: {
      scenario: 'grafana-refresh',
      target,
      round,
      durationMs: 1000,
      summary: summarize([{ startMs: 0, latencyMs: 1, status: 200, ok: true }], 1000),
      upstreamEvaluations: 1,
      ...(rangePoints !== undefined ? { rangePoints } : {}),
    },
  });
  const goal = (data: RunData[]) => aggregateScenario(grafanaRefreshScenario(), data).targets.find((t) => t.name.includes('5%'))!;

  it('passes when promgate makes the replicas evaluate under 5% of the range asked, over all rounds', () => {
    const data = [run('promgate', 0, rangePointsOf(10_000, 100)), run('haproxy', 0, rangePointsOf(500, 500)), run('promgate', 1, rangePointsOf(10_000, 880))];
    expect(rangePointsOfTarget(data, 'promgate')).toEqual({ asked: 20_000, evaluated: 980, share: 0.049 });
    expect(goal(data)).toMatchObject({ wanted: '< 0.05', measured: 0.049, pass: true });
    expect(aggregateScenario(grafanaRefreshScenario(), data).results.map((r) => r.rangePoints?.share)).toEqual([0.049, 1]);
  });

  it('fails at 5% and above', () => {
    expect(goal([run('promgate', 0, rangePointsOf(10_000, 500))]).pass).toBe(false);
  });

  it('reads "not measured" without query logs (remote) and fails', () => {
    const g = goal([run('promgate', 0, null), run('haproxy', 0, null)]);
    expect(g).toMatchObject({ measured: null, pass: false });
    expect(goal([run('promgate', 0, undefined)]).measured).toBeNull();
  });
});
