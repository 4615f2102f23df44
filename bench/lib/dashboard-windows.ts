/**
 * Grafana-like query windows for the dashboard scenarios. Pure: the clock is passed in.
 *
 * Grafana's Prometheus data source aligns a panel's range to its step, flooring both ends
 * (`alignRange` in public/app/plugins/datasource/prometheus/datasource.ts, UTC offset 0), and a
 * refresh of a relative range ("Last 6 hours") computes `now` once for all panels of the
 * dashboard. So viewers refreshing at the same moment send identical windows, and each refresh
 * slides every window forward by the time elapsed, snapped to the step.
 */
export interface Panel {
  title: string;
  expr: string;
  stepSec: number;
}

export interface Window {
  startSec: number;
  endSec: number;
  stepSec: number;
}

export const SIX_HOURS_MS = 6 * 3_600_000;

/** The window a "last rangeMs" panel with this step asks for at `nowMs`. */
export function alignedWindow(nowMs: number, rangeMs: number, stepSec: number): Window {
  if (!(stepSec > 0) || !Number.isInteger(stepSec)) throw new RangeError(`step must be a positive integer of seconds, got ${stepSec}`);
  if (!(rangeMs > 0)) throw new RangeError(`range must be positive, got ${rangeMs}`);
  const floorTo = (sec: number): number => Math.floor(sec / stepSec) * stepSec;
  return { startSec: floorTo((nowMs - rangeMs) / 1000), endSec: floorTo(nowMs / 1000), stepSec };
}

export function rangeQueryPath(expr: string, w: Window): string {
  const q = new URLSearchParams({ query: expr, start: String(w.startSec), end: String(w.endSec), step: String(w.stepSec) });
  return `/api/v1/query_range?${q.toString()}`;
}
