/**
 * Prometheus duration strings (`1m30s`, `2h`, `1w`, `500ms`), as model.ParseDuration reads them:
 * units in descending order, each at most once, integers only; `0` alone is zero.
 * https://prometheus.io/docs/prometheus/latest/querying/basics/#time-durations
 */
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1] as const;

/** Milliseconds, or undefined when `text` is not a Prometheus duration. */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[i]!;
  }
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** Formats milliseconds the way Prometheus prints durations (`1m30s`, `0s`). */
export function formatPrometheusDuration(ms: number): string {
  if (ms === 0) return '0s';
  const units: Array<[string, number]> = [['y', UNIT_MS[0]], ['w', UNIT_MS[1]], ['d', UNIT_MS[2]], ['h', UNIT_MS[3]], ['m', UNIT_MS[4]], ['s', UNIT_MS[5]], ['ms', 1]];
  let rest = ms;
  let out = '';
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
