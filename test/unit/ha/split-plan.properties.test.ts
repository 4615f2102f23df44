import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSlices, type DataWindow, type ReplicaHoles } from '../../../src/ha/index.js';
import { covers, expand, gridSteps, leastDamaged, minimalSliceCount, planInputArb, readsAt } from './plan-oracle.js';

const RUNS = { numRuns: 400 };

describe('planSlices properties (checked against per-millisecond brute force)', () => {
  it('(a) slices partition the grid: in time order, on the grid, every step exactly once', () => {
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        const { slices } = planSlices({ grid, window, replicas });
        expect(expand(slices, grid.step).map((s) => s.t)).toEqual(gridSteps(grid));
        for (const s of slices) {
          expect(s.start).toBeLessThanOrEqual(s.end);
          expect((s.start - grid.start) % grid.step).toBe(0);
          expect((s.end - grid.start) % grid.step).toBe(0);
        }
      }),
      RUNS,
    );
  });

  it('(b) a step is in a complete slice iff some replica covers it, and then its replica does', () => {
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        const byName = new Map(replicas.map((r) => [r.name, r]));
        const { slices } = planSlices({ grid, window, replicas });
        for (const s of expand(slices, grid.step)) {
          const anyCovers = replicas.some((r) => covers(r, window, s.t));
          expect(s.complete).toBe(anyCovers);
          if (s.complete) expect(covers(byName.get(s.replica)!, window, s.t)).toBe(true);
        }
        // A run of uncovered steps goes to the replica least damaged over the whole run, ties to the preferred.
        for (const s of slices.filter((x) => !x.complete)) {
          const ts = gridSteps({ start: s.start, end: s.end, step: grid.step });
          expect(s.replica).toBe(replicas[leastDamaged(replicas, window, ...ts)]!.name);
        }
      }),
      RUNS,
    );
  });

  it('(c) when one replica covers every step there is one slice, the first such replica', () => {
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        const whole = replicas.find((r) => gridSteps(grid).every((t) => covers(r, window, t)));
        const { slices } = planSlices({ grid, window, replicas });
        if (whole !== undefined) expect(slices).toEqual([{ start: grid.start, end: grid.end, replica: whole.name, complete: true }]);
      }),
      RUNS,
    );
  });

  it('(d) the slice count is minimal (DP over steps)', () => {
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        expect(planSlices({ grid, window, replicas }).slices.length).toBe(minimalSliceCount(grid, window, replicas));
      }),
      RUNS,
    );
  });

  it('(e) a range answer stitched from the slices equals the whole answer wherever complete', () => {
    // Truth: one sample every ms, the value a function of its time. A replica holds the samples
    // outside its holes. An evaluation at t lists the samples it reads with their values, so any
    // missing sample changes it; stitching runs each slice on its replica, as the gateway will.
    const value = (x: number): number => (x * 7919) % 1009;
    const evaluate = (holes: ReplicaHoles['holes'] | undefined, w: DataWindow, t: number): string =>
      readsAt(w, t)
        .filter((x) => holes === undefined || !holes.some((h) => h.start <= x && x < h.end))
        .map((x) => `${x}=${value(x)}`)
        .join(',');
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        const holesOf = new Map(replicas.map((r) => [r.name, r.holes]));
        const { slices } = planSlices({ grid, window, replicas });
        const stitched = slices.flatMap((s) =>
          gridSteps({ start: s.start, end: s.end, step: grid.step }).map((t) => ({ t, complete: s.complete, v: evaluate(holesOf.get(s.replica)!, window, t) })),
        );
        expect(stitched.map((p) => p.t)).toEqual(gridSteps(grid));
        for (const p of stitched) if (p.complete) expect(p.v).toBe(evaluate(undefined, window, p.t));
      }),
      RUNS,
    );
  });

  it('an unsplittable window always gets one slice, complete only if its replica covers every step', () => {
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        const w: DataWindow = { ...window, splittable: false };
        const { slices } = planSlices({ grid, window: w, replicas });
        expect(slices).toHaveLength(1);
        const [s] = slices;
        const r = replicas.find((x) => x.name === s!.replica)!;
        expect(s).toMatchObject({ start: grid.start, end: grid.end });
        expect(s!.complete).toBe(gridSteps(grid).every((t) => covers(r, w, t)));
      }),
      RUNS,
    );
  });

  it('is deterministic and does not depend on how each hole list is spelled', () => {
    fc.assert(
      fc.property(planInputArb, ({ grid, window, replicas }) => {
        const reversed = replicas.map((r) => ({ name: r.name, holes: [...r.holes].reverse() }));
        expect(planSlices({ grid, window, replicas: reversed })).toEqual(planSlices({ grid, window, replicas }));
      }),
      RUNS,
    );
  });

  it('at real scales (epoch ms, 15s steps, 5m lookback) complete slices hold only covered steps', () => {
    const T = 1_700_000_000_000;
    const STEP = 15_000;
    const arb = fc.record({
      k: fc.integer({ min: 0, max: 400 }),
      afterMs: fc.constantFrom(0, 60_000),
      holes: fc.array(fc.array(fc.record({ at: fc.integer({ min: -400_000, max: 6_500_000 }), len: fc.integer({ min: 1, max: 900_000 }) }), { maxLength: 6 }), {
        minLength: 1,
        maxLength: 3,
      }),
    });
    fc.assert(
      fc.property(arb, ({ k, afterMs, holes }) => {
        const grid = { start: T, end: T + k * STEP, step: STEP };
        const window: DataWindow = { beforeMs: 300_000, afterMs, pinned: [], splittable: true };
        const replicas = holes.map((h, n) => ({ name: `r${n}`, holes: h.map((x) => ({ start: T + x.at, end: T + x.at + x.len })) }));
        // Direct test of [t - before, t + after] against each hole, without grid indices.
        const ok = (r: ReplicaHoles, t: number) => r.holes.every((h) => h.end <= t - window.beforeMs || h.start > t + window.afterMs);
        const steps = expand(planSlices({ grid, window, replicas }).slices, STEP);
        expect(steps.map((x) => x.t)).toEqual(gridSteps(grid));
        expect(steps.map((x) => x.complete)).toEqual(steps.map((x) => replicas.some((r) => ok(r, x.t))));
        const wrong = steps.filter((x) => x.complete && !ok(replicas.find((r) => r.name === x.replica)!, x.t));
        expect(wrong).toEqual([]);
      }),
      RUNS,
    );
  });
});
