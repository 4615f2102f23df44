/**
 * Go's `strconv.ParseFloat(s, 64)`, which Prometheus's API runs first on every time and duration
 * parameter (web/api/v1/api.go `parseTime`, `parseDuration`). JavaScript's `Number()` is not it:
 * `Number('')` is 0, `Number(' 1 ')` is 1, `Number('0b1')` is 1, and `Number('1_000')` is NaN,
 * while Go rejects the first three and reads the last as 1000.
 *
 * Accepted, as in Go (src/strconv/atof.go `readFloat`, `special`, `underscoreOK`):
 * - decimal: `[+-]` digits with an optional `.` and fraction (`1.`, `.5`), optional `e[+-]digits`;
 * - hexadecimal: `[+-]0x` hex mantissa (optional `.`), and a mandatory `p[+-]digits` exponent;
 * - `_` between digits (or right after `0x`), never leading, trailing or doubled;
 * - `inf`, `infinity` (any case, signed) and `nan` (any case, unsigned).
 * Rejected: anything else, and a finite literal beyond ±MaxFloat64, where Go returns ±Inf with
 * ErrRange (so Prometheus answers 400). Underflow is 0 without error, as in Go.
 */
const DECIMAL_RE = /^[+-]?(?:[0-9_]+(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][+-]?[0-9_]+)?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F_]*)(?:\.([0-9a-fA-F_]*))?[pP]([+-]?[0-9_]+)$/;
const INF_RE = /^([+-]?)(?:inf|infinity)$/i;
const NAN_RE = /^nan$/i;

/** The float Go reads from `text` (NaN and ±Infinity included), or undefined where Go errs. */
export function parseGoFloat(text: string): number | undefined {
  const inf = INF_RE.exec(text);
  if (inf) return inf[1] === '-' ? -Infinity : Infinity;
  if (NAN_RE.test(text)) return NaN;
  if (text.includes('_') && !underscoreOK(text)) return undefined;
  if (DECIMAL_RE.test(text)) {
    const clean = text.replaceAll('_', '');
    if (!/[0-9]/.test(clean.split(/[eE]/)[0] ?? '')) return undefined;
    const value = Number(clean);
    return Number.isFinite(value) ? value : undefined;
  }
  const hex = HEX_RE.exec(text);
  if (hex) return parseHex(hex[1] === '-', hex[2] ?? '', hex[3] ?? '', hex[4] ?? '');
  return undefined;
}

function parseHex(negative: boolean, intPart: string, fracPart: string, expPart: string): number | undefined {
  const intDigits = intPart.replaceAll('_', '');
  const fracDigits = fracPart.replaceAll('_', '');
  if (intDigits.length + fracDigits.length === 0) return undefined;
  const expClean = expPart.replaceAll('_', '');
  if (!/^[+-]?[0-9]/.test(expClean)) return undefined;
  // Go caps the exponent it tracks; any exponent this large is already ±Inf or 0.
  const exp = Math.max(-100_000, Math.min(100_000, Number(expClean)));
  const mantissa = BigInt(`0x${intDigits + fracDigits || '0'}`);
  const value = bigTimesPow2(mantissa, exp - 4 * fracDigits.length);
  if (value === undefined) return undefined;
  return negative ? -value : value;
}

/**
 * m · 2^e rounded to the nearest double, ties to even, or undefined past MaxFloat64. Subnormal
 * results may round twice (53 bits, then the subnormal grid); no time or step lives there.
 */
function bigTimesPow2(m: bigint, e: number): number | undefined {
  if (m === 0n) return 0;
  let shift = m.toString(2).length - 53;
  let q = m;
  if (shift > 0) {
    const s = BigInt(shift);
    q = m >> s;
    const rem = m & ((1n << s) - 1n);
    const half = 1n << (s - 1n);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    if (q === 1n << 53n) {
      q >>= 1n;
      shift += 1;
    }
  } else {
    shift = 0;
  }
  const exp = e + shift;
  if (exp + q.toString(2).length - 1 > 1023) return undefined;
  // Two steps so neither factor over- or underflows on its own.
  const half1 = Math.trunc(exp / 2);
  return Number(q) * 2 ** half1 * 2 ** (exp - half1);
}

/** Go's strconv.underscoreOK: `_` only between digits, or between a base prefix and a digit. */
function underscoreOK(text: string): boolean {
  let s = text;
  if (s.startsWith('+') || s.startsWith('-')) s = s.slice(1);
  let saw = '^';
  let i = 0;
  let hex = false;
  if (s.length >= 2 && s[0] === '0' && 'box'.includes((s[1] ?? '').toLowerCase())) {
    i = 2;
    saw = '0';
    hex = (s[1] ?? '').toLowerCase() === 'x';
  }
  for (; i < s.length; i++) {
    const c = s[i] ?? '';
    if ((c >= '0' && c <= '9') || (hex && /^[a-fA-F]$/.test(c))) {
      saw = '0';
      continue;
    }
    if (c === '_') {
      if (saw !== '0') return false;
      saw = '_';
      continue;
    }
    if (saw === '_') return false;
    saw = '!';
  }
  return saw !== '_';
}
