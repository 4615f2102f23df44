// Deterministic OpenMetrics text modelled on prometheus-demo-service
// (github.com/juliusv/prometheus_demo_service), so that queries written for the demo service make
// sense against our replicas. Pure: the same options always give the same bytes.
//
// Every value is computed over the whole timeline before holes are applied, so a replica with a hole
// has exactly the same samples as its peers outside the hole (an outage, not different data).

const HOUR_MS = 3_600_000;

/** Exclusive end of the default data: the last sample is at DATA_END_MS - scrape interval. */
export const DATA_END_MS = Date.UTC(2026, 10, 1, 0, 0, 0); // 2026-11-01T00:00:00Z
export const DEFAULT_DURATION_MS = 6 * HOUR_MS;
export const DATA_START_MS = DATA_END_MS - DEFAULT_DURATION_MS; // 2026-10-31T18:00:00Z
export const DEFAULT_SCRAPE_INTERVAL_MS = 15_000;
export const DEFAULT_SEED = 1;

export const DEMO_JOB = 'demo';
export const DEMO_INSTANCES = ['demo-1:10000', 'demo-2:10001', 'demo-3:10002'] as const;
export const HISTOGRAM_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/** Half-open [startMs, endMs): samples with startMs <= t < endMs are left out. */
export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
}

export interface OpenMetricsOptions {
  /** First sample, unix ms. Default DATA_START_MS. */
  readonly start?: number;
  /** Samples are at start + k * scrapeIntervalMs, strictly before start + durationMs. Default 6h. */
  readonly durationMs?: number;
  readonly scrapeIntervalMs?: number;
  readonly holes?: readonly TimeRange[];
  readonly seed?: number;
}

export interface ResolvedOpenMetricsOptions {
  readonly start: number;
  readonly durationMs: number;
  readonly scrapeIntervalMs: number;
  readonly holes: readonly TimeRange[];
  readonly seed: number;
}

export function resolveOpenMetricsOptions(opts: OpenMetricsOptions = {}): ResolvedOpenMetricsOptions {
  const resolved = {
    start: opts.start ?? DATA_START_MS,
    durationMs: opts.durationMs ?? DEFAULT_DURATION_MS,
    scrapeIntervalMs: opts.scrapeIntervalMs ?? DEFAULT_SCRAPE_INTERVAL_MS,
    holes: (opts.holes ?? []).map((h) => ({ startMs: h.startMs, endMs: h.endMs })),
    seed: opts.seed ?? DEFAULT_SEED,
  };
  if (!Number.isInteger(resolved.start) || !Number.isInteger(resolved.scrapeIntervalMs)) {
    throw new Error('start and scrapeIntervalMs must be integer milliseconds');
  }
  if (resolved.scrapeIntervalMs <= 0 || resolved.durationMs <= 0) {
    throw new Error('scrapeIntervalMs and durationMs must be positive');
  }
  for (const h of resolved.holes) {
    if (!(h.endMs > h.startMs)) throw new Error(`empty or inverted hole ${h.startMs}..${h.endMs}`);
  }
  return resolved;
}

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A PRNG per series, so adding a family or a series never changes the others' values. */
function seriesRng(seed: number, key: string): () => number {
  let h = 2166136261 ^ (seed >>> 0);
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return mulberry32(h >>> 0);
}

/**
 * OpenMetrics timestamps are seconds. Prometheus parses them as float64 and truncates `ts * 1000`
 * to int64, so a decimal like 1790000000.123 can land on ...122 ms; add half a millisecond then.
 */
