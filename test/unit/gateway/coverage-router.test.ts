import { describe, expect, it } from 'vitest';
import { validateConfig, type HaConfig } from '../../../src/config/index.js';
import { CoverageRouter } from '../../../src/gateway/coverage-router.js';
import { CoverageMap, type Interval } from '../../../src/ha/index.js';
import { analyzeQuery, pinStartEnd } from '../../../src/promql/index.js';
import type { NormalizedRequest } from '../../../src/query/index.js';

type QueryRequest = Extract<NormalizedRequest, { endpoint: 'query' | 'query_range' }>;

const T0 = 1_700_000_000_000;
const S = 1000;
const i = (start: number, end: number): Interval => ({ start, end });

function haConfig(ha: Record<string, unknown> = {}): HaConfig {
  return validateConfig({ replicas: [{ url: 'http://a:9090', name: 'a' }], ha: { lookback_delta: '5s', ...ha } }).ha;
}

/**
 * A CoverageMap with exactly these holes, filled the way the prober fills it: each hole [s, e) is
 * one probe of three buckets (e - s - 1 wide, at steps e - 1 - width, e - 1, e - 1 + width) in which
 * its replica lacks the sample of the middle one and every other replica has all three: only the
 * middle step is judged (the first and last lack a neighbour), and its verified time is the hole.
 * Holes of different replicas must not meet (a probe window is re-verified for every replica that
 * answers it).
 */
function mapWith(names: string[], holes: Record<string, Interval[]>): CoverageMap {
  const map = new CoverageMap(names, 100);
  const all = Object.entries(holes).flatMap(([name, list]) => list.map((h) => ({ name, h })));
  for (const { name, h } of all) {
    if (all.some((o) => o.name !== name && o.h.start <= h.end && h.start <= o.h.end)) throw new Error('holes of two replicas meet');
    const t = h.end - 1;
    const b = h.end - h.start - 1;
    const counts = new Map(names.map((n) => [n, new Map(n === name ? [[t - b, 1], [t + b, 1]] : [[t - b, 1], [t, 1], [t + b, 1]])]));
    map.applyProbe({ bucketMs: b, steps: [t - b, t, t + b], counts }, () => true);
  }
  // Replicas probed (and their history verified alike) even when they have no holes.
  const early = T0 - 10_000_000;
  map.applyProbe({ bucketMs: 1, steps: [early - 1, early, early + 1], counts: new Map(names.map((n) => [n, new Map()])) }, () => true);
  return map;
}

function router(map: CoverageMap, opts: { live?: string[]; cfg?: HaConfig } = {}): CoverageRouter {
  return new CoverageRouter(opts.cfg ?? haConfig(), { map, live: () => opts.live ?? map.names, analyze: (q) => analyzeQuery(q) });
}

const range = (query: string, start: number, end: number, step: number, params: [string, string][] = []): QueryRequest => ({
  endpoint: 'query_range',
  query,
  start,
  end,
  step,
  params,
});
const instant = (query: string, time: number | undefined, params: [string, string][] = []): QueryRequest =>
  time === undefined ? { endpoint: 'query', query, params } : { endpoint: 'query', query, time, params };

// Steps T0, T0 + 10 s, …; with a 5 s lookback each reads [t - 5 s, t].
// a lacks the sample read by step T0 + 30 s, b the one read by step T0 + 60 s.
const HOLES = { a: [i(T0 + 30 * S, T0 + 30 * S + 2)], b: [i(T0 + 60 * S, T0 + 60 * S + 2)] };

