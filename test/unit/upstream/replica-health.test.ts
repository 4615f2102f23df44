import { describe, expect, it } from 'vitest';
import { ReplicaHealth } from '../../../src/upstream/replica-health.js';

const run = (fall: number, rise: number, probes: boolean[]) => {
  const h = new ReplicaHealth(fall, rise);
  return probes.map((ok) => [h.record(ok), h.healthy] as const);
};

describe('ReplicaHealth (fall/rise)', () => {
  it('is up before any probe', () => expect(new ReplicaHealth(2, 2).healthy).toBe(true));
  it('lets the first probe decide at once', () => {
    expect(run(3, 3, [false])).toEqual([['down', false]]);
    expect(run(3, 3, [true])).toEqual([[undefined, true]]);
  });
  it('goes down after `fall` consecutive failures and back up after `rise` successes', () => {
    expect(run(2, 3, [true, false, false, true, true, true]).map(([, h]) => h)).toEqual([true, true, false, false, false, true]);
  });
  it('a good probe in between resets the streak', () => {
    expect(run(2, 2, [true, false, true, false, true]).map(([, h]) => h)).toEqual([true, true, true, true, true]);
  });
  it('reports each transition once', () => {
    expect(run(1, 1, [true, false, false, true, true]).map(([t]) => t)).toEqual([undefined, 'down', undefined, 'up', undefined]);
  });
});
