import { parsePrometheusDuration } from './duration.js';
import { parseGoFloat } from './go-float.js';

/**
 * Duration parameters (`step`, `timeout`, `lookback_delta`) read as Prometheus's API reads them
 * (web/api/v1/api.go `parseDuration`):
 *
 *   if d, err := strconv.ParseFloat(s, 64); err == nil {
 *     ts := d * float64(time.Second)
 *     if ts > float64(math.MaxInt64) || ts < float64(math.MinInt64) { return 400 }
 *     return time.Duration(ts), nil
 *   }
 *   if d, err := model.ParseDuration(s); err == nil { return time.Duration(d), nil }
 *   return 400
 *
 * So `15`, `15.0`, `1.5e1` and `15s` are all fifteen seconds, and negative floats are durations.
 */

const NS_PER_MS = 1_000_000n;
const TWO_POW_63 = 2 ** 63;

/**
 * The duration in nanoseconds, as Prometheus's API holds it, or undefined where it answers 400.
 * Also undefined for NaN (Go's int64(NaN) is architecture-dependent but never positive, and a
 * step ≤ 0 is a 400 anyway) and for exactly 2^63 ns (Go's conversion overflows there).
 */
export function parsePrometheusStepNs(text: string): bigint | undefined {
  const float = parseGoFloat(text);
  if (float !== undefined) {
    const ts = float * 1e9;
    if (Number.isNaN(ts) || ts >= TWO_POW_63 || ts < -TWO_POW_63) return undefined;
    return BigInt(Math.trunc(ts)); // time.Duration(ts) truncates toward zero
  }
  const ms = parsePrometheusDuration(text);
  if (ms === undefined) return undefined;
  const ns = BigInt(ms) * NS_PER_MS;
  // model.ParseDuration rejects what overflows time.Duration ("duration out of range").
  return ns >= 2n ** 63n ? undefined : ns;
}

/**
 * The duration in milliseconds, as the query engine uses it.
 *
 * Why milliseconds, truncated toward zero: the API keeps nanoseconds, but NewRangeQuery hands the
 * step to the engine, which evaluates on an integer-millisecond grid (promql
 * `durationMilliseconds(d) = int64(d / time.Millisecond)`). Two steps with the same engine
 * milliseconds give the same result, so they may share a cache key. A step below one millisecond
 * becomes 0 here although Prometheus accepts it; normalizeRequest declines to normalize such a
 * request (it is forwarded untouched), so nothing is lost but a cache hit on an absurd step.
 * The API's own checks (step > 0, at most 11,000 points) run on nanoseconds, and normalizeRequest
 * replays them on parsePrometheusStepNs, not on this rounded value.
 */
export function parsePrometheusStep(text: string): number | undefined {
  const ns = parsePrometheusStepNs(text);
  return ns === undefined ? undefined : Number(ns / NS_PER_MS);
}
