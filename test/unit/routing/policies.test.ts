import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LeastLoaded } from '../../../src/routing/least-loaded.js';
import type { Candidate, Policy } from '../../../src/routing/policy.js';
import { RoundRobin } from '../../../src/routing/round-robin.js';
import { Sticky } from '../../../src/routing/sticky.js';

const replicas = (n: number, inFlight: number[] = []): Candidate[] =>
  Array.from({ length: n }, (_, i) => ({ name: `r${i}`, inFlight: inFlight[i] ?? 0 }));

// One suite every policy runs: the contract of pick().
describe.each<[string, () => Policy]>([
  ['round_robin', () => new RoundRobin()],
  ['least_loaded', () => new LeastLoaded()],
  ['sticky', () => new Sticky()],
])('policy contract: %s', (_name, make) => {
  it('picks nothing from an empty pool', () => {
    expect(make().pick([], {})).toBeUndefined();
    expect(make().pick([], { stickyKey: 'k' })).toBeUndefined();
  });

  it('always picks a member of the pool it was given', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.option(fc.string()), fc.integer({ min: 1, max: 50 }), (n, key, calls) => {
        const policy = make();
        const pool = replicas(n);
        for (let i = 0; i < calls; i++) expect(pool).toContain(policy.pick(pool, key === null ? {} : { stickyKey: key }));
      }),
    );
  });

  it('without a key, spreads equal replicas evenly', () => {
    const policy = make();
    const pool = replicas(3);
    const counts = new Map<string, number>();
    for (let i = 0; i < 300; i++) {
      const r = policy.pick(pool, {})!;
      counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([100, 100, 100]);
  });
});

describe('round robin', () => {
  it('takes replicas in turn', () => {
    const rr = new RoundRobin();
    const pool = replicas(3);
    expect([0, 1, 2, 3].map(() => rr.pick(pool, {})!.name)).toEqual(['r0', 'r1', 'r2', 'r0']);
  });
});

describe('least loaded', () => {
  it('picks the replica with the fewest requests in flight', () => {
    const ll = new LeastLoaded();
    for (let i = 0; i < 10; i++) expect(ll.pick(replicas(3, [5, 1, 3]), {})!.name).toBe('r1');
  });
});

describe('sticky (rendezvous)', () => {
  it('sends one key to one replica every time', () => {
    const s = new Sticky();
    const pool = replicas(3);
    fc.assert(
      fc.property(fc.string(), (key) => {
        const first = s.pick(pool, { stickyKey: key })!.name;
        for (let i = 0; i < 5; i++) expect(s.pick(pool, { stickyKey: key })!.name).toBe(first);
      }),
    );
  });

  it('losing a replica moves only the keys it held', () => {
    const s = new Sticky();
    const pool = replicas(3);
    const survivors = pool.filter((r) => r.name !== 'r1');
    let moved = 0;
    for (let i = 0; i < 2000; i++) {
      const key = `dashboard-${i}/panel-${i % 17}`;
      const before = s.pick(pool, { stickyKey: key })!.name;
      const after = s.pick(survivors, { stickyKey: key })!.name;
      if (before !== 'r1') expect(after).toBe(before);
      else moved++;
    }
    // and r1 held about a third of the keys
    expect(moved).toBeGreaterThan(2000 / 3 - 150);
    expect(moved).toBeLessThan(2000 / 3 + 150);
  });
});
