/**
 * The demo's metrics as pure functions of time, so the backfilled history and the live exporter
 * are one continuous series: a web service's requests (counter), their latency (histogram) and CPU
 * (gauge), on three instances, with a daily-ish wave so graphs have shape. No I/O here.
 */

export const DEMO_INSTANCES = ['app-1:8080', 'app-2:8080', 'app-3:8080'] as const;
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;
/** Cumulative share of fast and of slow requests at or under each bucket. */
const FAST_SHARE = [0.45, 0.8, 0.97, 0.99, 1, 1] as const;
const SLOW_SHARE = [0, 0.02, 0.15, 0.45, 0.8, 0.97] as const;
const WAVE_S = 3_600;

/** A counter whose rate is base · (1 + ½ sin(2πt / WAVE)): its exact integral, so it never decreases. */
function counter(base: number, phase: number, tSec: number): number {
  const w = (2 * Math.PI) / WAVE_S;
  return base * (tSec + (0.5 / w) * (Math.cos(phase) - Math.cos(w * tSec + phase)));
}

interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** Every series' value at `tMs`. */
export function demoSamples(tMs: number): Sample[] {
  const t = tMs / 1000;
  const out: Sample[] = [];
  DEMO_INSTANCES.forEach((instance, i) => {
    // Fast and slow requests peak at opposite times, so latency quantiles move with the mix; each
    // bucket is a fixed share of each kind, so buckets never decrease, in time or in `le`.
    const fast = counter(15 + 5 * i, i, t);
    const slow = counter(5, i + Math.PI, t);
    const errors = counter(0.2 + 0.1 * i, i, t);
    out.push({ name: 'demo_http_requests_total', labels: { instance, job: 'demo', code: '200' }, value: round(fast + slow) });
    out.push({ name: 'demo_http_requests_total', labels: { instance, job: 'demo', code: '500' }, value: round(errors) });
    BUCKETS.forEach((le, b) => {
      out.push({ name: 'demo_http_request_duration_seconds_bucket', labels: { instance, job: 'demo', le: String(le) }, value: round(FAST_SHARE[b]! * fast + SLOW_SHARE[b]! * slow) });
    });
    out.push({ name: 'demo_http_request_duration_seconds_bucket', labels: { instance, job: 'demo', le: '+Inf' }, value: round(fast + slow) });
    out.push({ name: 'demo_http_request_duration_seconds_count', labels: { instance, job: 'demo' }, value: round(fast + slow) });
    out.push({ name: 'demo_http_request_duration_seconds_sum', labels: { instance, job: 'demo' }, value: round(0.06 * fast + 0.9 * slow) });
    out.push({ name: 'demo_cpu_usage_ratio', labels: { instance, job: 'demo' }, value: round(0.35 + 0.25 * Math.sin(t / 1_800 + i) + 0.05 * Math.sin(t / 97)) });
  });
  return out;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

const FAMILIES = [
  { family: 'demo_http_requests', type: 'counter', names: ['demo_http_requests_total'] },
  { family: 'demo_http_request_duration_seconds', type: 'histogram', names: ['demo_http_request_duration_seconds_bucket', 'demo_http_request_duration_seconds_count', 'demo_http_request_duration_seconds_sum'] },
  { family: 'demo_cpu_usage_ratio', type: 'gauge', names: ['demo_cpu_usage_ratio'] },
] as const;

function labelText(labels: Readonly<Record<string, string>>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}

/**
 * OpenMetrics for `promtool tsdb create-blocks-from openmetrics`: samples at start, start + step,
 * … < end, families grouped, each series in time order. `job`/`instance` are labels of the series,
 * as a scrape would have attached them; `upInstance` adds the scrape's `up` series.
 */
export function demoHistory(startMs: number, endMs: number, stepMs: number, upInstance?: string): string {
  const lines: string[] = [];
  // The live scrape's `up`, back in time: promgate's coverage probe compares replicas by it.
  if (upInstance !== undefined) {
    lines.push('# TYPE up gauge');
    for (let t = startMs; t < endMs; t += stepMs) lines.push(`up{instance="${upInstance}",job="demo"} 1 ${t / 1000}`);
  }
  const times: number[] = [];
  for (let t = startMs; t < endMs; t += stepMs) times.push(t);
  const all = times.map((t) => ({ t, samples: demoSamples(t) }));
  for (const f of FAMILIES) {
    lines.push(`# TYPE ${f.family} ${f.type}`);
    const series = all[0]?.samples.map((s, i) => ({ s, i })).filter(({ s }) => (f.names as readonly string[]).includes(s.name)) ?? [];
    for (const { s, i } of series) {
      const head = `${s.name}{${labelText(s.labels)}}`;
      for (const { t, samples } of all) lines.push(`${head} ${samples[i]!.value} ${t / 1000}`);
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** The text exposition a live scrape gets at `tMs` (job and instance set by target relabeling). */
export function demoExposition(tMs: number): string {
  const lines: string[] = [];
  const samples = demoSamples(tMs);
  for (const f of FAMILIES) {
    lines.push(`# TYPE ${f.family} ${f.type}`);
    for (const s of samples) if ((f.names as readonly string[]).includes(s.name)) lines.push(`${s.name}{${labelText(s.labels)}} ${s.value}`);
  }
  return `${lines.join('\n')}\n`;
}
