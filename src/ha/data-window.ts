/**
 * What one evaluation of a query reads, as intervals a replica's holes can be tested against.
 *
 * Prometheus evaluates each step t of a range query on its own
 * (https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries). At t, an instant
 * selector sees samples in (t - lookback delta, t] and a range selector `[r]` those in (t - r, t],
 * both moved back by their offset; the left ends are open since Prometheus 3
 * (https://prometheus.io/docs/prometheus/latest/migration/, PromQL section).
 * We take the closed window [t - before, t + after], one millisecond more than needed on the left:
 * a replica wrongly believed to lack data only costs a split, never a wrong answer. For the same
 * reason the lookback delta is added even where only range selectors read (they do not use it).
 *
 * A selector or subquery pinned by `@` reads around a fixed time instead, the same interval for
 * every step (https://prometheus.io/docs/prometheus/latest/querying/basics/#modifier).
 */
import type { QueryAnalysis } from '../promql/index.js';
import { normalize, union, type Interval, type Intervals } from './intervals.js';

export interface DataWindow {
  /** How far before t one evaluation reads: lookbehind plus the lookback delta. */
  readonly beforeMs: number;
  /** How far after t one evaluation reads (negative offsets). */
  readonly afterMs: number;
  /** Absolute intervals read by every evaluation (`@` pins), normalized. */
  readonly pinned: Intervals;
  /**
   * False when a step's value depends on the query's own window (`@ start()`, `@ end()`,
   * `range()`): a slice sent as its own query would resolve those against its own start and end,
   * so the range must go to one replica whole.
   */
  readonly splittable: boolean;
  /**
   * False when every selector is pinned by `@` (or there is none): a step then reads nothing
   * around its own time, and only the pins decide which replica may answer it.
   */
  readonly stepReads?: boolean;
}

function assertDuration(name: string, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`${name} must be a finite non-negative number of ms, got ${ms}`);
}

/**
 * The data window of `analysis` under `lookbackDeltaMs` (the request's `lookback_delta` or the
 * server's default, 5m). `window` is the client's query window ({ start: t, end: t } for an
 * instant query) and resolves pins at `start()`/`end()` as Prometheus does.
 */
export function dataWindow(analysis: QueryAnalysis, lookbackDeltaMs: number, window: { start: number; end: number }): DataWindow {
  assertDuration('lookback delta', lookbackDeltaMs);
  assertDuration('lookbehind', analysis.lookbehindMs);
  assertDuration('lookahead', analysis.lookaheadMs);
  const pinned = analysis.pinnedReads.map((p): Interval => {
    const at = p.at === 'start' ? window.start : p.at === 'end' ? window.end : p.at;
    return { start: at - p.lookbehindMs - lookbackDeltaMs, end: at + p.lookaheadMs + 1 };
  });
  return {
    beforeMs: analysis.lookbehindMs + lookbackDeltaMs,
    afterMs: analysis.lookaheadMs,
    pinned: normalize(pinned),
    splittable: !analysis.dependsOnWindow,
    stepReads: analysis.readsAtEval,
  };
}

/** What the evaluation at t reads besides pins: [t - before, t + after + 1), i.e. both ends in. */
export function stepWindow(w: DataWindow, t: number): Interval {
  if (w.stepReads === false) return { start: t, end: t };
  return { start: t - w.beforeMs, end: t + w.afterMs + 1 };
}

/**
 * What evaluating every step in [start, end] reads: `span` joins the step windows (they overlap
 * or touch whenever before + after + 1 >= step; when they do not, span is a superset, which is the
 * safe side for a quick "does this replica have any hole here" test), and `pinned` the pins.
 * `all` is their union.
 */
export function windowOfRange(w: DataWindow, start: number, end: number): { span: Interval; pinned: Intervals; all: Intervals } {
  const span = w.stepReads === false ? { start, end: start } : { start: start - w.beforeMs, end: end + w.afterMs + 1 };
  return { span, pinned: w.pinned, all: union(normalize([span]), w.pinned) };
}
