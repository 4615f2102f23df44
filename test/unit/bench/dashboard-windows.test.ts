import { describe, expect, it } from 'vitest';
import { alignedWindow, dashboardRequests, rangeQueryPath, SIX_HOURS_MS, type Panel } from '../../../bench/lib/dashboard-windows.js';

const T = Date.UTC(2026, 10, 21, 12, 0, 7, 500); // 12:00:07.5

describe('alignedWindow', () => {
  it('floors both ends to the step, like Grafana alignRange', () => {
    const w = alignedWindow(T, SIX_HOURS_MS, 15);
    expect(w.endSec).toBe(Date.UTC(2026, 10, 21, 12, 0, 0) / 1000);
    expect(w.startSec).toBe(Date.UTC(2026, 10, 21, 6, 0, 0) / 1000);
    expect(w.startSec % 15).toBe(0);
    expect(w.endSec % 15).toBe(0);
  });

  it('slides by the elapsed time, snapped to the step', () => {
    const a = alignedWindow(T, SIX_HOURS_MS, 30);
    expect(alignedWindow(T + 20_000, SIX_HOURS_MS, 30)).toEqual(a); // 12:00:27.5 → still 12:00:00
    const b = alignedWindow(T + 25_000, SIX_HOURS_MS, 30); // 12:00:32.5 → 12:00:30
    expect(b.endSec - a.endSec).toBe(30);
    expect(b.startSec - a.startSec).toBe(30);
  });

  it('refuses steps that are not whole seconds', () => {
    expect(() => alignedWindow(T, SIX_HOURS_MS, 0)).toThrow(RangeError);
    expect(() => alignedWindow(T, SIX_HOURS_MS, 1.5)).toThrow(RangeError);
  });
});

describe('dashboardRequests', () => {
  const panels: Panel[] = [
    { title: 'a', expr: 'sum(rate(x[5m]))', stepSec: 15 },
    { title: 'b', expr: 'max(y)', stepSec: 60 },
  ];

  it('one refresh reads the clock once, so all its panels share one now', () => {
    let now = T;
    const reqs = dashboardRequests(panels, SIX_HOURS_MS, () => now);
    const ctx: Record<string, unknown> = {};
    const first = reqs[0]!.setupRequest({}, ctx).path;
    now += 3_600_000; // the clock moves while the refresh is in progress
    const second = reqs[1]!.setupRequest({}, ctx).path;
    expect(first).toBe(rangeQueryPath('sum(rate(x[5m]))', alignedWindow(T, SIX_HOURS_MS, 15)));
    expect(second).toBe(rangeQueryPath('max(y)', alignedWindow(T, SIX_HOURS_MS, 60)));
  });

  it('the next refresh (panel 0 again) moves the windows forward', () => {
    let now = T;
    const [first] = dashboardRequests(panels, SIX_HOURS_MS, () => now);
    const a = first!.setupRequest({}, {}).path;
    now += 60_000;
    const b = first!.setupRequest({}, {}).path;
    expect(new URLSearchParams(b.split('?')[1]).get('end')).toBe(String(Number(new URLSearchParams(a.split('?')[1]).get('end')) + 60));
  });

  it('viewers refreshing at the same moment send identical queries', () => {
    const reqs = dashboardRequests(panels, SIX_HOURS_MS, () => T);
    expect(reqs[0]!.setupRequest({}, {}).path).toBe(reqs[0]!.setupRequest({}, {}).path);
  });

  it('builds a Prometheus query_range URL', () => {
    const path = rangeQueryPath('rate(x[5m])', { startSec: 100, endSec: 200, stepSec: 15 });
    expect(path.startsWith('/api/v1/query_range?')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(path.split('?')[1]))).toEqual({ query: 'rate(x[5m])', start: '100', end: '200', step: '15' });
  });
});
