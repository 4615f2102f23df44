/**
 * Grafana-like query windows for the dashboard scenario. Pure: the clock is passed in.
 *
 * Grafana's Prometheus data source aligns a panel's range to its step, flooring both ends
 * (`alignRange` in public/app/plugins/datasource/prometheus/datasource.ts, UTC offset 0), and a
 * refresh of a relative range ("Last 6 hours") computes `now` once for all panels of the
 * dashboard. So viewers refreshing at the same moment send identical windows, and each refresh
 * slides every window forward by the time elapsed, snapped to the step.
 */

import { RANGE_POINTS_KEY, windowPoints } from './range-points.js';

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

/** What autocannon's `setupRequest` needs: a function of the per-connection context. */
export interface DashboardRequest {
  setupRequest: (req: { path?: string }, context: Record<string, unknown>) => { path: string };
}

/**
 * One request per panel, in order; a connection loops over them, so each connection is one
 * viewer refreshing the dashboard back to back. The first panel of a loop reads the clock and
 * keeps it in the connection's context (autocannon resets the context at the start of each
 * loop), so every panel of one refresh shares one `now`, as in Grafana. It also leaves the
 * window's grid points in the context under RANGE_POINTS_KEY, for the load generator's count of
 * range points asked.
 */
export function dashboardRequests(panels: readonly Panel[], rangeMs: number, nowMs: () => number): DashboardRequest[] {
  if (panels.length === 0) throw new RangeError('a dashboard needs at least one panel');
  return panels.map((panel, i) => ({
    setupRequest: (req, context) => {
      const kept = context.refreshAtMs;
      const now = i === 0 || typeof kept !== 'number' ? nowMs() : kept;
      context.refreshAtMs = now;
      const w = alignedWindow(now, rangeMs, panel.stepSec);
      context[RANGE_POINTS_KEY] = windowPoints(w);
      return { ...req, path: rangeQueryPath(panel.expr, w) };
    },
  }));
}
