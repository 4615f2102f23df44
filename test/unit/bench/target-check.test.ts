import { describe, expect, it } from 'vitest';
import { checkTarget, type Comparison } from '../../../bench/lib/target-check.js';

describe('checkTarget', () => {
  it.each<[Comparison, number, number, boolean]>([
    ['>=', 0.9, 0.9, true],
    ['>=', 0.89, 0.9, false],
    ['>', 20, 20, false],
    ['<', 999, 1000, true],
    ['<', 1000, 1000, false],
    ['<=', 1000, 1000, true],
    ['==', 0, 0, true],
    ['==', 1, 0, false],
  ])('%s: measured %s vs %s → %s', (op, measured, threshold, pass) => {
    expect(checkTarget({ name: 'g', op, threshold }, measured).pass).toBe(pass);
  });

  it('describes the goal with its unit', () => {
    expect(checkTarget({ name: 'dashboard vs HAProxy', op: '>=', threshold: 20, unit: 'x' }, 23.4)).toEqual({
      name: 'dashboard vs HAProxy',
      wanted: '>= 20x',
      measured: 23.4,
      unit: 'x',
      pass: true,
    });
  });

  it.each([[null], [undefined], [NaN], [Infinity]])('fails when the value is %s (unmeasured)', (v) => {
    const c = checkTarget({ name: 'failures', op: '==', threshold: 0 }, v);
    expect(c).toEqual({ name: 'failures', wanted: '== 0', measured: null, pass: false });
  });
});
