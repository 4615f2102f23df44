import { describe, expect, it } from 'vitest';
import { dataWindow, stepWindow, windowOfRange } from '../../../src/ha/index.js';
import { analyzeQuery, type QueryAnalysis } from '../../../src/promql/index.js';

const S = 1000;
const M = 60 * S;
const LOOKBACK = 5 * M;
const T = 1_700_000_000_000;
const WINDOW = { start: T, end: T + 3600 * S };

function analysis(expr: string): QueryAnalysis {
  const a = analyzeQuery(expr);
  if (!a.ok) throw new Error(a.reason);
  return a;
}

describe('dataWindow: what one evaluation reads', () => {
  it.each([
    ['up', LOOKBACK, 0, true],
    // Range selectors do not use the lookback delta; adding it anyway only errs on the safe side.
    ['rate(x[10m])', 10 * M + LOOKBACK, 0, true],
    ['x offset 1h', 60 * M + LOOKBACK, 0, true],
    ['x offset -2m', LOOKBACK, 2 * M, true],
    ['max_over_time(rate(x[1m])[10m:30s])', 11 * M + LOOKBACK, 0, true],
    ['rate(x[1m] @ end())', LOOKBACK, 0, false],
  ])('%s reads %i ms before and %i after; splittable %s', (expr, before, after, splittable) => {
    expect(dataWindow(analysis(expr), LOOKBACK, WINDOW)).toMatchObject({ beforeMs: before, afterMs: after, splittable });
  });

  it('range() makes the window unsplittable: a slice would see its own range', () => {
    const a = analyzeQuery('rate(x[range()])', { rangeMs: 3600 * S });
    expect(a.ok && dataWindow(a, LOOKBACK, WINDOW)).toMatchObject({ beforeMs: 3600 * S + LOOKBACK, splittable: false });
  });

  it('pins at a number become one fixed interval with the lookback, both ends read', () => {
    const w = dataWindow(analysis('rate(x[1m] @ 1700000000) + y'), LOOKBACK, WINDOW);
    expect(w.pinned).toEqual([{ start: T - M - LOOKBACK, end: T + 1 }]);
    expect(w.beforeMs).toBe(LOOKBACK);
  });

  it('pins at start() and end() resolve against the client window', () => {
    const w = dataWindow(analysis('x @ start() + y offset -1m @ end()'), LOOKBACK, WINDOW);
    expect(w.pinned).toEqual([
      { start: WINDOW.start - LOOKBACK, end: WINDOW.start + 1 },
      { start: WINDOW.end - LOOKBACK, end: WINDOW.end + M + 1 },
    ]);
    expect(w.splittable).toBe(false);
  });

  it('overlapping pins are joined', () => {
    const w = dataWindow(analysis('x @ 100 + y @ 101'), LOOKBACK, WINDOW);
    expect(w.pinned).toEqual([{ start: 100 * S - LOOKBACK, end: 101 * S + 1 }]);
  });

  it('rejects a negative or non-finite lookback delta', () => {
    expect(() => dataWindow(analysis('up'), -1, WINDOW)).toThrow(RangeError);
    expect(() => dataWindow(analysis('up'), NaN, WINDOW)).toThrow(RangeError);
  });
});

describe('stepWindow / windowOfRange', () => {
  const w = dataWindow(analysis('rate(x[1m] offset -30s)'), LOOKBACK, WINDOW);

  it('a step reads [t - before, t + after] with both ends, as a half-open interval', () => {
    expect(stepWindow(w, T)).toEqual({ start: T - 30 * S - LOOKBACK, end: T + 30 * S + 1 });
  });

  it('the range reads from the first step window to the last', () => {
    const r = windowOfRange(w, T, T + 10 * M);
    expect(r.span).toEqual({ start: stepWindow(w, T).start, end: stepWindow(w, T + 10 * M).end });
    expect(r.pinned).toEqual([]);
    expect(r.all).toEqual([r.span]);
  });

  it('all joins the span with pins far away', () => {
    const p = dataWindow(analysis('x + y @ 100'), LOOKBACK, WINDOW);
    const r = windowOfRange(p, T, T);
    expect(r.all).toEqual([p.pinned[0], r.span]);
  });
});
