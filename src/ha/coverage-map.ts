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
  readonly #state = new Map<string, { holes: Intervals; suspect: Intervals; probedUntil: number | undefined }>();
  readonly #maxHoles: number;

  constructor(names: readonly string[], maxHoles: number) {
    for (const name of names) this.#state.set(name, { holes: [], suspect: [], probedUntil: undefined });
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
    return s.suspect.length === 0 ? s.holes : union(s.holes, s.suspect);
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
    const from = Math.min(s.probedUntil ?? fallbackFrom, fallbackFrom);
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
    const first = probe.steps[0]!;
    const last = probe.steps[probe.steps.length - 1]!;
    const window: Interval = { start: first - probe.bucketMs, end: last + 1 };
    const most = new Map<number, number>();
    for (const counts of probe.counts.values()) {
      for (const [t, n] of counts) most.set(t, Math.max(most.get(t) ?? 0, n));
    }
    // One replica alone has nobody to be compared with: its holes are neither found nor cleared
    // (its peer may be the one that is down right after it lost data). Its verified time moves on
    // only while nothing is suspect about it.
    if (probe.counts.size < 2 && this.#state.size >= 2) {
      for (const name of probe.counts.keys()) {
        const s = this.#state.get(name);
        if (s && s.suspect.length === 0 && healthyNow(name)) s.probedUntil = Math.max(s.probedUntil ?? -Infinity, window.end);
      }
      return found;
    }
    for (const [name, counts] of probe.counts) {
      const s = this.#state.get(name);
      if (!s) continue;
      const missing: Interval[] = [];
      for (const t of probe.steps) {
        const want = most.get(t) ?? 0;
        if ((counts.get(t) ?? 0) < want) missing.push({ start: t - probe.bucketMs, end: t + 1 });
      }
      const holes = normalize(missing);
      const known = subtract(holes, s.holes);
      if (known.length > 0) found.set(name, known);
      s.holes = coarsen(union(subtract(s.holes, [window]), holes), this.#maxHoles);
      const healthyToTheEnd = healthyNow(name) && (counts.get(last) ?? 0) >= (most.get(last) ?? 0);
      s.suspect = subtract(s.suspect, [healthyToTheEnd ? { start: window.start, end: Infinity } : window]);
      s.probedUntil = Math.max(s.probedUntil ?? -Infinity, window.end);
    }
    return found;
  }
}
