import { coarsen, normalize, overlaps, subtract, union, type Interval, type Intervals } from './intervals.js';

const EVERYWHERE: Intervals = Object.freeze([{ start: -Infinity, end: Infinity }]);

/** What one probe of one window found, per replica: the probe's buckets and their sample counts. */
export interface ProbeResult {
  /** Bucket width: each step t stands for the samples in (t - bucketMs, t]. */
  readonly bucketMs: number;
  /** Per replica that answered: step time → sample count (steps with no samples are absent). */
  readonly counts: ReadonlyMap<string, ReadonlyMap<number, number>>;
  /** The steps probed, in order. */
  readonly steps: readonly number[];
}

export interface ReplicaCoverage {
  /** Verified holes: buckets where this replica has fewer samples of the probe series than another. */
  readonly holes: Intervals;
  /** Not verified yet: time since a sign of trouble (down, restarted, unreachable) up to the next probe that covers it. */
  readonly suspect: Intervals;
  /** Up to where probes have verified this replica's data. */
  readonly probedUntil: number | undefined;
  /** From where probes have verified it (Infinity: never). */
  readonly probedFrom: number;
}

/**
 * Where each replica has data and where it has holes, merged intervals in ms. Pure state: the
 * prober feeds it probe results and signs of trouble, routing reads `gapsOf` (verified holes and
 * suspect time together: a replica is not trusted for time it has not been probed over since
 * something went wrong).
 *
 * A hole is relative: a bucket where a replica has fewer samples of the probe series than another
 * replica that answered the same probe. Where no replica has samples, nobody has a hole (nothing
 * tells them apart). Counting samples rather than testing presence finds a hole that covers only
 * part of a bucket, so buckets need not be as fine as the scrape interval.
 */
export class CoverageMap {
  readonly #state = new Map<string, { holes: Intervals; suspect: Intervals; probedUntil: number | undefined; probedFrom: number; troubleAt: number }>();
  readonly #maxHoles: number;

  constructor(names: readonly string[], maxHoles: number) {
    for (const name of names) this.#state.set(name, { holes: [], suspect: [], probedUntil: undefined, probedFrom: Infinity, troubleAt: -Infinity });
    this.#maxHoles = maxHoles;
  }

