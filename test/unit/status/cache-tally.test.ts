import { describe, expect, it } from 'vitest';
import type { CacheObserver } from '../../../src/cache/cache-observer.js';
import { CacheTally } from '../../../src/status/cache-tally.js';

describe('CacheTally', () => {
  it('counts results by kind and passes every call on to the observer it wraps', () => {
    const calls: string[] = [];
    const inner: CacheObserver = {
      result: (e, r) => calls.push(`result ${e} ${r}`),
      coalesced: (e) => calls.push(`coalesced ${e}`),
      evicted: () => calls.push('evicted'),
      savedSeconds: (s) => calls.push(`saved ${s}`),
      planFailed: () => calls.push('planFailed'),
    };
    const tally = new CacheTally(inner);
    expect(tally.counts).toEqual({ hits: 0, misses: 0, partial: 0, bypass: 0 });
    tally.result('query', 'hit');
    tally.result('query', 'hit');
    tally.result('query_range', 'partial');
    tally.result('query', 'miss');
    tally.result('series', 'bypass');
    tally.coalesced('query');
    tally.evicted();
    tally.savedSeconds(1.5);
    tally.planFailed();
    expect(tally.counts).toEqual({ hits: 2, misses: 1, partial: 1, bypass: 1 });
    expect(calls).toEqual([
      'result query hit',
      'result query hit',
      'result query_range partial',
      'result query miss',
      'result series bypass',
      'coalesced query',
      'evicted',
      'saved 1.5',
      'planFailed',
    ]);
  });
});
