import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttemptBudget } from '../../../src/routing/attempt-budget.js';

/** A budget with `active` requests in flight. */
function budgetWith(ratio: number, minConcurrency: number, active: number): AttemptBudget {
  const b = new AttemptBudget(ratio, minConcurrency);
  for (let i = 0; i < active; i++) b.requestStarted();
  return b;
}

/** How many extra attempts the budget grants in a row before it says no (capped, in case it never does). */
function grantsInARow(b: AttemptBudget, cap = 1000): number {
  let n = 0;
  while (n < cap && b.tryAcquire()) n++;
  return n;
}

describe('AttemptBudget', () => {
  // Envoy's retry budget: extra attempts in flight ≤ max(min_concurrency, ratio × requests in flight).
  it.each([
    { why: 'hedge default, 10 requests: 10% of 10 is one', ratio: 0.1, min: 0, active: 10, grants: 1 },
    { why: 'hedge default, 9 requests: 10% of 9 is under one, nothing without a floor', ratio: 0.1, min: 0, active: 9, grants: 0 },
    { why: '10% of 100 requests', ratio: 0.1, min: 0, active: 100, grants: 10 },
    { why: 'the floor lets a lone request be hedged', ratio: 0.1, min: 1, active: 1, grants: 1 },
    { why: 'the floor applies with no request in flight', ratio: 0.2, min: 3, active: 0, grants: 3 },
    { why: 'the ratio above the floor wins when larger', ratio: 0.2, min: 3, active: 50, grants: 10 },
    { why: 'the floor above the ratio wins when larger', ratio: 0.2, min: 3, active: 5, grants: 3 },
    { why: 'a zero budget grants nothing', ratio: 0, min: 0, active: 1000, grants: 0 },
    { why: 'ratio 1: one extra attempt per request in flight', ratio: 1, min: 0, active: 7, grants: 7 },
    { why: 'fractional share rounds down (20% of 14 = 2.8)', ratio: 0.2, min: 0, active: 14, grants: 2 },
  ])('grants max(min_concurrency, ⌊ratio × active⌋) slots: $why', ({ ratio, min, active, grants }) => {
    const b = budgetWith(ratio, min, active);
    expect(grantsInARow(b)).toBe(grants);
    expect(b.spent).toBe(grants);
    expect(b.active).toBe(active);
  });

  it('release frees exactly one slot for the next extra attempt', () => {
    const b = budgetWith(0.1, 0, 20);
    expect(grantsInARow(b)).toBe(2);
    b.release();
    expect(b.spent).toBe(1);
    expect(b.tryAcquire()).toBe(true);
    expect(b.tryAcquire()).toBe(false);
  });

  it('a refusal takes no slot (spent is unchanged by a failed tryAcquire)', () => {
    const b = budgetWith(0.1, 0, 5);
    expect(b.tryAcquire()).toBe(false);
    expect(b.tryAcquire()).toBe(false);
    expect(b.spent).toBe(0);
  });

  it('fewer requests in flight shrink the room for new extra attempts, but never take back granted ones', () => {
    const b = budgetWith(0.1, 0, 20);
    expect(grantsInARow(b)).toBe(2);
    for (let i = 0; i < 10; i++) b.requestEnded();
    // Both slots stay taken until released; the budget only refuses new ones.
    expect(b.spent).toBe(2);
    expect(b.tryAcquire()).toBe(false);
    b.release();
    expect(b.tryAcquire()).toBe(false); // 2 > 10% of 10
    b.release();
    expect(b.tryAcquire()).toBe(true); // 1 ≤ 10% of 10
  });

  it('balanced use returns both counters to zero', () => {
    const b = budgetWith(0.5, 1, 4);
    const granted = grantsInARow(b);
    for (let i = 0; i < granted; i++) b.release();
    for (let i = 0; i < 4; i++) b.requestEnded();
    expect([b.active, b.spent]).toEqual([0, 0]);
  });

  // The runner's contract: every tryAcquire that returned true is released once, every
  // requestStarted is matched by one requestEnded. Under it the counters never go negative and the
  // bound holds at every grant.
  it('under balanced use, counters never go negative and every grant respects the bound', () => {
    type Op = 'start' | 'end' | 'acquire' | 'release';
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(fc.constantFrom<Op>('start', 'end', 'acquire', 'release'), { maxLength: 200 }),
        (ratio, min, ops) => {
          const b = new AttemptBudget(ratio, min);
          let active = 0;
          let held = 0;
          for (const op of ops) {
            if (op === 'start') {
              b.requestStarted();
              active++;
            } else if (op === 'end' && active > 0) {
              b.requestEnded();
              active--;
            } else if (op === 'acquire') {
              const before = b.spent;
              if (b.tryAcquire()) {
                held++;
                // Granted only below the floor, or when the new total fits the ratio.
                expect(before < min || before + 1 <= ratio * b.active).toBe(true);
              }
            } else if (op === 'release' && held > 0) {
              b.release();
              held--;
            }
            expect(b.active).toBe(active);
            expect(b.spent).toBe(held);
            expect(b.active).toBeGreaterThanOrEqual(0);
            expect(b.spent).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });
});
