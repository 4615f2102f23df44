import type { EndpointName, ProxyRoute } from './path.js';
import { parsePrometheusStepNs } from './step.js';
import { MAX_TIME_NS, MIN_TIME_NS, nsToMs, parsePrometheusTimeNs } from './time.js';

/**
 * A request reduced to what Prometheus's answer depends on, for coalescing and cache keys.
 * Parameter order, GET versus POST, and the spelling of times (`1700000000`, `1700000000.000`,
 * `2023-11-14T22:13:20Z`) and steps (`15`, `15.0`, `15s`) do not show. Times and steps are engine
 * milliseconds (see parsePrometheusTime and parsePrometheusStep); `params` holds every other
 * parameter as [name, value] pairs sorted by name, a name's values in request order.
 */
export type NormalizedRequest =
  | { endpoint: 'query'; query: string; time?: number; params: Array<[string, string]> }
  | { endpoint: 'query_range'; query: string; start: number; end: number; step: number; params: Array<[string, string]> }
  | { endpoint: Exclude<EndpointName, 'query' | 'query_range' | 'label_values'>; params: Array<[string, string]> }
  | { endpoint: 'label_values'; label: string; params: Array<[string, string]> };

export type NormalizeResult = { ok: true; request: NormalizedRequest } | { ok: false };

/** Prometheus's limit on points per series in a range query (web/api/v1/api.go queryRange). */
const MAX_POINTS = 11_000n;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * Normalizes parameters as Prometheus reads them: `query`, `time`, `start`, `end` and `step` by
 * FormValue (the first value only; later ones never reach Prometheus), every other parameter with
 * all its values. `{ ok: false }` wherever Prometheus would answer 400 (and wherever we cannot
 * vouch for its reading); the gateway then forwards the request untouched and lets Prometheus
 * answer. Checks mirror queryRange: times parse, end ≥ start, step > 0, (end − start) / step ≤
 * 11,000, each on nanoseconds exactly as Prometheus does, and once more on the millisecond values
 * we keep, so a request rebuilt from the normalized form is accepted too. `timeout`,
 * `lookback_delta` and `limit` are validated as Prometheus does where present.
 *
 * `target` is the proxy route from classifyPath, or a bare endpoint name. A bare 'label_values'
 * is refused: the label name is part of what is asked, and a key without it would be shared by
 * every label.
 */
export function normalizeRequest(target: EndpointName | ProxyRoute, params: ReadonlyMap<string, readonly string[]>): NormalizeResult {
  const route = typeof target === 'string' ? undefined : target;
  const endpoint = typeof target === 'string' ? target : target.endpoint;
  if (endpoint === 'query') return normalizeQuery(params);
  if (endpoint === 'query_range') return normalizeQueryRange(params);
  if (endpoint === 'label_values') {
    if (route?.endpoint !== 'label_values') return { ok: false };
    return { ok: true, request: { endpoint, label: route.label, params: sortedPairs(params, []) } };
  }
  return { ok: true, request: { endpoint, params: sortedPairs(params, []) } };
}

function normalizeQuery(params: ReadonlyMap<string, readonly string[]>): NormalizeResult {
  const query = formValue(params, 'query');
  if (query === '' || !validQueryOptions(params)) return { ok: false };
  const timeText = formValue(params, 'time');
  const rest = sortedPairs(params, ['query', 'time']);
  if (timeText === '') return { ok: true, request: { endpoint: 'query', query, params: rest } };
  const time = engineMs(parsePrometheusTimeNs(timeText));
  if (time === undefined) return { ok: false };
  return { ok: true, request: { endpoint: 'query', query, time, params: rest } };
}

