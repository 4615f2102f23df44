import { parseGoFloat } from './go-float.js';
import { parseRfc3339Nano } from './rfc3339.js';

/**
 * Time parameters read exactly as Prometheus's API reads them (web/api/v1/api.go `parseTime`):
 *
 *   if t, err := strconv.ParseFloat(s, 64); err == nil {
 *     s, ns := math.Modf(t); ns = math.Round(ns*1000) / 1000
 *     return time.Unix(int64(s), int64(ns*float64(time.Second))).UTC(), nil
 *   }
 *   if t, err := time.Parse(time.RFC3339Nano, s); err == nil { return t, nil }
 *   switch s { case minTimeFormatted: return MinTime, nil; case maxTimeFormatted: return MaxTime, nil }
 *   return 400
 *
 * JavaScript numbers are IEEE doubles like Go's float64, so the float path is replayed operation
 * by operation and lands on the same nanosecond Go does.
 */

/** `MinTime.Format(time.RFC3339Nano)`: MinTime = time.Unix(math.MinInt64/1000+62135596801, 0). */
export const MIN_TIME_FORMATTED = '-292273086-05-16T16:47:06Z';
/** `MaxTime.Format(time.RFC3339Nano)`: MaxTime = time.Unix(math.MaxInt64/1000-62135596801, 999999999). */
export const MAX_TIME_FORMATTED = '292277025-08-18T07:12:54.999999999Z';

const NS_PER_S = 1_000_000_000n;
const NS_PER_MS = 1_000_000n;
/** Prometheus's MinTime and MaxTime in nanoseconds; both lie far outside a safe-integer ms. */
export const MIN_TIME_NS = (-9_223_372_036_854_775n + 62_135_596_801n) * NS_PER_S;
export const MAX_TIME_NS = (9_223_372_036_854_775n - 62_135_596_801n) * NS_PER_S + 999_999_999n;

/** Our stand-ins for MinTime and MaxTime in milliseconds: nothing else compares below or above. */
export const MIN_TIME_MS = -Infinity;
export const MAX_TIME_MS = Infinity;

/**
 * The instant Prometheus reads from `text`, in nanoseconds since the epoch, or undefined when we
 * cannot vouch for one:
 * - Prometheus answers 400 (not a float, not RFC3339, not the min/max text), or
 * - the float is ±Inf or NaN, or so large that `int64(s)` overflows: Go then yields an
 *   architecture-dependent time (amd64 reads int64(±Inf) and int64(NaN) as MinInt64), never a
 *   400 but never a meaningful instant either. The gateway forwards such requests untouched and
 *   lets Prometheus answer whatever it answers.
 */
export function parsePrometheusTimeNs(text: string): bigint | undefined {
  const float = parseGoFloat(text);
  if (float !== undefined) {
    if (!Number.isFinite(float) || Math.abs(float) >= 2 ** 63) return undefined;
    const whole = Math.trunc(float); // math.Modf: exact integer and fractional parts
    const frac = float - whole;
    const roundedFrac = goRound(frac * 1000) / 1000;
    return BigInt(whole) * NS_PER_S + BigInt(Math.trunc(roundedFrac * 1e9));
  }
  const rfc = parseRfc3339Nano(text);
  if (rfc !== undefined) return rfc;
  if (text === MIN_TIME_FORMATTED) return MIN_TIME_NS;
  if (text === MAX_TIME_FORMATTED) return MAX_TIME_NS;
  return undefined;
}

/**
 * Milliseconds since the epoch as the query engine sees them (promql `timeMilliseconds`:
 * `t.UnixNano() / 1e6`, truncated toward zero; it differs from flooring only for sub-millisecond
 * instants before 1970). MinTime and MaxTime are MIN_TIME_MS and MAX_TIME_MS (±Infinity).
 * undefined when parsePrometheusTimeNs is, and for any other instant beyond ±(2^53 − 1) ms
 * (about ±285,000 years), which a number cannot hold exactly.
 */
export function parsePrometheusTime(text: string): number | undefined {
  const ns = parsePrometheusTimeNs(text);
  if (ns === undefined) return undefined;
  return nsToMs(ns);
}

/** Engine milliseconds for a parsed instant (see parsePrometheusTime). */
export function nsToMs(ns: bigint): number | undefined {
  if (ns === MIN_TIME_NS) return MIN_TIME_MS;
  if (ns === MAX_TIME_NS) return MAX_TIME_MS;
  const ms = Number(ns / NS_PER_MS);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * The text to send Prometheus for an instant in milliseconds: decimal Unix seconds with at most
 * three fractional digits (which parseTime reads back to the same millisecond), or the min/max text.
 */
export function formatPrometheusTime(ms: number): string {
  if (ms === MIN_TIME_MS) return MIN_TIME_FORMATTED;
  if (ms === MAX_TIME_MS) return MAX_TIME_FORMATTED;
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not a safe integer millisecond: ${ms}`);
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  const seconds = Math.floor(abs / 1000);
  const fraction = abs % 1000;
  if (fraction === 0) return `${sign}${seconds}`;
  return `${sign}${seconds}.${String(fraction).padStart(3, '0').replace(/0+$/, '')}`;
}

/** Go's math.Round: half away from zero (Math.round rounds half toward +∞). */
function goRound(x: number): number {
  return Math.sign(x) * Math.round(Math.abs(x));
}
