/**
 * Dashboard users refreshing on a clock of dashboard time (the virtual clock).
 *
 * Grafana refreshes a dashboard every N seconds of wall time. A bench that slept 10 s between
 * refreshes would measure its own timers, not the front end, and could not compare throughput.
 * So the load is closed loop (a user refreshes again as soon as its previous refresh is answered)
 * on a virtual clock: user u's k-th refresh happens at `anchor + k·every + u·every/users` of
 * dashboard time (users spread evenly over one interval, as browsers opened at different moments
 * are), but never later than the wall clock. A target that outruns the schedule catches up with
 * real time and from then on refreshes at the wall clock, back to back, windows sliding with it.
 *
 * Each refresh takes `now` once for all its panels and aligns every window to its panel's step,
 * as Grafana does (dashboard-windows.ts). Pure but for the clock passed in.
 */
import { alignedWindow, rangeQueryPath, type Panel } from './dashboard-windows.js';
import type { LoadRequest } from './load.js';
import { RANGE_POINTS_KEY, windowPoints } from './range-points.js';

export interface RefreshSchedule {
  /** Dashboard time of user 0's first refresh. */
  anchorMs: number;
  /** Dashboard time between two refreshes of one user (Grafana's refresh interval). */
  everyMs: number;
  users: number;
}

/** No virtual clock: every refresh at the wall clock, back to back (failover, outage: faults happen in real time). */
export const WALL_CLOCK: RefreshSchedule = { anchorMs: Infinity, everyMs: 0, users: 1 };

/** Dashboard time of user `user`'s `k`-th refresh (both from 0), capped at the wall clock. */
export function refreshAtMs(s: RefreshSchedule, user: number, k: number, wallMs: number): number {
  return Math.min(s.anchorMs + k * s.everyMs + (user * s.everyMs) / s.users, wallMs);
}

/**
 * One user's dashboard as autocannon requests: one per panel, in order; the connection loops over
 * them, each loop one refresh. The first panel of a loop moves the user's clock on. Each request
 * leaves its window's grid points in the connection's context for the count of range points asked.
 */
export function userRefreshes(panels: readonly Panel[], rangeMs: number, s: RefreshSchedule, user: number, wallMs: () => number): LoadRequest[] {
  let k = 0;
  let nowMs = 0;
  return panels.map((panel, i) => ({
    setupRequest: (req, context) => {
      if (i === 0) nowMs = refreshAtMs(s, user, k++, wallMs());
      const w = alignedWindow(nowMs, rangeMs, panel.stepSec);
      context[RANGE_POINTS_KEY] = windowPoints(w);
      return { ...req, path: rangeQueryPath(panel.expr, w) };
    },
  }));
}
