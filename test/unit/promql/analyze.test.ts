import { describe, expect, it } from 'vitest';
import { analyzeQuery } from '../../../src/promql/index.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('analyzeQuery: how far around t a query reads', () => {
  it.each([
    ['up', 0, 0],
    ['1 + 1', 0, 0],
    ['time()', 0, 0],
    ['vector(1)', 0, 0],
    ['rate(x[5m])', 5 * M, 0],
    ['sum by (job) (rate(http_requests_total{job="api",code=~"5.."}[5m]))', 5 * M, 0],
    ['histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10m])))', 10 * M, 0],
    ['x offset 1h', H, 0],
    ['x offset -5m', 0, 5 * M],
    ['rate(x[5m] offset -10m)', 0, 10 * M],
    ['rate(x[10m] offset -5m)', 5 * M, 5 * M],
    ['rate(x[1h30m])', H + 30 * M, 0],
    ['avg_over_time(x[1d])', D, 0],
    ['max_over_time(x[2w])', 14 * D, 0],
    ['increase(x[1y])', 365 * D, 0],
    ['rate(x[500ms])', 500, 0],
    ['rate(x[300])', 300 * S, 0],
    ['rate(x[1.5])', 1500, 0],
    ['max_over_time(rate(x[1m])[10m:30s] offset 5m)', M + 10 * M + 5 * M, 0],
    ['max_over_time(x[10m:])', 10 * M, 0],
    ['min_over_time(rate(x[1m] offset 2m)[1h:5m])', M + 2 * M + H, 0],
    ['x - x offset 1d', D, 0],
    ['sum(x) - y offset 1d', D, 0],
    ['-x offset 5m', 5 * M, 0],
    ['x > bool on(a) group_left y offset 1d', D, 0],
    ['x offset 1h + y offset -1h * z', H, H],
    ['rate(x[5m]) / rate(y[1h] offset 1d)', H + D, 0],
    ['x offset 1h or y offset -1h', H, H],
    ['rate(x[1m+30s])', 90 * S, 0],
    ['rate(x[(1m+30s)*2])', 3 * M, 0],
    ['x offset (2*1m)', 2 * M, 0],
    ['x offset -(1m+1m)', 0, 2 * M],
    ['rate(x[5m%2m])', M, 0],
    ['label_replace(rate(x[5m]), "a", "$1", "b", "(.*)")', 5 * M, 0],
    ['-rate(x[5m])', 5 * M, 0],
    ['abs(x offset 1m) > bool 3', M, 0],
    ['sum(x) # a comment\n + rate(y[2m])', 2 * M, 0],
    ['topk(3, x offset 1h)', H, 0],
  ])('%s → %i ms behind, %i ahead', (expr, behind, ahead) => {
    const r = analyzeQuery(expr);
    expect(r).toMatchObject({ ok: true, lookbehindMs: behind, lookaheadMs: ahead });
  });

  it('reports subqueries', () => {
    expect(analyzeQuery('max_over_time(rate(x[1m])[10m:30s])')).toMatchObject({ ok: true, hasSubquery: true, dependsOnWindow: false });
    expect(analyzeQuery('rate(x[1m])')).toMatchObject({ ok: true, hasSubquery: false });
  });
});

