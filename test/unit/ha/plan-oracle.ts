/**
 * Brute-force models for split-plan tests, written without the planner's interval-to-index
 * arithmetic: every millisecond a step reads is visited. Only for small numbers.
 */
import fc from 'fast-check';
import { normalize, type DataWindow, type Grid, type Interval, type ReplicaHoles, type Slice } from '../../../src/ha/index.js';

/** The integer ms one evaluation at t reads: [t - before, t + after] and every pinned interval. */
export function readsAt(w: DataWindow, t: number): number[] {
  const out = new Set<number>();
  for (let x = t - w.beforeMs; x <= t + w.afterMs; x++) out.add(x);
  for (const p of w.pinned) for (let x = p.start; x < p.end; x++) out.add(x);
  return [...out].sort((a, b) => a - b);
}

const inHole = (holes: readonly Interval[], x: number): boolean => holes.some((h) => h.start <= x && x < h.end);

/** The replica has every millisecond the evaluation at t reads. */
export function covers(r: ReplicaHoles, w: DataWindow, t: number): boolean {
  return readsAt(w, t).every((x) => !inHole(r.holes, x));
}

/** Index of the replica missing the fewest ms of what the steps `ts` read together (ties: the earlier). */
export function leastDamaged(replicas: readonly ReplicaHoles[], w: DataWindow, ...ts: number[]): number {
  const reads = new Set<number>();
  if (ts.length > 0) for (let x = Math.min(...ts) - w.beforeMs; x <= Math.max(...ts) + w.afterMs; x++) reads.add(x);
  for (const p of w.pinned) for (let x = p.start; x < p.end; x++) reads.add(x);
  const damage = replicas.map((r) => [...reads].filter((x) => inHole(r.holes, x)).length);
  return damage.indexOf(Math.min(...damage));
}

export function gridSteps(g: Grid): number[] {
  const out: number[] = [];
  for (let t = g.start; t <= g.end; t += g.step) out.push(t);
  return out;
}

/** Every (replica, complete) label a step may carry under the planner's rules. */
function allowedLabels(replicas: readonly ReplicaHoles[], w: DataWindow, t: number): string[] {
  const ok = replicas.filter((r) => covers(r, w, t)).map((r) => `${r.name}:complete`);
  // A run of steps no replica covers is one slice, whichever replica it goes to.
  return ok.length > 0 ? ok : ['incomplete'];
}

/** The fewest slices any valid plan has: a DP over steps of the fewest label changes. */
export function minimalSliceCount(g: Grid, w: DataWindow, replicas: readonly ReplicaHoles[]): number {
  let best = new Map<string, number>();
  for (const t of gridSteps(g)) {
    const prevMin = best.size === 0 ? 0 : Math.min(...best.values());
    const next = new Map<string, number>();
    for (const label of allowedLabels(replicas, w, t)) {
      const same = best.get(label);
      next.set(label, Math.min(prevMin + 1, same ?? Infinity));
    }
    best = next;
  }
  return Math.min(...best.values());
}

/** Per-step (time, replica, complete) triples of a plan, in order. */
export function expand(slices: readonly Slice[], step: number): { t: number; replica: string; complete: boolean }[] {
  return slices.flatMap((s) => {
    const out: { t: number; replica: string; complete: boolean }[] = [];
    for (let t = s.start; t <= s.end; t += step) out.push({ t, replica: s.replica, complete: s.complete });
    return out;
  });
}

/** Holes near the grid's reads, so plans split often; some open-ended. */
function holeArb(from: number, to: number): fc.Arbitrary<Interval> {
  const at = fc.integer({ min: from, max: to });
  return fc.oneof(
    { weight: 8, arbitrary: fc.tuple(at, fc.integer({ min: 1, max: 6 })).map(([s, len]) => ({ start: s, end: s + len })) },
    { weight: 1, arbitrary: at.map((s) => ({ start: s, end: Infinity })) },
    { weight: 1, arbitrary: at.map((e) => ({ start: -Infinity, end: e })) },
  );
}

/** Small plans: up to 16 steps, up to 4 replicas with a few holes each, sometimes a pin. */
export const planInputArb = fc
  .record({
    step: fc.integer({ min: 1, max: 7 }),
    start: fc.integer({ min: 0, max: 30 }),
    k: fc.integer({ min: 0, max: 15 }),
    beforeMs: fc.integer({ min: 0, max: 12 }),
    afterMs: fc.integer({ min: 0, max: 4 }),
    replicaCount: fc.integer({ min: 1, max: 4 }),
  })
  .chain((g) => {
    const from = g.start - g.beforeMs - 8;
    const to = g.start + g.k * g.step + g.afterMs + 2;
    const noPins: { at: number; len: number }[] = [];
    return fc.record({
      g: fc.constant(g),
      pins: fc.oneof(
        { weight: 4, arbitrary: fc.constant(noPins) },
        { weight: 1, arbitrary: fc.array(fc.record({ at: fc.integer({ min: from - 10, max: to + 10 }), len: fc.integer({ min: 1, max: 4 }) }), { maxLength: 2 }) },
      ),
      holes: fc.array(fc.array(holeArb(from, to), { maxLength: 4 }), { minLength: g.replicaCount, maxLength: g.replicaCount }),
    });
  })
  .map(({ g: { step, start, k, beforeMs, afterMs }, pins, holes }) => ({
    grid: { start, end: start + k * step, step },
    window: { beforeMs, afterMs, pinned: normalize(pins.map((p) => ({ start: p.at - p.len, end: p.at + 1 }))), splittable: true } as DataWindow,
    // Holes as a caller might hand them over: unsorted, overlapping; the planner normalizes.
    replicas: holes.map((h, n) => ({ name: `r${n}`, holes: h })),
  }));