export function formatTimestamp(ms: number): string {
  if (ms % 1000 === 0) return String(ms / 1000);
  const plain = String(ms / 1000);
  if (Math.trunc(Number(plain) * 1000) === ms) return plain;
  return String((ms + 0.5) / 1000);
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

interface Timeline {
  readonly times: readonly number[];
  /** Whether a timestamp is outside every hole. */
  readonly kept: readonly boolean[];
  readonly start: number;
  readonly durationMs: number;
  readonly intervalS: number;
}

function timeline(o: ResolvedOpenMetricsOptions): Timeline {
  const times: number[] = [];
  const kept: boolean[] = [];
  for (let t = o.start; t < o.start + o.durationMs; t += o.scrapeIntervalMs) {
    times.push(t);
    kept.push(!o.holes.some((h) => t >= h.startMs && t < h.endMs));
  }
  return { times, kept, start: o.start, durationMs: o.durationMs, intervalS: o.scrapeIntervalMs / 1000 };
}

class Writer {
  readonly #lines: string[] = [];

  family(name: string, type: 'gauge' | 'counter' | 'histogram', help: string): void {
    this.#lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  }

  sample(name: string, labels: Readonly<Record<string, string>>, value: number, ms: number): void {
    this.#lines.push(`${name}${labelsText(labels)} ${formatValue(value)} ${formatTimestamp(ms)}`);
  }

  /** One series: its samples in ascending time, holes left out. */
  series(name: string, labels: Readonly<Record<string, string>>, tl: Timeline, values: readonly (number | undefined)[]): void {
    for (let i = 0; i < tl.times.length; i++) {
      const v = values[i];
      if (v !== undefined && tl.kept[i]) this.sample(name, labels, v, tl.times[i]!);
    }
  }

  end(): string {
    this.#lines.push('# EOF');
    return this.#lines.join('\n') + '\n';
  }
}

const MEMORY_TYPES = ['free', 'used', 'buffers', 'cached'] as const;
const CPU_MODES = [
  { mode: 'idle', share: 0.7 },
  { mode: 'user', share: 0.2 },
  { mode: 'system', share: 0.1 },
] as const;
const API_SERIES = [
  { method: 'GET', path: '/api/foo', status: '200', rps: 8, medianS: 0.04 },
  { method: 'GET', path: '/api/foo', status: '500', rps: 0.4, medianS: 0.3 },
  { method: 'POST', path: '/api/bar', status: '200', rps: 3, medianS: 0.12 },
  { method: 'GET', path: '/api/bar', status: '200', rps: 5, medianS: 0.02 },
] as const;

/** When the demo process behind each instance restarted (fraction of the duration), resetting its counters. */
const CPU_RESET_AT = [undefined, 0.4, 0.75] as const;

function instanceLabels(i: number): { instance: string; job: string } {
  return { instance: DEMO_INSTANCES[i]!, job: DEMO_JOB };
}

function numCpus(seed: number, i: number): number {
  const rng = seriesRng(seed, `num_cpus/${i}`);
  return [2, 4, 8][Math.floor(rng() * 3)]!;
}

function memory(w: Writer, tl: Timeline, seed: number): void {
  w.family('demo_memory_usage_bytes', 'gauge', 'Memory usage in bytes.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    const total = 2 ** 30 * numCpus(seed, i) * 2;
    const rng = seriesRng(seed, `memory/${i}`);
    const phase = rng() * 2 * Math.PI;
    const used: number[] = [];
    const buffers: number[] = [];
    const cached: number[] = [];
    for (const t of tl.times) {
      const wave = Math.sin(phase + ((t - tl.start) / HOUR_MS) * 2 * Math.PI / 3);
      used.push(Math.round(total * (0.45 + 0.15 * wave + 0.03 * (rng() - 0.5))));
      buffers.push(Math.round(total * (0.05 + 0.01 * rng())));
      cached.push(Math.round(total * (0.2 + 0.02 * rng())));
    }
    const byType: Record<(typeof MEMORY_TYPES)[number], number[]> = {
      used,
      buffers,
      cached,
      free: used.map((u, k) => total - u - buffers[k]! - cached[k]!),
    };
    for (const type of MEMORY_TYPES) w.series('demo_memory_usage_bytes', { ...instanceLabels(i), type }, tl, byType[type]);
  }
}

function cpu(w: Writer, tl: Timeline, seed: number): void {
  w.family('demo_cpu_usage_seconds', 'counter', 'Total CPU usage in seconds.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    const cpus = numCpus(seed, i);
    const resetFraction = CPU_RESET_AT[i];
    const resetIndex = resetFraction === undefined ? -1 : Math.floor(tl.times.length * resetFraction);
    for (const { mode, share } of CPU_MODES) {
      const rng = seriesRng(seed, `cpu/${i}/${mode}`);
      let total = 1000 + rng() * 50_000;
      const values = tl.times.map((_, k) => {
        if (k === resetIndex) total = 0;
        total += tl.intervalS * cpus * share * (0.8 + 0.4 * rng());
        return Math.round(total * 1000) / 1000;
      });
      w.series('demo_cpu_usage_seconds_total', { ...instanceLabels(i), mode }, tl, values);
    }
  }
}

function numCpusFamily(w: Writer, tl: Timeline, seed: number): void {
  w.family('demo_num_cpus', 'gauge', 'The number of CPUs.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    w.series('demo_num_cpus', instanceLabels(i), tl, tl.times.map(() => numCpus(seed, i)));
  }
}

function disk(w: Writer, tl: Timeline, seed: number): void {
  w.family('demo_disk_usage_bytes', 'gauge', 'Disk usage in bytes.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    const rng = seriesRng(seed, `disk/${i}`);
    const base = Math.round(10e9 + rng() * 40e9);
    const bytesPerSecond = Math.round(1000 + rng() * 50_000);
    const values = tl.times.map((t) => base + (bytesPerSecond * (t - tl.start)) / 1000);
    w.series('demo_disk_usage_bytes', instanceLabels(i), tl, values);
  }
}

function batch(w: Writer, tl: Timeline, seed: number): void {
  w.family('demo_batch_last_success_timestamp_seconds', 'gauge', 'The last time a batch job completed successfully.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    const rng = seriesRng(seed, `batch/${i}`);
    // A batch runs about every 5 minutes and fails one time in five, keeping the old timestamp.
    let last = tl.start / 1000 - 60;
    let next = tl.start + 60_000;
    const values = tl.times.map((t) => {
      while (t >= next) {
        if (rng() >= 0.2) last = Math.floor(next / 1000);
        next += 240_000 + Math.floor(rng() * 120_000);
      }
      return last;
    });
    w.series('demo_batch_last_success_timestamp_seconds', instanceLabels(i), tl, values);
  }
}

/** A standard normal draw (Box-Muller). */
function normal(rng: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
}

function histogram(w: Writer, tl: Timeline, seed: number): void {
  const name = 'demo_api_request_duration_seconds';
  w.family(name, 'histogram', 'A histogram of the API HTTP request durations in seconds.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    for (const s of API_SERIES) {
      const labels = { ...instanceLabels(i), method: s.method, path: s.path, status: s.status };
      const rng = seriesRng(seed, `api/${i}/${s.method}/${s.path}/${s.status}`);
      const buckets = HISTOGRAM_BUCKETS.map(() => 0);
      let count = 0;
      let sum = 0;
      for (let k = 0; k < tl.times.length; k++) {
        const n = Math.floor(s.rps * tl.intervalS * (0.5 + rng()));
        for (let r = 0; r < n; r++) {
          const latency = s.medianS * Math.exp(0.8 * normal(rng));
          count++;
          sum += latency;
          for (let b = 0; b < HISTOGRAM_BUCKETS.length; b++) if (latency <= HISTOGRAM_BUCKETS[b]!) buckets[b]!++;
        }
        if (!tl.kept[k]) continue;
        // One OpenMetrics MetricPoint: every bucket, then _count and _sum, at the same timestamp.
        const t = tl.times[k]!;
        HISTOGRAM_BUCKETS.forEach((le, b) => w.sample(`${name}_bucket`, { ...labels, le: String(le) }, buckets[b]!, t));
        w.sample(`${name}_bucket`, { ...labels, le: '+Inf' }, count, t);
        w.sample(`${name}_count`, labels, count, t);
        w.sample(`${name}_sum`, labels, Math.round(sum * 1e6) / 1e6, t);
      }
    }
  }
}

/**
 * Present for 30 minutes, then gone for 15 (longer than the 5m lookback, so instant queries in the
 * gap see nothing), with a 2-minute gap inside each present period (shorter than the lookback, so
 * the last value carries over). Phases differ per instance.
 */
function intermittent(w: Writer, tl: Timeline, seed: number): void {
  w.family('demo_intermittent_metric', 'gauge', 'A metric that is only present some of the time.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    const rng = seriesRng(seed, `intermittent/${i}`);
    const cycle = 45 * 60_000;
    const offset = i * 10 * 60_000;
    const values = tl.times.map((t) => {
      const pos = (((t - tl.start + offset) % cycle) + cycle) % cycle;
      const present = pos < 30 * 60_000 && !(pos >= 12 * 60_000 && pos < 14 * 60_000);
      const v = Math.round(rng() * 100);
      return present ? v : undefined;
    });
    w.series('demo_intermittent_metric', instanceLabels(i), tl, values);
  }
}

/**
 * `up` as Prometheus would have recorded it for each demo target: 1 at every scrape, absent in a
 * hole (the replica was down, so it recorded nothing, not a 0). A probe such as
 * `count_over_time(up[<scrape interval>])` then tells whether a replica has data at a time.
 * Written last so that adding it left every other series where it was.
 */
function up(w: Writer, tl: Timeline): void {
  w.family('up', 'gauge', 'Whether the target was up at the scrape.');
  for (let i = 0; i < DEMO_INSTANCES.length; i++) {
    w.series('up', instanceLabels(i), tl, tl.times.map(() => 1));
  }
}

/** The OpenMetrics text for the demo families over the options' timeline. */
export function generateOpenMetrics(opts: OpenMetricsOptions = {}): string {
  const o = resolveOpenMetricsOptions(opts);
  const tl = timeline(o);
  const w = new Writer();
  memory(w, tl, o.seed);
  cpu(w, tl, o.seed);
  numCpusFamily(w, tl, o.seed);
  disk(w, tl, o.seed);
  batch(w, tl, o.seed);
  histogram(w, tl, o.seed);
  intermittent(w, tl, o.seed);
  up(w, tl);
  return w.end();
}
