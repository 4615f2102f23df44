import type { QueryAnalysis } from '../promql/index.js';

/**
 * When an answer may be cached. Data newer than `now - freshness` may still change (a scrape
 * lands late, a rule evaluates, a replica catches up), so an evaluation at t is settled only when
 * everything it reads — up to t plus any negative offset, and any `@` pinned time — lies before
 * that horizon. Pure: `now` is an argument.
 */
export function settledHorizon(nowMs: number, freshnessMs: number): number {
  return nowMs - freshnessMs;
}

/** The last evaluation time whose reads are all settled, or -Infinity if pinned reads never settle. */
export function lastSettledEvalTime(analysis: QueryAnalysis, horizonMs: number, window?: { start: number; end: number }): number {
  for (const pin of analysis.pinnedReads) {
    const at = pin.at === 'start' ? window?.start : pin.at === 'end' ? window?.end : pin.at;
    if (at === undefined || at + pin.lookaheadMs > horizonMs) return -Infinity;
  }
  return horizonMs - analysis.lookaheadMs;
}
