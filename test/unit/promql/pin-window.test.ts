import { describe, expect, it } from 'vitest';
import { analyzeQuery, pinStartEnd } from '../../../src/promql/index.js';

describe('pinStartEnd: @ start() and @ end() made absolute, so a slice of a window reads what the whole did', () => {
  it.each([
    ['x - x @ start()', 'x - x @ 1793471400'],
    ['rate(y[5m] @ end ( ))', 'rate(y[5m] @ 1793484000.500)'],
    ['max_over_time(x[10m:1m] @ start()) / x @ end()', 'max_over_time(x[10m:1m] @ 1793471400) / x @ 1793484000.500'],
    ['x @ 1700000000', 'x @ 1700000000'],
    ['sum(x)', 'sum(x)'],
  ])('%s → %s', (query, want) => {
    expect(pinStartEnd(query, 1793471400000, 1793484000500)).toBe(want);
  });

  it('the rewritten query reads the same pinned times and no longer depends on its window', () => {
    const pinned = pinStartEnd('x - x @ start()', 1793471400000, 1793484000000)!;
    const a = analyzeQuery(pinned);
    expect(a.ok && a.dependsOnWindow).toBe(false);
    expect(a.ok && a.pinnedReads.map((p) => p.at)).toEqual([1793471400000]);
  });

  it('negative times keep their sign below one second', () => {
    expect(pinStartEnd('x @ start()', -500, 0)).toBe('x @ -0.500');
  });

  it('a query that does not parse is not rewritten', () => {
    expect(pinStartEnd('x @ start(', 1, 2)).toBeUndefined();
    expect(pinStartEnd('sum(', 1, 2)).toBeUndefined();
  });
});
