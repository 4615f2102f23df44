import { describe, expect, it } from 'vitest';
import { MAX_GRID_POINTS, planSlices, type DataWindow, type Interval, type SplitPlanInput } from '../../../src/ha/index.js';

const INF = Infinity;
const i = (start: number, end: number): Interval => ({ start, end });
/** Each step reads [t - 10, t + 2]. */
const W: DataWindow = { beforeMs: 10, afterMs: 2, pinned: [], splittable: true };
const GRID = { start: 100, end: 200, step: 10 };

function plan(replicas: Record<string, Interval[]>, over: Partial<SplitPlanInput> = {}) {
  const input: SplitPlanInput = {
    grid: GRID,
    window: W,
    replicas: Object.entries(replicas).map(([name, holes]) => ({ name, holes })),
    ...over,
  };
  return planSlices(input).slices.map((s) => `${s.start}-${s.end}:${s.replica}${s.complete ? '' : '!'}`);
}

describe('planSlices: one slice when one replica suffices', () => {
  it.each([
    ['one replica, no holes', { a: [] }, ['100-200:a']],
    ['the preferred replica wins ties', { a: [], b: [] }, ['100-200:a']],
    ['holes outside every step window', { a: [i(0, 90), i(203, 300)] }, ['100-200:a']],
    ['a preferred replica with a hole gives way to one without', { a: [i(150, 151)], b: [] }, ['100-200:b']],
  ])('%s', (_name, replicas, want) => expect(plan(replicas)).toEqual(want));
});

describe('planSlices: a hole against the edges of a step window (instant query at 150)', () => {
  const instant = { grid: { start: 150, end: 150, step: 1 } };
  it.each([
    ['ends exactly where the window starts', i(100, 140), true],
    ['ends one ms inside the window', i(100, 141), false],
    ['starts one ms after the window', i(153, 160), true],
    ['starts on the window last ms', i(152, 160), false],
    ['is one ms at the evaluation time', i(150, 151), false],
    ['swallows the window', i(-INF, INF), false],
  ])('hole that %s → complete %s', (_name, hole, complete) => {
    expect(plan({ a: [hole] }, instant)).toEqual([`150-150:a${complete ? '' : '!'}`]);
  });
});

describe('planSlices: splitting', () => {
  it.each([
    // a was down [125, 140): steps 130 and 140 read into it, 150 reads [140, 152] and is clean.
    [
      'a hole blocks exactly the steps whose windows meet it',
      { a: [i(125, 140)], b: [i(100, 110), i(180, 190)] },
      ['100-120:a', '130-170:b', '180-200:a'],
    ],
    // From 100, a reaches 140 and b 170: b is taken although a is preferred, saving a slice.
    ['fewer slices beat preference', { a: [i(125, 140)], b: [i(180, 190)] }, ['100-170:b', '180-200:a']],
    // Down since 170 and not back: the hole is open-ended.
    ['a replica down since t', { a: [i(170, INF)], b: [i(-INF, 120)] }, ['100-160:a', '170-200:b']],
    // Farthest reach: b reaches 200 from 130, so c (which reaches only 160) is never used.
    [
      'the replica reaching furthest is taken, not the preferred one',
      { a: [i(125, 126)], c: [i(-INF, 120), i(168, 169)], b: [i(-INF, 110)] },
      ['100-120:a', '130-200:b'],
    ],
    ['ties on reach go to the preferred replica', { a: [i(145, 146)], c: [i(-INF, 100)], b: [i(-INF, 100)] }, ['100-140:a', '150-200:c']],
    [
      'a step nobody covers goes to the least damaged replica and is marked',
      { a: [i(148, 150)], b: [i(145, 151)] },
      ['100-140:a', '150-150:a!', '160-200:a'],
    ],
    [
      'a run of uncovered steps is one slice, to the replica least damaged over the whole run',
      { a: [i(120, 150), i(160, 171)], b: [i(125, 161)] },
      // Per step a and b would alternate (130 b, 140-160 a, 170 b): three requests for five steps.
      // Over the run's reads [124, 177) a misses 41 ms and b 36: one slice, b.
      ['100-120:b', '130-170:b!', '180-200:b'],
    ],
    ['every replica has a hole over the whole window', { a: [i(0, 300)], b: [i(-INF, INF)] }, ['100-200:a!']],
    ['both holes swallow everything: the preferred one', { a: [i(-INF, INF)], b: [i(-INF, INF)] }, ['100-200:a!']],
  ])('%s', (_name, replicas, want) => expect(plan(replicas)).toEqual(want));
});

describe('planSlices: pinned reads (`@`)', () => {
  const pinned: DataWindow = { ...W, pinned: [i(40, 51)] };
  it.each([
    ['a replica with a hole at the pin covers no step', { a: [i(45, 46)], b: [] }, ['100-200:b']],
    ['a hole just after the pin is harmless', { a: [i(51, 60)], b: [] }, ['100-200:a']],
    ['every replica with a hole at the pin: least damaged, incomplete', { a: [i(40, 51)], b: [i(45, 46)] }, ['100-200:b!']],
    // At 160 both miss one ms (a at the pin, b in the step window): the preferred one.
    ['pin and step holes mix', { a: [i(50, 51)], b: [i(155, 156)] }, ['100-150:b', '160-160:a!', '170-200:b']],
  ])('%s', (_name, replicas, want) => expect(plan(replicas, { window: pinned })).toEqual(want));
});

describe('planSlices: a window that may not be split (`@ start()`, `range()`)', () => {
  const whole: DataWindow = { ...W, splittable: false };
  it.each([
    ['a replica covering every step takes it whole', { a: [i(150, 151)], b: [] }, ['100-200:b']],
    ['otherwise the least damaged one, marked', { a: [i(120, 160)], b: [i(150, 151)] }, ['100-200:b!']],
  ])('%s', (_name, replicas, want) => expect(plan(replicas, { window: whole })).toEqual(want));
});

describe('planSlices: bad input', () => {
  it.each([
    ['end off the grid', { grid: { start: 0, end: 15, step: 10 } }],
    ['end before start', { grid: { start: 10, end: 0, step: 10 } }],
    ['zero step', { grid: { start: 0, end: 0, step: 0 } }],
    ['fractional ms', { grid: { start: 0.5, end: 10.5, step: 10 } }],
    ['more steps than Prometheus allows', { grid: { start: 0, end: MAX_GRID_POINTS, step: 1 } }],
    ['negative lookbehind', { window: { ...W, beforeMs: -1 } }],
    ['no replicas', { replicas: [] }],
  ])('%s throws RangeError', (_name, over) => {
    expect(() => planSlices({ grid: GRID, window: W, replicas: [{ name: 'a', holes: [] }], ...over })).toThrow(RangeError);
  });

  it('accepts exactly the largest grid Prometheus allows', () => {
    expect(plan({ a: [i(5000, 5001)], b: [] }, { grid: { start: 0, end: MAX_GRID_POINTS - 1, step: 1 } })).toEqual([`0-${MAX_GRID_POINTS - 1}:b`]);
  });
});
