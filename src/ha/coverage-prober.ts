import { parse as parseYaml } from 'yaml';
import type { Clock, TimerHandle } from '../clock/clock.js';
import type { HaConfig } from '../config/index.js';
import { parsePrometheusDuration } from '../query/duration.js';
import type { CoverageMap, ProbeResult } from './coverage-map.js';
import type { Intervals } from './intervals.js';

/** How promgate reaches one replica for its own requests (never through the breaker). */
export type ProbeGet = (replica: string, pathAndQuery: string, timeoutMs: number) => Promise<{ statusCode: number; body: Buffer }>;

export interface CoverageProberDeps {
  readonly clock: Clock;
  readonly get: ProbeGet;
  /** Whether the replica passes its health checks now. */
  readonly healthy: (replica: string) => boolean;
  /** Holes found that were not known: cached answers over them must go. */
  readonly onNewHoles: (found: Map<string, Intervals>) => void;
  readonly log: { debug(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

/** Prometheus refuses a range query of more than 11,000 steps. */
const MAX_STEPS = 11_000;
/** Prometheus's default global.scrape_interval. */
const DEFAULT_SCRAPE_INTERVAL_MS = 60_000;
const PROBE_TIMEOUT_MS = 30_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface ProberStatus {
  readonly resolutionMs: number | undefined;
  readonly lastProbeAt: number | undefined;
  readonly lastError: string | undefined;
  readonly oldestDataMs: number | undefined;
  readonly startTimes: Readonly<Record<string, string>>;
}

/**
 * Measures each replica's coverage by asking every replica the same range query over the probe
 * series, `sum(count_over_time(<selector>[<bucket>]))`, and comparing sample counts bucket by bucket
 * (CoverageMap.applyProbe). Once at start it probes the whole history in coarse buckets and looks
 * again, at the scrape interval, only where counts differ; then, on a timer, it probes the recent
 * past at the scrape interval and watches each replica's start time for restarts.
 */
export class CoverageProber {
  readonly #cfg: HaConfig;
  readonly #map: CoverageMap;
  readonly #deps: CoverageProberDeps;
  #resolutionMs: number | undefined;
  #timer: TimerHandle | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #lastProbeAt: number | undefined;
  #lastError: string | undefined;
  #oldest: number | undefined;
  #lastInitialAt = -Infinity;
  #lastInitialHealthy = '';
  /** Replicas whose whole history a first probe has covered. */
  readonly #historyDone = new Set<string>();
  readonly #startTimes = new Map<string, string>();

  constructor(cfg: HaConfig, map: CoverageMap, deps: CoverageProberDeps) {
    this.#cfg = cfg;
    this.#map = map;
    this.#deps = deps;
  }

  get status(): ProberStatus {
    return {
      resolutionMs: this.#resolutionMs,
      lastProbeAt: this.#lastProbeAt,
      lastError: this.#lastError,
      oldestDataMs: this.#oldest,
      startTimes: Object.fromEntries(this.#startTimes),
    };
  }

  /** Probes the whole history once, then keeps probing the recent past. Resolves after the first probe. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.#guard(() => this.#initial());
    this.#schedule();
  }

  /** One round now (restart check and the recent past); rounds never overlap. */
  probeNow(): Promise<void> {
    return this.#guard(() => this.#recent());
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#deps.clock.setTimeout(() => {
      void this.probeNow().finally(() => this.#schedule());
    }, this.#cfg.probe_interval);
  }

  async #guard(work: () => Promise<void>): Promise<void> {
    if (this.#running) return this.#running;
    this.#running = work()
      .then(() => {
        this.#lastError = undefined;
      })
      .catch((err: unknown) => {
        this.#lastError = err instanceof Error ? err.message : String(err);
        this.#deps.log.warn({ err }, 'coverage probe failed');
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }

  async #initial(): Promise<void> {
    this.#lastInitialAt = this.#deps.clock.now();
    this.#lastInitialHealthy = this.#map.names.filter((n) => this.#deps.healthy(n)).join('\u0000');
    const res = await this.#resolution();
    const now = this.#deps.clock.now();
    await this.#checkRestarts(now);
    const oldest = await this.#oldestData(now);
    this.#oldest = oldest;
    if (oldest === undefined) return;
    const to = floorTo(now - this.#settleMs(res), res);
    const from = floorTo(oldest, res) - res;
    if (to <= from) return;
    // Coarse buckets over the whole history (one query per replica), then fine buckets where counts differ.
    const coarse = Math.max(res, ceilTo(Math.ceil((to - from) / MAX_STEPS), res));
    const first = await this.#probe(from + coarse, to, coarse);
    // A history is verified when compared with another replica's (or when there is no other).
    for (const r of first) if (r.counts.size >= Math.min(2, this.#map.names.length)) for (const name of r.counts.keys()) this.#historyDone.add(name);
    if (coarse === res) return;
    const differ = differingBuckets(first, coarse);
    // One fine step more on each side: a probe's first and last steps are not judged.
    for (const d of differ) await this.#probe(d.start, Math.min(to, d.end - 1 + res), res);
  }

  async #recent(): Promise<void> {
    if (this.#stopped) return;
    // A replica that answered no probe yet (down at start) gets the whole history probed once it
    // is healthy, at most once a minute: that probe reads every probe sample in retention.
    const now0 = this.#deps.clock.now();
    const healthy = this.#map.names.filter((n) => this.#deps.healthy(n));
    const healthyNow = healthy.join('\u0000');
    // A history can only be verified against another replica's: nothing to do with one up.
    const unprobedBack = healthy.length >= Math.min(2, this.#map.names.length) && healthy.some((n) => !this.#historyDone.has(n));
    // At once when a replica came back since the last whole-history probe; else once a minute.
    const due = healthyNow !== this.#lastInitialHealthy || now0 - this.#lastInitialAt >= 60_000;
    if ((this.#oldest === undefined || unprobedBack) && due) {
      this.#lastInitialAt = now0;
      return this.#initial();
    }
    const res = this.#resolutionMs ?? (await this.#resolution());
    const now = this.#deps.clock.now();
    await this.#checkRestarts(now);
    const to = floorTo(now - this.#settleMs(res), res);
    // From where the least verified healthy replica stands (a replica that is down answers no
    // probe: its outage is probed once it is back).
    const up = this.#map.names.filter((n) => this.#deps.healthy(n));
    const verified = (up.length > 0 ? up : this.#map.names).map((n) => this.#map.of(n)?.probedUntil ?? to - 10 * res);
    const from = Math.max(to - (MAX_STEPS - 1) * res, floorTo(Math.min(...verified), res) - 2 * res);
    if (to > from) await this.#probe(from + res, to, res);
  }

  /** Probes steps start..end (on `bucket`'s grid) on every replica, in chunks Prometheus accepts, and applies the result. */
  async #probe(start: number, end: number, bucket: number): Promise<ProbeResult[]> {
    const results: ProbeResult[] = [];
    // Chunks overlap by two steps: a probe's first and last steps are judged by its neighbours.
    for (let chunkStart = start; chunkStart <= end; chunkStart += (MAX_STEPS - 2) * bucket) {
      const chunkEnd = Math.min(end, chunkStart + (MAX_STEPS - 1) * bucket);
      const steps: number[] = [];
      for (let t = chunkStart; t <= chunkEnd; t += bucket) steps.push(t);
      const query = probeQuery(this.#cfg.probe_selector, bucket);
      const path = `/api/v1/query_range?${new URLSearchParams({ query, start: String(chunkStart / 1000), end: String(chunkEnd / 1000), step: `${bucket}ms` })}`;
      const counts = new Map<string, Map<number, number>>();
      // Only replicas passing their checks: one answering before it is ready would have its
      // outage skipped over by a window that starts where the others stand.
      await Promise.all(
        this.#map.names.filter((name) => this.#deps.healthy(name)).map(async (name) => {
          const c = await this.#counts(name, path);
          if (c) counts.set(name, c);
        }),
      );
      const probe: ProbeResult = { bucketMs: bucket, counts, steps };
      const found = this.#map.applyProbe(probe, this.#deps.healthy);
      if (found.size > 0) {
        this.#deps.log.warn({ holes: describe(found) }, 'replica holes found');
        this.#deps.onNewHoles(found);
      }
      this.#lastProbeAt = this.#deps.clock.now();
      results.push(probe);
    }
    return results;
  }

  async #counts(name: string, path: string): Promise<Map<number, number> | undefined> {
    try {
      const res = await this.#deps.get(name, path, PROBE_TIMEOUT_MS);
      if (res.statusCode !== 200) return undefined;
      const doc = JSON.parse(res.body.toString('utf8')) as { data?: { result?: { values?: [number, string][] }[] } };
      const out = new Map<number, number>();
      for (const [t, v] of doc.data?.result?.[0]?.values ?? []) out.set(Math.round(t * 1000), Number(v));
      return out;
    } catch (err) {
      this.#deps.log.debug({ err, replica: name }, 'coverage probe: replica did not answer');
      return undefined;
    }
  }

  /** The probe's step: the configured one, or the slowest scrape interval of any job on any replica. */
  async #resolution(): Promise<number> {
    if (this.#cfg.probe_resolution !== 'auto') return (this.#resolutionMs = this.#cfg.probe_resolution);
    const intervals = await Promise.all(
      this.#map.names.map(async (name) => {
        try {
          const res = await this.#deps.get(name, '/api/v1/status/config', PROBE_TIMEOUT_MS);
          if (res.statusCode !== 200) return undefined;
          const yaml = (JSON.parse(res.body.toString('utf8')) as { data?: { yaml?: string } }).data?.yaml ?? '';
          const doc = parseYaml(yaml) as { global?: { scrape_interval?: string }; scrape_configs?: { scrape_interval?: string }[] } | null;
          const global = parsePrometheusDuration(doc?.global?.scrape_interval ?? '1m') ?? DEFAULT_SCRAPE_INTERVAL_MS;
          // The slowest job sets the bucket: every target then has a sample in every bucket, and a
          // replica scraping it at another phase does not look short of samples.
          const jobs = (doc?.scrape_configs ?? []).map((j) => (j.scrape_interval ? (parsePrometheusDuration(j.scrape_interval) ?? global) : global));
          return Math.max(global, ...jobs);
        } catch {
          return undefined;
        }
      }),
    );
    const known = intervals.filter((n): n is number => n !== undefined && n > 0);
    return (this.#resolutionMs = known.length > 0 ? Math.max(...known) : DEFAULT_SCRAPE_INTERVAL_MS);
  }

  /** Samples of a step may land up to a scrape interval late (and a scrape takes time). */
  #settleMs(res: number): number {
    return 2 * res + 1000;
  }

  /**
   * The oldest probe sample on any replica, to within minutes: the first step at which the probe
   * series had a sample within the lookback, asked as a subquery per replica, from coarse (days
   * over ten years) to fine (minutes over three days: data younger than a day has no midnight),
   * then refined to the minute.
   */
  async #oldestData(now: number): Promise<number | undefined> {
    const sel = this.#cfg.probe_selector;
    for (const [range, step] of [['3650d', DAY_MS], ['60d', HOUR_MS], ['3d', 60_000]] as const) {
      const coarse = await this.#earliest(`min_over_time(timestamp(count(${sel}))[${range}:${step / 1000}s])`, now);
      if (coarse === undefined) continue;
      const fine = step > 60_000 ? await this.#earliest(`min_over_time(timestamp(count(${sel}))[${(step + HOUR_MS) / 1000}s:60s])`, coarse) : undefined;
      // A step sees samples up to the lookback before it.
      return Math.min(coarse, fine ?? coarse) - this.#cfg.lookback_delta - 60_000;
    }
    return undefined;
  }

  async #earliest(query: string, at: number): Promise<number | undefined> {
    const path = `/api/v1/query?${new URLSearchParams({ query, time: String(at / 1000) })}`;
    const found = await Promise.all(
      this.#map.names.map(async (name) => {
        try {
          const res = await this.#deps.get(name, path, PROBE_TIMEOUT_MS);
          if (res.statusCode !== 200) return undefined;
          const doc = JSON.parse(res.body.toString('utf8')) as { data?: { result?: { value?: [number, string] }[] } };
          const v = doc.data?.result?.[0]?.value?.[1];
          return v === undefined ? undefined : Number(v) * 1000;
        } catch {
          return undefined;
        }
      }),
    );
    const known = found.filter((n): n is number => n !== undefined && Number.isFinite(n));
    return known.length > 0 ? Math.min(...known) : undefined;
  }

  /** A replica whose start time changed restarted: what it holds since its last verified time is suspect. */
  async #checkRestarts(now: number): Promise<void> {
    await Promise.all(
      this.#map.names.map(async (name) => {
        try {
          const res = await this.#deps.get(name, '/api/v1/status/runtimeinfo', PROBE_TIMEOUT_MS);
          if (res.statusCode !== 200) return;
          const startTime = (JSON.parse(res.body.toString('utf8')) as { data?: { startTime?: string } }).data?.startTime;
          if (startTime === undefined) return;
          const before = this.#startTimes.get(name);
          this.#startTimes.set(name, startTime);
          if (before !== undefined && before !== startTime) {
            this.#deps.log.warn({ replica: name, startTime }, 'replica restarted; its recent data is suspect until probed');
            this.#map.markSuspect(name, now);
          }
        } catch {
          // Unreachable: the health checks and the routing failures speak for it.
        }
      }),
    );
  }
}

