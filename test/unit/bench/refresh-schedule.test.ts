import { describe, expect, it } from 'vitest';
import { alignedWindow, rangeQueryPath, SIX_HOURS_MS, type Panel } from '../../../bench/lib/dashboard-windows.js';
import { refreshAtMs, userRefreshes, WALL_CLOCK } from '../../../bench/lib/refresh-schedule.js';

const T = Date.UTC(2026, 10, 21, 12, 0, 0); // the wall clock at the run's start
const HOUR = 3_600_000;
/** grafana-refresh: 50 users, every 10 s, the clock an hour back. */
const GRAFANA = { anchorMs: T - HOUR, everyMs: 10_000, users: 50 };

describe('refreshAtMs: the virtual clock', () => {
  it.each([
    ['user 0, first refresh: the anchor', 0, 0, T, T - HOUR],
    ['user 1 starts 10 s / 50 later', 1, 0, T, T - HOUR + 200],
    ['user 49, the last of the interval', 49, 0, T, T - HOUR + 9_800],
    ['k-th refresh: k × 10 s on', 0, 3, T, T - HOUR + 30_000],
    ['user 25, refresh 100', 25, 100, T, T - HOUR + 1_000_000 + 5_000],
    ['caught up: never later than the wall clock', 0, 360, T, T],
    ['and then slides with it', 7, 1_000, T + 12_345, T + 12_345],
  ])('%s', (_, user, k, wallMs, want) => {
    expect(refreshAtMs(GRAFANA, user, k, wallMs)).toBe(want);
  });

  it.each([
    [0, 0, T],
    [5, 0, T + 1],
    [3, 7, T + 60_000],
  ])('WALL_CLOCK (failover, outage) is the wall clock: user %d, refresh %d at %d', (user, k, wallMs) => {
    expect(refreshAtMs(WALL_CLOCK, user, k, wallMs)).toBe(wallMs);
  });
});

describe('userRefreshes: one user as autocannon requests', () => {
  const panels: Panel[] = [
    { title: 'a', expr: 'sum(rate(x[5m]))', stepSec: 15 },
    { title: 'b', expr: 'max(y)', stepSec: 60 },
  ];
  /** The paths of the user's next `n` requests, as a connection looping over them sends them. */
  const send = (reqs: ReturnType<typeof userRefreshes>, n: number): string[] =>
    Array.from({ length: n }, (_, i) => reqs[i % reqs.length]!.setupRequest!({}, {})!.path!);

  it("moves the user's clock on once per refresh, all panels of one refresh sharing one now", () => {
    let wall = T;
    const reqs = userRefreshes(panels, SIX_HOURS_MS, GRAFANA, 25, () => wall);
    const path = (i: number): string => reqs[i]!.setupRequest!({}, {})!.path!;
    const a0 = path(0);
    wall += HOUR; // the wall clock moves on while a refresh is in progress: its panels keep their now
    const b0 = path(1);
    const [a1, b1] = [path(0), path(1)];
    const window = (p: Panel, at: number): string => rangeQueryPath(p.expr, alignedWindow(at, SIX_HOURS_MS, p.stepSec));
    const at0 = T - HOUR + 5_000; // user 25's first refresh
    expect([a0, b0]).toEqual([window(panels[0]!, at0), window(panels[1]!, at0)]);
    expect([a1, b1]).toEqual([window(panels[0]!, at0 + 10_000), window(panels[1]!, at0 + 10_000)]);
  });

  it('windows slide 10 s of dashboard time per refresh, aligned to each step', () => {
    const ends = send(userRefreshes(panels.slice(0, 1), SIX_HOURS_MS, GRAFANA, 0, () => T), 4).map((p) => Number(new URLSearchParams(p.split('?')[1]).get('end')));
    const base = (T - HOUR) / 1000;
    expect(ends).toEqual([base, base, base + 15, base + 30]); // 0 s, 10 s → 0, 20 s → 15, 30 s
  });

  it('users spread over the interval share windows within a step, and not across one', () => {
    const s = { ...GRAFANA, anchorMs: T - HOUR + 10_000 };
    const first = (user: number): string => send(userRefreshes(panels, SIX_HOURS_MS, s, user, () => T), 1)[0]!;
    expect(first(0)).toBe(first(20)); // 10 s and 14 s past the hour: the same 15 s step
    expect(first(0)).not.toBe(first(49)); // 19.8 s past: the next one
  });
});
