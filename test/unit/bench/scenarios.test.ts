import { describe, expect, it } from 'vitest';
import { ALL_SCENARIOS } from '../../../bench/lib/args.js';
import { alignedWindow, rangeQueryPath, SIX_HOURS_MS } from '../../../bench/lib/dashboard-windows.js';
import { dashboardPanels } from '../../../bench/lib/queries.js';
import type { ScenarioContext } from '../../../bench/lib/scenario-spec.js';
import { scenarioFor } from '../../../bench/scenarios/index.js';

const T = Date.UTC(2026, 10, 21, 12, 0, 7, 500);
const ctx = (o: Partial<ScenarioContext> = {}): ScenarioContext => ({ querySet: 'demo', connections: 50, scenarioStartMs: T, runStartMs: T, nowMs: () => T, ...o });
/** The paths a connection sends, in order, its first `n` requests. */
const send = (name: (typeof ALL_SCENARIOS)[number], c: ScenarioContext, connection: number, n: number): string[] => {
  const reqs = scenarioFor(name).requests(c)(connection);
  return Array.from({ length: n }, (_, i) => {
    const r = reqs[i % reqs.length]!;
    return r.setupRequest?.({}, {})?.path ?? r.path!;
  });
};

describe('the scenarios', () => {
  it.each([
    ['dashboard', ['promgate', 'haproxy', 'node-bytes']],
    ['grafana-refresh', ['promgate', 'haproxy']],
    ['miss', ['promgate', 'haproxy', 'node-proxy']],
    ['failover-kill', ['promgate', 'haproxy']],
    ['failover-freeze', ['promgate', 'haproxy']],
    ['failover-slow', ['promgate', 'haproxy']],
    ['burst', ['promgate', 'haproxy']],
    ['outage', ['promgate', 'haproxy']],
  ] as const)('%s runs against %j, in that order each round', (name, targets) => {
    expect(scenarioFor(name).name).toBe(name);
    expect(scenarioFor(name).targets).toEqual(targets);
  });

  it('covers every scenario the CLI knows', () => {
    expect(ALL_SCENARIOS.map((n) => scenarioFor(n).name)).toEqual([...ALL_SCENARIOS]);
  });

  it('static dashboard: every connection of every run asks the same 8 URLs, windows ending 15 min before the scenario start (settled), floored to the step', () => {
    const want = dashboardPanels('demo').map((p) => rangeQueryPath(p.expr, alignedWindow(T - 15 * 60_000, SIX_HOURS_MS, p.stepSec)));
    expect(want).toHaveLength(8);
    expect(send('dashboard', ctx(), 0, 8)).toEqual(want);
    expect(send('dashboard', ctx({ runStartMs: T + 60_000, nowMs: () => T + 90_000 }), 31, 16)).toEqual([...want, ...want]);
  });

  it('grafana-refresh: user u starts at run start − 1 h + u · 10 s / connections, then 10 s of dashboard time per refresh', () => {
    const c = ctx({ runStartMs: T, nowMs: () => T + 5_000 });
    const end = (path: string): number => Number(new URLSearchParams(path.split('?')[1]).get('end'));
    const first = dashboardPanels('demo')[0]!; // step 15 s
    expect(end(send('grafana-refresh', c, 0, 1)[0]!)).toBe(alignedWindow(T - 3_600_000, SIX_HOURS_MS, first.stepSec).endSec);
    expect(end(send('grafana-refresh', c, 49, 1)[0]!)).toBe(alignedWindow(T - 3_600_000 + 9_800, SIX_HOURS_MS, first.stepSec).endSec);
    expect(end(send('grafana-refresh', c, 0, 9)[8]!)).toBe(alignedWindow(T - 3_600_000 + 10_000, SIX_HOURS_MS, first.stepSec).endSec);
  });

  it('miss: no two requests alike, across connections too', () => {
    const requestsFor = scenarioFor('miss').requests(ctx());
    const conns = [requestsFor(0)[0]!, requestsFor(1)[0]!];
    const paths = Array.from({ length: 1000 }, (_, i) => conns[i % 2]!.setupRequest!({}, {})!.path!);
    expect(new Set(paths).size).toBe(1000);
  });
});