/**
 * The probe's expression. `up` is 1 for a scrape that worked and 0 for one that failed: summed, it
 * counts the samples a replica actually collected (a replica cut off from its targets writes only
 * zeros, and must show as holed). Any other selector is counted sample by sample.
 */
export function probeQuery(selector: string, bucketMs: number): string {
  const fn = /^up\s*(\{|$)/.test(selector.trim()) ? 'sum_over_time' : 'count_over_time';
  return `sum(${fn}(${selector}[${bucketMs}ms]))`;
}

/** Runs of coarse buckets whose counts differ between replicas, as time intervals (t - bucket, t]. */
function differingBuckets(results: readonly ProbeResult[], bucket: number): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const r of results) {
    for (const t of r.steps) {
      const counts = [...r.counts.values()].map((c) => c.get(t) ?? 0);
      if (counts.length < 2 || counts.every((n) => n === counts[0])) continue;
      const last = out[out.length - 1];
      if (last && last.end >= t - bucket) last.end = t + 1;
      else out.push({ start: t - bucket, end: t + 1 });
    }
  }
  return out;
}

function describe(found: Map<string, Intervals>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, holes] of found) out[name] = holes.map((h) => `${new Date(h.start).toISOString()}..${Number.isFinite(h.end) ? new Date(h.end).toISOString() : 'now'}`);
  return out;
}

function floorTo(t: number, step: number): number {
  return Math.floor(t / step) * step;
}

function ceilTo(t: number, step: number): number {
  return Math.ceil(t / step) * step;
}
