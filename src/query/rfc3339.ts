/**
 * Go's `time.Parse(time.RFC3339Nano, s)` as nanoseconds since the epoch. Go first tries a strict
 * fast path and, when that fails, its general layout parser, which accepts a little more. The
 * union of the two is what Prometheus accepts, so that is what we mirror (src/time/format.go):
 * - a 4-digit year (0000–9999), 2-digit month and day, the day checked against the month;
 * - a literal `T` (upper case only), an hour of 1 or 2 digits (0–23), 2-digit minute and second
 *   (0–59; no leap second);
 * - an optional fraction after `.` or `,` of any length; digits past the ninth are dropped;
 * - `Z` (upper case only) or `±hh:mm` with hh ≤ 24 and mm ≤ 60 (the general parser's ranges).
 */
const RFC3339_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))$/;

export function parseRfc3339Nano(text: string): bigint | undefined {
  const m = RFC3339_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i]));
  if (year === undefined || month === undefined || day === undefined) return undefined;
  if (hour === undefined || minute === undefined || second === undefined) return undefined;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetSeconds = 0;
  if (m[8] === undefined) {
    const offH = Number(m[10]);
    const offM = Number(m[11]);
    if (offH > 24 || offM > 60) return undefined;
    offsetSeconds = (m[9] === '-' ? -1 : 1) * (offH * 3600 + offM * 60);
  }
  const nanos = BigInt((m[7] ?? '').slice(0, 9).padEnd(9, '0'));
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds;
  return BigInt(seconds) * 1_000_000_000n + nanos;
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeap(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}
