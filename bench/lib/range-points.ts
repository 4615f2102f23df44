/**
 * Range points: how much of the range the clients asked for the replicas really evaluated. The
 * cache issue's target is "slid windows making the replicas evaluate under 5% of the range
 * asked"; this module holds the pure parts of that measurement:
 *
 *   asked      Σ over query_range requests answered OK of the window's grid points
 *   evaluated  Σ over the replicas' query-log entries for query_range of the grid points
 *   share      evaluated / asked
 *
 * A grid point is counted as Prometheus counts steps: floor((end − start) / step) + 1.
 */
import { parsePrometheusStep, parsePrometheusTime } from '../../src/query/index.js';
import type { Window } from './dashboard-windows.js';
import { ratioOf } from './stats.js';
import type { RangePoints } from './types.js';

/**
 * Key in autocannon's per-connection context under which a request's `setupRequest` leaves the
 * grid points of the window it built (see userRefreshes); the load generator adds it to the
 * asked total when that request is answered OK.
 */
export const RANGE_POINTS_KEY = 'rangePoints';

/** Steps Prometheus evaluates for [start, end] every step (all ms); 0 for an empty or bad window. */
export function gridPoints(startMs: number, endMs: number, stepMs: number): number {
  if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || !(stepMs > 0) || endMs < startMs) return 0;
  return Math.floor((endMs - startMs) / stepMs) + 1;
}

export function windowPoints(w: Window): number {
  return gridPoints(w.startSec * 1000, w.endSec * 1000, w.stepSec * 1000);
}

/** Grid points of a `/api/v1/query_range?...` path (any prefix); 0 for anything else. For fixed request templates: parse once, not per send. */
export function rangePointsOfPath(path: string): number {
  const q = path.indexOf('?');
  if (q < 0 || !path.slice(0, q).endsWith('/api/v1/query_range')) return 0;
  const p = new URLSearchParams(path.slice(q + 1));
  const start = p.get('start');
  const end = p.get('end');
  const step = p.get('step');
  if (start === null || end === null || step === null) return 0;
  return gridPoints(parsePrometheusTime(start) ?? NaN, parsePrometheusTime(end) ?? NaN, parsePrometheusStep(step) ?? NaN);
}

/** The result-model value: `null` when the evaluations could not be measured (no query logs). */
export function rangePointsOf(asked: number, evaluated: number | null): RangePoints | null {
  if (evaluated === null) return null;
  return { asked, evaluated, share: ratioOf(evaluated, asked) };
}

/** Over rounds: sums of asked and evaluated, share of the sums; `null` if any round is unmeasured or there are none. */
export function sumRangePoints(rounds: ReadonlyArray<RangePoints | null | undefined>): RangePoints | null {
  if (rounds.length === 0) return null;
  let asked = 0;
  let evaluated = 0;
  for (const r of rounds) {
    if (r === null || r === undefined) return null;
    asked += r.asked;
    evaluated += r.evaluated;
  }
  return rangePointsOf(asked, evaluated);
}

/** What one query-log line says about a range evaluation. */
export interface LoggedRange {
  startMs: number;
  endMs: number;
  stepMs: number;
  /** When the replica wrote the entry (the evaluation's end); NaN if the line had no `ts`. */
  tsMs: number;
}

/**
 * One line of Prometheus's query log (`global.query_log_file`, JSON per line, written when an
 * evaluation ends) if it is a range evaluation: `params.start`/`end` are RFC3339, `params.step`
 * whole seconds (0 for instant queries). A range query is told by its HTTP path when the entry
 * has one, otherwise by a step above 0. Anything else (instant queries, blank or torn lines,
 * e.g. one cut by a kill -9) is `undefined`.
 */
export function parseQueryLogLine(line: string): LoggedRange | undefined {
  if (!line.includes('"params"')) return undefined;
  let entry: unknown;
  try {
    entry = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof entry !== 'object' || entry === null) return undefined;
  const e = entry as { params?: { start?: unknown; end?: unknown; step?: unknown } | null; httpRequest?: { path?: unknown } | null; ts?: unknown };
  const params = e.params;
  if (typeof params !== 'object' || params === null || typeof params.start !== 'string' || typeof params.end !== 'string' || typeof params.step !== 'number') return undefined;
  const path = e.httpRequest?.path;
  const isRange = typeof path === 'string' ? path.endsWith('/query_range') : params.step > 0;
  if (!isRange) return undefined;
  return {
    startMs: Date.parse(params.start),
    endMs: Date.parse(params.end),
    stepMs: params.step * 1000,
    tsMs: typeof e.ts === 'string' ? Date.parse(e.ts) : NaN,
  };
}

export interface LogPoints {
  /** Grid points over the range entries counted. */
  points: number;
  /** Range entries counted. */
  entries: number;
  /** Range entries whose step the log cannot express (sub-second steps are logged as 0): not counted. */
  unmeasurable: number;
}

/**
 * Sums the grid points of the range evaluations in a chunk of query log, keeping only entries
 * written at or after `sinceMs` (entries without a time are kept: the caller's byte offset already
 * says they are new). Only complete lines count: a line still being written has no newline yet.
 */
export function evaluatedRangePoints(text: string, sinceMs = -Infinity): LogPoints {
  const out: LogPoints = { points: 0, entries: 0, unmeasurable: 0 };
  const end = text.lastIndexOf('\n');
  if (end < 0) return out;
  for (const line of text.slice(0, end).split('\n')) {
    const r = parseQueryLogLine(line);
    if (r === undefined || r.tsMs < sinceMs) continue;
    if (!(r.stepMs > 0)) {
      out.unmeasurable += 1;
      continue;
    }
    out.entries += 1;
    out.points += gridPoints(r.startMs, r.endMs, r.stepMs);
  }
  return out;
}