describe('analyzeQuery: @ modifier', () => {
  it.each([
    ['x @ start()', 'start'],
    ['x @ end()', 'end'],
    ['rate(x[5m] @ end())', 'end'],
    ['max_over_time(x[10m:1m] @ start())', 'start'],
  ])('%s depends on the window', (expr, at) => {
    const r = analyzeQuery(expr);
    expect(r).toMatchObject({ ok: true, usesAtStartEnd: true, dependsOnWindow: true, lookbehindMs: 0, lookaheadMs: 0 });
    expect(r.ok && r.pinnedReads.map((p) => p.at)).toEqual([at]);
  });

  it.each([
    ['x @ 1700000000', [1700000000000]],
    ['x @ 1700000000.5', [1700000000500]],
    ['x @ 1.7e9', [1700000000000]],
    ['x @ -100', [-100000]],
    ['x @ 5m', [300000]],
    ['x @ 0x10', [16000]],
    ['x @ 100 + y @ 100 + z @ 50', [50000, 100000]],
  ])('%s pins to absolute times', (expr, times) => {
    expect(analyzeQuery(expr)).toMatchObject({ ok: true, usesAtStartEnd: false, dependsOnWindow: false, atTimestampsMs: times });
  });

  it('offset applies relative to the pinned time, in either order', () => {
    for (const expr of ['rate(x[5m] offset 1h @ 100)', 'rate(x[5m] @ 100 offset 1h)']) {
      const r = analyzeQuery(expr);
      expect(r).toMatchObject({ ok: true, lookbehindMs: 0, lookaheadMs: 0, pinnedReads: [{ at: 100000, lookbehindMs: 5 * M + H, lookaheadMs: 0 }] });
    }
    expect(analyzeQuery('x @ end() offset -5m')).toMatchObject({ ok: true, pinnedReads: [{ at: 'end', lookbehindMs: 0, lookaheadMs: 5 * M }] });
  });

  it('pinned and free reads are kept apart', () => {
    const r = analyzeQuery('rate(x[5m]) - rate(x[1h] @ end())');
    expect(r).toMatchObject({ ok: true, lookbehindMs: 5 * M, dependsOnWindow: true, pinnedReads: [{ at: 'end', lookbehindMs: H }] });
  });

  it('a modifier after a binary expression belongs to its right operand, as in Prometheus', () => {
    // lezer-promql parses `x @ 100 + y @ 200` as `(x @ 100 + y) @ 200`.
    expect(analyzeQuery('x @ 100 + y @ 200')).toMatchObject({ ok: true, lookbehindMs: 0, atTimestampsMs: [100000, 200000] });
    expect(analyzeQuery('rate(x[5m]) - rate(x[5m] @ end())')).toMatchObject({ ok: true, lookbehindMs: 5 * M, usesAtStartEnd: true });
    expect(analyzeQuery('x - y @ end() offset 1h')).toMatchObject({ ok: true, lookbehindMs: 0, pinnedReads: [{ at: 'end', lookbehindMs: H }] });
  });

  it('an @ inside a subquery is not moved by the subquery range or offset', () => {
    const r = analyzeQuery('max_over_time((x @ 100 + y)[10m:1m] offset 5m)');
    expect(r).toMatchObject({ ok: true, lookbehindMs: 15 * M, pinnedReads: [{ at: 100000, lookbehindMs: 0, lookaheadMs: 0 }] });
  });
});

describe('analyzeQuery: step() and range()', () => {
  it('step() needs the step; it does not make the query window-dependent', () => {
    expect(analyzeQuery('rate(x[step()])')).toMatchObject({ ok: false });
    expect(analyzeQuery('rate(x[step()*4])', { stepMs: 15 * S })).toMatchObject({ ok: true, lookbehindMs: M, usesStepFn: true, dependsOnWindow: false });
  });

  it('range() makes the query window-dependent', () => {
    expect(analyzeQuery('rate(x[range()])')).toMatchObject({ ok: false });
    expect(analyzeQuery('rate(x[range()])', { rangeMs: H })).toMatchObject({ ok: true, lookbehindMs: H, usesRangeFn: true, dependsOnWindow: true });
  });

  it('step() or range() as a subquery resolution is flagged without being needed', () => {
    expect(analyzeQuery('max_over_time(x[10m:step()])')).toMatchObject({ ok: true, usesStepFn: true, lookbehindMs: 10 * M });
    expect(analyzeQuery('max_over_time(x[10m:range()])')).toMatchObject({ ok: true, usesRangeFn: true, dependsOnWindow: true });
  });
});

describe('analyzeQuery: refusals', () => {
  it.each([
    ['', 'empty'],
    ['rate(x[5m]', 'unclosed call'],
    ['x +', 'missing operand'],
    ['sum(x', 'unclosed aggregation'],
    ['x{a="b"', 'unclosed matchers'],
    ['x[5m', 'unclosed range'],
    ['rate(x[min(5m, 1m)])', 'unknown duration syntax'],
    ['(sum(x)) @ start()', '@ on a parenthesized expression (Prometheus refuses it)'],
    ['sum(x) offset 5m', 'offset on an aggregation'],
    ['x offset 1m offset 2m', 'offset twice'],
    ['x + y offset 1m offset 2m', 'offset twice, lezer nesting'],
    ['quantile_over_time(0.9, x[15m]) offset 5m', 'offset on a function call'],
    ['min_over_time((rate(x[1m]) offset 2m)[1h:5m])', 'offset on a parenthesized expression'],
    ['max_over_time(x + y[10m:])', 'subquery of a binary expression'],
    ['x[1m/0]', 'division by zero'],
    ['increase(x[5m] anchored)', 'experimental anchored modifier'],
    ['x smoothed', 'experimental smoothed modifier'],
  ])('%j (%s) → ok:false', (expr) => {
    const r = analyzeQuery(expr);
    expect(r.ok).toBe(false);
  });
});

// Regression (review finding): a query nested deep enough overflowed the stack inside the
// analysis, and promgate answered its own 502 where Prometheus answers 200.
describe('analyzeQuery on pathological depth', () => {
  it('never throws; at worst the query is not analysable', () => {
    const deep = `${'('.repeat(20_000)}up${')'.repeat(20_000)}`;
    const long = `up${' + up'.repeat(20_000)}`;
    for (const q of [deep, long]) expect(() => analyzeQuery(q)).not.toThrow();
  });
});
