import { describe, expect, it } from 'vitest';
import { alignedWindow, rangeQueryPath, SIX_HOURS_MS } from '../../../bench/lib/dashboard-windows.js';

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

describe('rangeQueryPath', () => {
  it('builds a Prometheus query_range URL', () => {
    const path = rangeQueryPath('rate(x[5m])', { startSec: 100, endSec: 200, stepSec: 15 });
    expect(path.startsWith('/api/v1/query_range?')).toBe(true);
    expect(Object.fromEntries(new URLSearchParams(path.split('?')[1]))).toEqual({ query: 'rate(x[5m])', start: '100', end: '200', step: '15' });
  });
});