describe('CoverageRouter.forQuery: the grid', () => {
  it('aligns the grid end to start + k * step: a gap after the last step Prometheus evaluates does not count', () => {
    // end T0 + 95 s is not on the grid: the last step is T0 + 90 s, which reads up to T0 + 90 s.
    const map = mapWith(['a', 'b'], { a: [i(T0 + 90 * S + 1, T0 + 95 * S + 1)] });
    expect(router(map).forQuery(range('up', T0, T0 + 95 * S, 10 * S), T0 + 1000 * S)).toMatchObject({ kind: 'any' });
    const onGrid = router(map).forQuery(range('up', T0, T0 + 100 * S, 10 * S), T0 + 1000 * S);
    expect(onGrid).toMatchObject({ kind: 'only', replicas: ['b'] });
  });

  it('splits on the client grid, the last slice ending on the last step evaluated', () => {
    const route = router(mapWith(['a', 'b'], HOLES)).forQuery(range('up', T0, T0 + 95 * S, 10 * S), T0 + 1000 * S);
    expect(route.kind).toBe('split');
    if (route.kind !== 'split') return;
    expect(route.slices).toEqual([
      { start: T0, end: T0 + 50 * S, replica: 'b', complete: true },
      { start: T0 + 60 * S, end: T0 + 90 * S, replica: 'a', complete: true },
    ]);
    expect(route.sliceQuery).toBeUndefined();
    expect(route.window).toMatchObject({ beforeMs: 5 * S, afterMs: 0, splittable: true });
    expect(route.candidates?.map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('only the live replicas are candidates, in the order given', () => {
    const map = mapWith(['a', 'b', 'c'], { a: [i(T0 + 30 * S, T0 + 30 * S + 2)] });
    expect(router(map, { live: ['c', 'a', 'b'] }).forQuery(range('up', T0, T0 + 90 * S, 10 * S), T0)).toMatchObject({ kind: 'only', replicas: ['c', 'b'] });
    expect(router(map, { live: ['b'] }).forQuery(range('up', T0, T0 + 90 * S, 10 * S), T0)).toMatchObject({ kind: 'any' });
  });

  it('an instant query without time is evaluated at now', () => {
    const map = mapWith(['a', 'b'], HOLES);
    expect(router(map).forQuery(instant('up', undefined), T0 + 30 * S)).toMatchObject({ kind: 'only', replicas: ['b'] });
    expect(router(map).forQuery(instant('up', undefined), T0 + 45 * S)).toMatchObject({ kind: 'any' });
    expect(router(map).forQuery(instant('up', T0 + 60 * S), T0 + 30 * S)).toMatchObject({ kind: 'only', replicas: ['a'] });
  });

  it('routes as usual when disabled, when the query does not parse, and when the planner refuses the grid', () => {
    const map = mapWith(['a', 'b'], HOLES);
    expect(router(map, { cfg: haConfig({ enabled: false }) }).forQuery(range('up', T0, T0 + 90 * S, 10 * S), T0)).toEqual({ kind: 'any' });
    expect(router(map).forQuery(range('sum(', T0, T0 + 90 * S, 10 * S), T0)).toEqual({ kind: 'any' });
    // 20,001 steps: more than Prometheus takes (normalizeRequest refuses it before; the router copes).
    expect(router(map).forQuery(range('up', T0, T0 + 20_000 * S, S), T0)).toEqual({ kind: 'any' });
  });
});

describe('CoverageRouter.forQuery: @ start() and @ end()', () => {
  const Q = 'up - up @ end()';

  it('resolves @ end() against the client end, not the last grid step', () => {
    // The pin reads [T0 + 90 s, T0 + 95 s]; the steps only up to T0 + 90 s.
    const map = mapWith(['a', 'b'], { a: [i(T0 + 93 * S, T0 + 93 * S + 2)] });
    const route = router(map).forQuery(range(Q, T0, T0 + 95 * S, 10 * S), T0);
    expect(route).toMatchObject({ kind: 'only', replicas: ['b'] });
    expect(route.window?.pinned).toEqual([i(T0 + 90 * S, T0 + 95 * S + 1)]);
  });

  it('pins them into sliceQuery so the window can be split after all', () => {
    const route = router(mapWith(['a', 'b'], HOLES)).forQuery(range(Q, T0, T0 + 95 * S, 10 * S), T0);
    expect(route.sliceQuery).toBe('up - up @ 1700000095');
    expect(route.sliceQuery).toBe(pinStartEnd(Q, T0, T0 + 95 * S));
    expect(route.window?.splittable).toBe(true);
    expect(route).toMatchObject({
      kind: 'split',
      slices: [
        { start: T0, end: T0 + 50 * S, replica: 'b', complete: true },
        { start: T0 + 60 * S, end: T0 + 90 * S, replica: 'a', complete: true },
      ],
    });
  });

  it('@ start() too, with millisecond precision', () => {
    const route = router(mapWith(['a', 'b'], HOLES)).forQuery(range('rate(up[1m] @ start()) + up', T0 + 500, T0 + 90 * S + 500, 10 * S), T0);
    expect(route.sliceQuery).toBe('rate(up[1m] @ 1700000000.500) + up');
    expect(route.kind).toBe('split');
  });

  it('an instant query has no slices to pin', () => {
    const route = router(mapWith(['a', 'b'], HOLES)).forQuery(instant(Q, T0 + 95 * S), T0);
    expect(route.sliceQuery).toBeUndefined();
  });

  it('a query with neither needs no sliceQuery', () => {
    const route = router(mapWith(['a', 'b'], HOLES)).forQuery(range('up @ 1700000100', T0, T0 + 90 * S, 10 * S), T0);
    expect(route).toEqual(expect.objectContaining({ kind: 'any' }));
    expect(route.sliceQuery).toBeUndefined();
  });
});

describe('CoverageRouter.forQuery: lookback_delta', () => {
  // An instant query at T0 + 100 s; a lacks a sample at T0 + 50 s, b one at T0 + 96 s.
  const map = () => mapWith(['a', 'b'], { a: [i(T0 + 50 * S, T0 + 50 * S + 2)], b: [i(T0 + 96 * S, T0 + 96 * S + 2)] });
  const at = T0 + 100 * S;

  it('a larger lookback_delta parameter widens what a step reads', () => {
    const route = router(map()).forQuery(instant('up', at, [['lookback_delta', '1m']]), at);
    expect(route.window?.beforeMs).toBe(60 * S);
    expect(route.kind).toBe('split');
    expect(router(map()).forQuery(instant('up', at, [['lookback_delta', '60']]), at).window?.beforeMs).toBe(60 * S);
    expect(router(map()).forQuery(instant('up', at, [['lookback_delta', '1.5']]), at).window?.beforeMs).toBe(5 * S);
  });

  it('a smaller one does not shrink it below the configured lookback (the replicas may use theirs)', () => {
    const route = router(map()).forQuery(instant('up', at, [['lookback_delta', '1s']]), at);
    expect(route.window?.beforeMs).toBe(5 * S);
    expect(route).toMatchObject({ kind: 'only', replicas: ['a'] });
  });

  it('without the parameter, the configured one', () => {
    expect(router(map()).forQuery(instant('up', at), at)).toMatchObject({ kind: 'only', replicas: ['a'], window: { beforeMs: 5 * S } });
    expect(router(map(), { cfg: haConfig({ lookback_delta: '1m' }) }).forQuery(instant('up', at), at).kind).toBe('split');
  });
});

describe('CoverageRouter.forTimeRange (labels, label values, series)', () => {
  const sec = (ms: number): string => String(ms / 1000);
  const map = () => mapWith(['a', 'b'], HOLES);

  it('only the replicas without a gap in [start, end]', () => {
    expect(router(map()).forTimeRange([['end', sec(T0 + 40 * S)], ['start', sec(T0)]])).toEqual({ kind: 'only', replicas: ['b'] });
    expect(router(map()).forTimeRange([['start', sec(T0 + 50 * S)], ['end', sec(T0 + 70 * S)]])).toEqual({ kind: 'only', replicas: ['a'] });
  });

  it('any when no replica has a gap there (both ends count, to the millisecond)', () => {
    expect(router(map()).forTimeRange([['start', sec(T0 + 31 * S)], ['end', sec(T0 + 59 * S)]])).toEqual({ kind: 'any' });
    expect(router(map()).forTimeRange([['start', '2023-11-14T22:13:50.002Z'], ['end', '2023-11-14T22:13:59.999Z']])).toEqual({ kind: 'any' });
    expect(router(map()).forTimeRange([['start', '2023-11-14T22:13:50.001Z'], ['end', '2023-11-14T22:13:59.999Z']])).toEqual({ kind: 'only', replicas: ['b'] });
    expect(router(map()).forTimeRange([['start', sec(T0 + 31 * S)], ['end', sec(T0 + 60 * S)]])).toEqual({ kind: 'only', replicas: ['a'] });
  });

  it('union when every live replica has a gap there', () => {
    expect(router(map()).forTimeRange([['start', sec(T0)], ['end', sec(T0 + 100 * S)]])).toEqual({ kind: 'union' });
  });

  it('a missing start or end reaches as far as it can; reversed ends are taken in order', () => {
    expect(router(map()).forTimeRange([])).toEqual({ kind: 'union' });
    expect(router(map()).forTimeRange([['start', sec(T0 + 50 * S)]])).toEqual({ kind: 'only', replicas: ['a'] });
    expect(router(map()).forTimeRange([['end', sec(T0 + 40 * S)]])).toEqual({ kind: 'only', replicas: ['b'] });
    expect(router(map()).forTimeRange([['start', sec(T0 + 40 * S)], ['end', sec(T0)]])).toEqual({ kind: 'only', replicas: ['b'] });
    expect(router(map()).forTimeRange([['start', ''], ['end', sec(T0 + 40 * S)]])).toEqual({ kind: 'only', replicas: ['b'] });
  });

  it('a replica no probe has reached is trusted nowhere', () => {
    const m = mapWith(['a', 'b'], {});
    const withC = new CoverageMap(['a', 'b', 'c'], 100);
    withC.applyProbe({ bucketMs: 10, steps: [T0 - 10, T0, T0 + 10], counts: new Map([['a', new Map()], ['b', new Map()]]) }, () => true);
    expect(router(m).forTimeRange([['start', sec(T0)]])).toEqual({ kind: 'any' });
    expect(router(withC).forTimeRange([['start', sec(T0)]])).toEqual({ kind: 'only', replicas: ['a', 'b'] });
  });

  it("a replica whose history was verified from a later time than the others' is trusted only after it (no hole or suspicion needed)", () => {
    const m = new CoverageMap(['a', 'b', 'c'], 100);
    const early = T0 - 10_000_000;
    m.applyProbe({ bucketMs: 10, steps: [early - 10, early, early + 10], counts: new Map([['a', new Map()], ['b', new Map()]]) }, () => true);
    // c compared with a from T0 - 10 on (c was down when the history was probed): no hole, no suspicion.
    m.applyProbe({ bucketMs: 10, steps: [T0 - 10, T0, T0 + 10], counts: new Map([['a', new Map()], ['c', new Map()]]) }, () => true);
    expect(m.of('c')).toMatchObject({ holes: [], suspect: [], probedFrom: T0 - 10 });
    expect(m.hasGaps).toBe(true);
    expect(router(m).forTimeRange([['start', sec(T0 - 100 * S)], ['end', sec(T0 - 50 * S)]])).toEqual({ kind: 'only', replicas: ['a', 'b'] });
    expect(router(m).forTimeRange([['start', sec(T0 - 11)], ['end', sec(T0)]])).toEqual({ kind: 'only', replicas: ['a', 'b'] });
    expect(router(m).forTimeRange([['start', sec(T0 - 10)], ['end', sec(T0 + 100 * S)]])).toEqual({ kind: 'any' });
  });

  it('any when disabled or when no replica is live', () => {
    expect(router(map(), { cfg: haConfig({ enabled: false }) }).forTimeRange([])).toEqual({ kind: 'any' });
    expect(router(map(), { live: [] }).forTimeRange([])).toEqual({ kind: 'any' });
  });
});

describe('CoverageRouter.forFederate', () => {
  const now = T0 + 100 * S;

  it('only the replicas holding the last lookback delta before now', () => {
    const map = mapWith(['a', 'b', 'c'], { a: [i(now - 3 * S, now - 3 * S + 2)] });
    expect(router(map).forFederate(now)).toEqual({ kind: 'only', replicas: ['b', 'c'] });
    // What it reads is taken as [now - 5 s, now]: the gap [now - 3 s, now - 2.998 s) counts until
    // now + 2.001 s and no longer.
    expect(router(map).forFederate(now + 2 * S + 1)).toEqual({ kind: 'only', replicas: ['b', 'c'] });
    expect(router(map).forFederate(now + 2 * S + 2)).toEqual({ kind: 'any' });
  });

  it('a suspect replica (down since its last probe) is left out', () => {
    const map = mapWith(['a', 'b'], {});
    map.markSuspect('b', now - 60 * S);
    expect(router(map).forFederate(now)).toEqual({ kind: 'only', replicas: ['a'] });
  });

  it('any when every replica or none has a gap there, or when disabled', () => {
    const both = mapWith(['a', 'b'], { a: [i(now - 3 * S, now - 3 * S + 2)], b: [i(now - 1 * S, now - 1 * S + 2)] });
    expect(router(both).forFederate(now)).toEqual({ kind: 'any' });
    expect(router(mapWith(['a', 'b'], {})).forFederate(now)).toEqual({ kind: 'any' });
    expect(router(mapWith(['a', 'b'], HOLES), { cfg: haConfig({ enabled: false }) }).forFederate(T0 + 30 * S)).toEqual({ kind: 'any' });
  });

  it('exposes the map and the live candidates with their gaps', () => {
    const map = mapWith(['a', 'b'], HOLES);
    const r = router(map, { live: ['b'] });
    expect(r.map).toBe(map);
    // The helper leaves exactly the holes meant.
    expect(map.gapsOf('a')).toEqual(HOLES.a);
    expect(map.gapsOf('b')).toEqual(HOLES.b);
    expect(r.candidates()).toEqual([{ name: 'b', gaps: HOLES.b }]);
  });
});
