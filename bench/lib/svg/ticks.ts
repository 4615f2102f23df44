/**
 * Axis ticks at "nice" numbers (1, 2, 5 × 10^k), after Paul Heckbert, "Nice Numbers for Graph
 * Labels", Graphics Gems (1990). Always finite; a degenerate or non-finite domain is widened.
 */
export interface Ticks {
  /** The axis domain, widened to whole ticks. */
  min: number;
  max: number;
  step: number;
  values: number[];
}

/** The nice number near `x` (> 0): rounded to the nearest, or else the next one up. */
export function niceNumber(x: number, round: boolean): number {
  if (!(x > 0) || !Number.isFinite(x)) return 1;
  const exp = Math.floor(Math.log10(x));
  const pow = 10 ** exp;
  const f = x / pow;
  let nice: number;
  if (round) nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  else nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
  return nice * pow;
}

/** Decimals needed to print multiples of `step` exactly (capped so toFixed stays legal). */
export function decimalsFor(step: number): number {
  if (!(step > 0) || !Number.isFinite(step)) return 0;
  return Math.min(12, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
}

/** About `maxTicks` (≥ 2) nice ticks covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, maxTicks = 6): Ticks {
  let a = Number.isFinite(lo) ? lo : 0;
  let b = Number.isFinite(hi) ? hi : a + 1;
  if (a > b) [a, b] = [b, a];
  if (a === b) {
    if (a === 0) b = 1;
    else {
      const pad = Math.abs(a) * 0.1;
      a -= pad;
      b += pad;
    }
  }
  const count = Math.max(2, Math.floor(maxTicks));
  // Rounding the step straight from the span (rather than Heckbert's nice-span-first) keeps
  // [0, 1234] at steps of 200 instead of 500; it may give up to ~1.5× maxTicks ticks.
  const step = niceNumber((b - a) / (count - 1), true);
  const decimals = decimalsFor(step);
  const min = Math.floor(a / step) * step;
  const max = Math.ceil(b / step) * step;
  const n = Math.round((max - min) / step);
  const values = Array.from({ length: n + 1 }, (_, i) => Number((min + i * step).toFixed(decimals)));
  const ticks = { min: values[0] ?? min, max: values[values.length - 1] ?? max, step, values };
  const finite = [ticks.min, ticks.max, step, ...values].every(Number.isFinite) && ticks.max > ticks.min;
  return finite ? ticks : { min: 0, max: 1, step: 0.2, values: [0, 0.2, 0.4, 0.6, 0.8, 1] };
}

/** Powers of ten covering [lo, hi] for a log axis; values ≤ 0 are not representable, so ignored. */
export function logTicks(lo: number, hi: number): Ticks {
  const a = lo > 0 && Number.isFinite(lo) ? lo : 1;
  const b = hi > 0 && Number.isFinite(hi) ? Math.max(hi, a) : a;
  const e0 = Math.floor(Math.log10(a));
  let e1 = Math.ceil(Math.log10(b));
  if (e1 <= e0) e1 = e0 + 1;
  const every = Math.max(1, Math.ceil((e1 - e0) / 8));
  const values: number[] = [];
  for (let e = e0; e <= e1; e += every) values.push(10 ** e);
  return { min: 10 ** e0, max: 10 ** e1, step: every, values };
}

/**
 * A tick label: thousands as k, millions as M, otherwise as many decimals as the step needs
 * (on a log axis pass the value itself as the step).
 */
export function formatTick(v: number, step: number): string {
  if (!Number.isFinite(v)) return '';
  const abs = Math.abs(v);
  if (abs >= 1e6 && step >= 1e5) return `${trim((v / 1e6).toFixed(decimalsFor(step / 1e6)))}M`;
  if (abs >= 1e3 && step >= 1e2) return `${trim((v / 1e3).toFixed(decimalsFor(step / 1e3)))}k`;
  const s = v.toFixed(decimalsFor(step));
  return Number(s) === 0 ? '0' : s;
}

function trim(s: string): string {
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}