function normalizeQueryRange(params: ReadonlyMap<string, readonly string[]>): NormalizeResult {
  const query = formValue(params, 'query');
  const startNs = parsePrometheusTimeNs(formValue(params, 'start'));
  const endNs = parsePrometheusTimeNs(formValue(params, 'end'));
  const stepNs = parsePrometheusStepNs(formValue(params, 'step'));
  if (query === '' || startNs === undefined || endNs === undefined || stepNs === undefined) return { ok: false };
  if (!rangeAccepted(startNs, endNs, stepNs) || !validQueryOptions(params)) return { ok: false };
  const start = engineMs(startNs);
  const end = engineMs(endNs);
  const step = Number(stepNs / 1_000_000n);
  if (start === undefined || end === undefined || !Number.isFinite(start) || !Number.isFinite(end)) return { ok: false };
  const startMs = BigInt(start);
  const endMs = BigInt(end);
  const stepMs = BigInt(step);
  // The same checks on what we keep: a request rebuilt from it must pass them as well.
  if (stepMs <= 0n || !rangeAccepted(startMs * 1_000_000n, endMs * 1_000_000n, stepMs * 1_000_000n)) return { ok: false };
  const rest = sortedPairs(params, ['query', 'start', 'end', 'step']);
  return { ok: true, request: { endpoint: 'query_range', query, start, end, step, params: rest } };
}

/**
 * The engine's milliseconds for an instant: `t.UnixNano() / 1e6`. Outside the int64 nanosecond
 * range (before 1677 or after 2262) UnixNano wraps, and instants within one true millisecond can
 * wrap to different engine milliseconds, so we do not vouch for those; MinTime and MaxTime are
 * exact Go values, kept as ±Infinity.
 */
function engineMs(ns: bigint | undefined): number | undefined {
  if (ns === undefined) return undefined;
  if (ns === MIN_TIME_NS || ns === MAX_TIME_NS) return nsToMs(ns);
  if (ns < INT64_MIN || ns > INT64_MAX) return undefined;
  return nsToMs(ns);
}

/** queryRange's checks, on nanoseconds: end.Before(start), step <= 0, end.Sub(start)/step > 11000. */
function rangeAccepted(startNs: bigint, endNs: bigint, stepNs: bigint): boolean {
  if (endNs < startNs || stepNs <= 0n) return false;
  let span = endNs - startNs; // time.Time.Sub saturates at the int64 bounds
  if (span > INT64_MAX) span = INT64_MAX;
  if (span < INT64_MIN) span = INT64_MIN;
  return span / stepNs <= MAX_POINTS;
}

/** `timeout` and `lookback_delta` go through parseDuration, `limit` through strconv.Atoi (≥ 0). */
function validQueryOptions(params: ReadonlyMap<string, readonly string[]>): boolean {
  for (const name of ['timeout', 'lookback_delta']) {
    const text = formValue(params, name);
    if (text !== '' && parsePrometheusStepNs(text) === undefined) return false;
  }
  const limit = formValue(params, 'limit');
  if (limit !== '') {
    if (!/^[+-]?[0-9]+$/.test(limit)) return false;
    const n = BigInt(limit);
    if (n < 0n || n > INT64_MAX) return false;
  }
  return true;
}

/** r.FormValue: the first value, or '' when absent. */
function formValue(params: ReadonlyMap<string, readonly string[]>, name: string): string {
  return params.get(name)?.[0] ?? '';
}

/** Every [name, value] pair except `omit`, sorted by name (code units), values in request order. */
function sortedPairs(params: ReadonlyMap<string, readonly string[]>, omit: readonly string[]): Array<[string, string]> {
  const names = [...params.keys()].filter((n) => !omit.includes(n)).sort(compareCodeUnits);
  return names.flatMap((name) => (params.get(name) ?? []).map((value): [string, string] => [name, value]));
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A stable key for a normalized request and an optional identity (tenant, credentials class):
 * a JSON array with every field in a fixed place, kept as text rather than digested (the cache
 * counts its bytes; a hash per request bought nothing a Map lookup needs). Numbers are written
 * as strings so ±Infinity (MinTime, MaxTime) stay distinct where JSON would write null. Equal for
 * equal requests; any differing field, parameter name or value gives a different key.
 */
export function requestKey(req: NormalizedRequest, identity?: string): string {
  const num = (n: number | undefined): string | null => (n === undefined ? null : String(n));
  const canonical = [
    'promgate/request/v1',
    identity ?? null,
    req.endpoint,
    'label' in req ? req.label : null,
    'query' in req ? req.query : null,
    'time' in req ? num(req.time) : null,
    'start' in req ? num(req.start) : null,
    'end' in req ? num(req.end) : null,
    'step' in req ? num(req.step) : null,
    req.params,
  ];
  return JSON.stringify(canonical);
}