  get names(): string[] {
    return [...this.#state.keys()];
  }

  of(name: string): ReplicaCoverage | undefined {
    return this.#state.get(name);
  }

  /**
   * Time a replica must not be trusted for: its verified holes and its suspect time. A replica no
   * probe has reached yet is trusted nowhere while another has been probed (it may be the one that
   * was down); while none has, nothing is known and nobody is distrusted.
   */
  gapsOf(name: string): Intervals {
    const s = this.#state.get(name);
    if (!s) return [];
    if (s.probedUntil === undefined && this.#anyProbed()) return EVERYWHERE;
    let gaps = s.suspect.length === 0 ? s.holes : union(s.holes, s.suspect);
    // History before this replica's probes began, where another replica's reach further back, is
    // unverified for it (it was down when the whole history was probed).
    const earliest = Math.min(...[...this.#state.values()].map((o) => o.probedFrom));
    if (s.probedFrom > earliest) gaps = union(gaps, [{ start: -Infinity, end: s.probedFrom }]);
    return gaps;
  }

  /** Whether any replica has a known hole, suspect time, or was never probed while another was: else routing need not look. */
  get hasGaps(): boolean {
    const earliest = Math.min(...[...this.#state.values()].map((o) => o.probedFrom));
    for (const s of this.#state.values()) if (s.holes.length > 0 || s.suspect.length > 0 || s.probedFrom > earliest) return true;
    return this.someUnprobed;
  }

  /** Whether some replica has never answered a probe although another has. */
  get someUnprobed(): boolean {
    return this.#anyProbed() && [...this.#state.values()].some((s) => s.probedUntil === undefined);
  }

  #anyProbed(): boolean {
    for (const s of this.#state.values()) if (s.probedUntil !== undefined) return true;
    return false;
  }

  /** Whether any replica has a gap meeting `interval`. */
  anyGapIn(interval: Interval): boolean {
    for (const name of this.#state.keys()) if (overlaps(this.gapsOf(name), interval)) return true;
    return false;
  }

  /**
   * A sign of trouble (health check down, breaker open, a restart, a refused connection): the
   * replica is not trusted from the last time its data was verified (or `fallbackFrom`) until a
   * probe covers that time again.
   */
  markSuspect(name: string, fallbackFrom: number): void {
    const s = this.#state.get(name);
    if (!s) return;
    s.troubleAt = Math.max(s.troubleAt, fallbackFrom);
    // Never verified: nothing it holds is known good, its past included.
    const from = s.probedUntil === undefined ? -Infinity : Math.min(s.probedUntil, fallbackFrom);
    s.suspect = union(s.suspect, [{ start: from, end: Infinity }]);
  }

  /**
   * Applies a probe over `steps`. Replicas that did not answer keep their state. For those that did,
   * the probed time is replaced by what the probe found; an open-ended suspicion ends when the
   * replica is healthy now and has data at the probe's last step. Returns the holes it found that
   * were not known before (the cache drops what it kept over them).
   */
  applyProbe(probe: ProbeResult, healthyNow: (name: string) => boolean): Map<string, Intervals> {
    const found = new Map<string, Intervals>();
    if (probe.steps.length === 0) return found;
    const most = new Map<number, number>();
    for (const counts of probe.counts.values()) {
      for (const [t, n] of counts) most.set(t, Math.max(most.get(t) ?? 0, n));
    }
    // One replica alone has nobody to be compared with: its holes are neither found nor cleared
    // (its peer may be the one that is down right after it lost data). Its verified time moves on
    // only while nothing is suspect about it.
    // A sample that lands a little late moves from one bucket to the next; a hole takes it away.
    // So a bucket is a hole only when the deficit is not made up together with either neighbour,
    // and only buckets with both neighbours in the probe are judged: the first and the last are
    // judged by the probes before and after (recent probes overlap by two buckets).
    const judged = probe.steps.slice(1, -1);
    if (judged.length === 0) return found;
    const verified: Interval = { start: judged[0]! - probe.bucketMs, end: judged[judged.length - 1]! + 1 };
    if (probe.counts.size < 2 && this.#state.size >= 2) {
      for (const name of probe.counts.keys()) {
        const s = this.#state.get(name);
        // Never probed: nothing to carry on from; something suspect: nobody to clear it with.
        if (s && s.probedUntil !== undefined && s.suspect.length === 0 && healthyNow(name)) s.probedUntil = Math.max(s.probedUntil, verified.end);
      }
      return found;
    }
    const verifiedEnd = verified.end;
    const pairMost = (a: number, b: number) => {
      let m = 0;
      for (const c of probe.counts.values()) m = Math.max(m, (c.get(a) ?? 0) + (c.get(b) ?? 0));
      return m;
    };
    for (const [name, counts] of probe.counts) {
      const s = this.#state.get(name);
      if (!s) continue;
      const n = (t: number | undefined) => (t === undefined ? 0 : (counts.get(t) ?? 0));
      const missing: Interval[] = [];
      judged.forEach((t, i) => {
        if (n(t) >= (most.get(t) ?? 0)) return;
        // judged[i] is probe.steps[i + 1]: its neighbours are steps i and i + 2.
        const before = probe.steps[i];
        const after = probe.steps[i + 2];
        const madeUpBefore = before !== undefined && n(before) + n(t) >= pairMost(before, t);
        const madeUpAfter = after !== undefined && n(t) + n(after) >= pairMost(t, after);
        if (!madeUpBefore && !madeUpAfter) missing.push({ start: t - probe.bucketMs, end: t + 1 });
      });
      const holes = normalize(missing);
      const known = subtract(holes, s.holes);
      if (known.length > 0) found.set(name, known);
      s.holes = coarsen(union(subtract(s.holes, [verified]), holes), this.#maxHoles);
      // Trouble seen before the verified end, and data again at its last judged bucket: the
      // replica is back and scraping, so the time after it is trusted again.
      // The trouble lies before the last judged bucket (whose samples may all predate it).
      const lastJudged = judged[judged.length - 1]!;
      const back = healthyNow(name) && s.troubleAt <= lastJudged - probe.bucketMs && n(lastJudged) >= (most.get(lastJudged) ?? 0);
      s.suspect = subtract(s.suspect, [back ? { start: verified.start, end: Infinity } : verified]);
      s.probedUntil = Math.max(s.probedUntil ?? -Infinity, verifiedEnd);
      s.probedFrom = Math.min(s.probedFrom, verified.start);
      // Verified from as far back as any replica: the time before holds no data to distrust.
      if (back && s.probedFrom <= Math.min(...[...this.#state.values()].map((o) => o.probedFrom))) {
        s.suspect = subtract(s.suspect, [{ start: -Infinity, end: s.probedFrom }]);
      }
    }
    return found;
  }
}
